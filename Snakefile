# Summit as a reproducible study: `snakemake --cores all` runs the embedded default
# (config.yaml). The rules live in workflow/rules, one file per stage of the method; each
# runs its step (`summit <rule>`, src/summit/steps/) with the settings it depends on.
import os
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    **WILDCARDS,


for _stage in sorted((Path(workflow.basedir) / "workflow" / "rules").glob("*.smk")):  # one file per stage
    if _stage.name != "common.smk":

        include: _stage


# `summit plan` dry-runs the workflow with SUMMIT_PLAN set: what it resolved, for the plan.
if os.environ.get("SUMMIT_PLAN"):
    startup.write_plan_facts(config, plan_facts(), R)


rule all:
    input:
        P.site,
        figures(*(f"graphs/{c}" for c in CLASSES)),
        ANALYSIS_FIGURES,
        REPORTS,
    default_target: True
