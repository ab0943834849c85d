# Per class: the attribution graph rebuilt from bootstrap resamples of the class's image
# groups (the tallies and counts the pass kept per group; no forward pass): each vertex's and
# edge's inclusion, Jaccard with the graph, split-half agreement, and the resampled graphs
# the findings' support is measured on. Then one table, the run's sentences and a figure over
# all classes.

site_panel("stability", P.stability)


for job in class_jobs("stability"):

    rule:
        name:
            job.rule
        input:
            **job.each(store=P.store),
            structure=P.structure,
            counts=per_layer(P.counts),
            nonsemantic=NONSEMANTIC_EXCLUDED,
        output:
            **job.each(report=P.stability, resampled=P.resampled_graphs),
        params:
            p=step_params("graph", "stability", influence_k=config["influence"]["k"],
                          class_names=CLASS_NAMES),
            args=job_args(job),
        log:
            log_file("stability", job.per, study="{study}"),
        benchmark:
            benchmark_file("stability", job.per, study="{study}")
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=60 * job.size,
        shell:
            STEP


rule stability_summary:
    input:
        records=per_class(P.stability, R),
    output:
        table=P.stability_table,
        markdown=P.stability_markdown,
        png=report(P.figure.format(name="stability", ext="png"),
                   caption="../report/stability.rst", category="Paper figures"),
        pdf=P.figure.format(name="stability", ext="pdf"),
    params:
        p=step_params(),
        args=step_args("stability_summary"),
    log:
        log_file("stability_summary"),
    benchmark:
        benchmark_file("stability_summary")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
