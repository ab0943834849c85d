# Summit as a reproducible study: `snakemake --cores all` runs the embedded default
# (config.yaml). The rules live in workflow/rules, one file per stage of the method; each
# calls the `summit` package's command line with the settings it depends on.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/activations.smk"
include: "workflow/rules/embedding.smk"
include: "workflow/rules/graphs.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/examples.smk"
include: "workflow/rules/featvis.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/nonsemantic.smk"
include: "workflow/rules/neighbours.smk"
include: "workflow/rules/class_pairs.smk"
include: "workflow/rules/motifs.smk"
include: "workflow/rules/separability.smk"
include: "workflow/rules/model_comparison.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/site.smk"


rule all:
    input:
        f"{R}/site/index.html",
        expand(f"{R}/figures/graphs/{{cls}}.{{ext}}", cls=CLASSES, ext=("png", "pdf")),
        ANALYSIS_FIGURES,
    default_target: True
