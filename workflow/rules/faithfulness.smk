# Per class: does the attribution graph explain the class? Its channels (both extraction
# variants) are replaced by a baseline on held-out images, against random and frequency-
# matched channel sets of the same size; then one table and figure over all classes. The
# mean maps that replace ablated channels come from one pass over training images.

site_panel("faithfulness", P.faithfulness)


rule faithfulness_reference:
    input:
        weights=WEIGHTS,
        structure=at(P.structure),
    output:
        reference=P.faithfulness_reference,
    params:
        # only what the mean maps depend on, so other faithfulness settings keep them
        p=step_params(*MODEL_KEYS, "batch_size", **DOWNLOAD, faithfulness={
            k: config["faithfulness"][k] for k in ("reference_images", "seed")}),
        args=step_args("faithfulness_reference"),
    log:
        log_file("faithfulness_reference"),
    benchmark:
        benchmark_file("faithfulness_reference")
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=lambda w: 2000 + config["batch_size"] * 8,
        runtime=30,
        gpu=GPUS,
    shell:
        STEP


for job in class_jobs("faithfulness"):

    rule:
        name:
            job.rule
        input:
            **job.each(store=at(P.store)),
            weights=WEIGHTS,
            structure=at(P.structure),
            counts=per_layer(P.counts, R),
            nonsemantic=[at(x) for x in NONSEMANTIC_EXCLUDED],
            reference=P.faithfulness_reference,
        output:
            **job.each(report=P.faithfulness),
        params:
            p=step_params(*MODEL_KEYS, "faithfulness", "graph", "batch_size",
                          influence_k=config["influence"]["k"], class_names=CLASS_NAMES,
                          class_ids=CLASSES, **DOWNLOAD),
            args=job_args(job),
        log:
            log_file("faithfulness", job.per),
        benchmark:
            benchmark_file("faithfulness", job.per)
        conda:
            "../../envs/summit.yaml"
        threads: config["threads"]
        resources:
            mem_mb=lambda w: 2000 + config["batch_size"] * 8,
            runtime=120 * job.size,
            gpu=GPUS,
        shell:
            STEP


rule faithfulness_summary:
    input:
        records=per_class(P.faithfulness),
    output:
        table=P.faithfulness_table,
        markdown=P.faithfulness_markdown,
        png=report(P.figure.format(name="faithfulness", ext="png"),
                   caption="../report/faithfulness.rst", category="Paper figures"),
        pdf=P.figure.format(name="faithfulness", ext="pdf"),
    params:
        p=step_params(),
        args=step_args("faithfulness_summary"),
    log:
        log_file("faithfulness_summary"),
    benchmark:
        benchmark_file("faithfulness_summary")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
