# Per class: the attribution graph with feature visualizations as vertices (the paper's
# Figure 1 style), as PNG and PDF under figures/graphs/.


def graph_report(png: str):
    """A class's figure in Snakemake's report, labelled with its class (`{cls}` or an id)."""
    return report(png, caption="../report/class_graph.rst", category="Attribution graphs",
                  labels={"class": Path(png).stem})


for job in class_jobs("class_figure"):

    rule:
        name:
            job.rule
        input:
            **job.each(graph=at(P.graph), stats=P.stats),
            featvis=featvis_files(R),
            featvis_atlases=featvis_files(R, atlases=True),
        output:
            **job.each(wrap=graph_report, png=P.figure.format(name="graphs/{cls}", ext="png")),
            **job.each(pdf=P.figure.format(name="graphs/{cls}", ext="pdf")),
        params:
            p=step_params(),
            args=job_args(job),
        log:
            log_file("class_figure", job.per),
        benchmark:
            benchmark_file("class_figure", job.per)
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10 * job.size,
        shell:
            STEP
