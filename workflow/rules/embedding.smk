# UMAP of every layer's A^l rows (cosine), each layer initialised from the previous layer's
# layout so class positions can be compared across layers. One job for the whole chain: the
# layers depend on each other in order, and UMAP's numba compilation is paid once.


rule embedding:
    input:
        counts=per_layer(P.counts, R),
    output:
        embedding=P.embedding,
    params:
        p=step_params("embedding"),
        args=step_args("embedding"),
    log:
        log_file("embedding"),
    benchmark:
        benchmark_file("embedding")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        STEP
