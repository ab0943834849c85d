# With dataset.plant: does the method find what we hid? Per study (the model's, and each
# training seed's), each planted pattern's channels measured on stamped against clean copies
# of test images, the shortcut the model learnt, the graphs' recovery of the pattern
# channels (with resampled support, the non-semantic flags, shared channels and motifs) and
# what ablating them does; then one report over the studies, with the run's sentences (its
# figure is among ANALYSIS_FIGURES when a pattern is planted, so `rule all` reaches it).

GROUND_TRUTH_STUDIES = [R, *SEED_STUDIES]


rule ground_truth:
    input:
        weights=weights,
        structure=P.structure,
        graphs=per_class(P.graph),
        resampled=per_class(P.resampled_graphs) if STAGES["stability"] else [],
        nonsemantic=[P.nonsemantic] if STAGES["analyses"] else [],
        motifs=lambda w: [P.motifs] if w.study == R and STAGES["analyses"] else [],
    output:
        report=P.ground_truth,
    params:
        p=model_params(*RUN_KEYS, "ground_truth", "batch_size", **DOWNLOAD, class_ids=CLASSES,
                       class_names=CLASS_NAMES),
        args=step_args("ground_truth"),
    log:
        log_file("ground_truth", study="{study}"),
    benchmark:
        benchmark_file("ground_truth", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=lambda w: 2500 + config["batch_size"] * 16,
        runtime=30,
        gpu=GPUS,
    shell:
        STEP


rule ground_truth_summary:
    input:
        records=[at(P.ground_truth, s) for s in GROUND_TRUTH_STUDIES],
    output:
        report=P.ground_truth_report,
        markdown=P.ground_truth_markdown,
        png=P.figure.format(name="ground_truth", ext="png"),
        pdf=P.figure.format(name="ground_truth", ext="pdf"),
    params:
        p=step_params(class_names=CLASS_NAMES),
        args=step_args("ground_truth_summary"),
    log:
        log_file("ground_truth_summary"),
    benchmark:
        benchmark_file("ground_truth_summary")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        STEP
