# Per class: top-1 accuracy, histogram of p(true class), and per channel the histogram of its
# maxima over the class's images and over its misclassified images.


rule stats:
    input:
        store=at(P.store),
        counts=per_layer(P.counts, R),
    output:
        json=P.stats,
    params:
        p=step_params("stats"),
        args=step_args("stats"),
    log:
        log_file("stats", "{cls}"),
    benchmark:
        benchmark_file("stats", "{cls}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        STEP
