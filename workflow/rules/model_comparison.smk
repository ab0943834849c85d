# With model_comparison set, the second model's study runs under results/comparison/ through
# the shared rules' {study} wildcard; here, per class, the two graphs side by side and what
# changed, and a summary over all classes; the compared study runs the stability stage too, so
# each class's Jaccards get their spread over resamples (resample b of A against b of B).


for job in class_jobs("model_comparison"):

    rule:
        name:
            job.rule
        input:
            **job.each(graph_a=at(P.graph), graph_b=at(P.graph, C), store_a=at(P.store),
                       store_b=at(P.store, C)),
            **(job.each(resampled_a=at(P.resampled_graphs), resampled_b=at(P.resampled_graphs, C))
               if STAGES["stability"] else {}),
            model_a=at(P.model),
            model_b=at(P.model, C),
            matchings=matchings(C),
            featvis_a=featvis_files(R),
            featvis_b=featvis_files(C),
            atlases_a=featvis_files(R, atlases=True),
            atlases_b=featvis_files(C, atlases=True),
        output:
            **job.each(report=P.model_comparison,
                       png=P.figure.format(name="models/{cls}", ext="png"),
                       pdf=P.figure.format(name="models/{cls}", ext="pdf")),
        params:
            p=step_params("stability"),
            args=job_args(job),
        log:
            log_file("model_comparison", job.per),
        benchmark:
            benchmark_file("model_comparison", job.per)
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10 * job.size,
        shell:
            STEP


rule model_comparison_summary:
    input:
        comparisons=per_class(P.model_comparison),
    output:
        table=P.model_comparison_table,
        markdown=P.model_comparison_markdown,
        png=report(P.figure.format(name="model_comparison", ext="png"),
                   caption="../report/model_comparison.rst", category="Paper figures"),
        pdf=P.figure.format(name="model_comparison", ext="pdf"),
    params:
        p=step_params("stability"),
        args=step_args("model_comparison_summary"),
    log:
        log_file("model_comparison_summary"),
    benchmark:
        benchmark_file("model_comparison_summary")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
