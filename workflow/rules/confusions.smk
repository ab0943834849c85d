# Once: every class's confusions counted from its store (an image activates a channel when it
# is among its top channels), and for the most frequent ones the channels of the predicted
# class's graph its misclassified images activate far more often than its correct ones, with
# support over the classes' resamples of their image groups; the run's sentences on them.

if summit_stages.enabled("confusions", STAGES):
    REPORTS.append(P.confusions_markdown)


rule confusions:
    input:
        stores=per_class(P.store, R),
        graphs=per_class(P.graph, R),
    output:
        report=P.confusions,
        markdown=P.confusions_markdown,
    params:
        p=step_params("confusions", "aggregation", "stability", class_names=CLASS_NAMES),
        args=step_args("confusions"),
    log:
        log_file("confusions"),
    benchmark:
        benchmark_file("confusions")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10 + len(CLASSES) // 20,
    shell:
        STEP
