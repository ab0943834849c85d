# Per class: its chosen images (misclassified first, then its least and most confident
# correct ones, from the pass's predictions) explained one by one: each run again as its own
# image group, so its graph is the class method applied to it alone; compared with its true
# and predicted classes' graphs; its own and its class's channels ablated against random sets.

site_panel("explain", P.explain)
if summit_stages.enabled("explain", STAGES):
    REPORTS.append(P.explain_markdown)


for job in class_jobs("explain"):

    rule:
        name:
            job.rule
        input:
            **job.each(store=at(P.store)),
            weights=WEIGHTS,
            structure=at(P.structure),
            counts=per_layer(P.counts, R),
            nonsemantic=[at(x) for x in NONSEMANTIC_EXCLUDED],
            graphs=per_class(P.graph, R),
            reference=[P.faithfulness_reference]
            if config["faithfulness"]["ablation"] == "mean" else [],
        output:
            **job.each(report=P.explain),
        params:
            p=step_params(*MODEL_KEYS, "explain", "graph", "aggregation", "influence",
                          "batch_size", class_names=CLASS_NAMES, class_ids=CLASSES,
                          **DOWNLOAD),
            args=job_args(job),
        log:
            log_file("explain", job.per),
        benchmark:
            benchmark_file("explain", job.per)
        conda:
            "../../envs/summit.yaml"
        threads: config["threads"]
        resources:
            mem_mb=lambda w: 2000 + config["batch_size"] * 8,
            runtime=30 * job.size,
            gpu=GPUS,
        shell:
            STEP


rule explain_summary:
    input:
        records=per_class(P.explain, R),
        featvis=featvis_files(R),
        featvis_atlases=featvis_files(R, atlases=True),
    output:
        markdown=P.explain_markdown,
        png=report(P.figure.format(name="explained", ext="png"),
                   caption="../report/explained.rst", category="Paper figures"),
        pdf=P.figure.format(name="explained", ext="pdf"),
    params:
        p=step_params(class_names=CLASS_NAMES),
        args=step_args("explain_summary"),
    log:
        log_file("explain_summary"),
    benchmark:
        benchmark_file("explain_summary")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
