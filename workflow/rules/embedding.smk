# UMAP of every layer's A^l rows (cosine), each layer initialised from the previous layer's
# layout so class positions can be compared across layers. One job for the whole chain: the
# layers depend on each other in order, and UMAP's numba compilation is paid once.


rule embed_layers:
    input:
        counts=expand(f"{R}/activations/{{layer}}.npz", layer=LAYERS),
    output:
        f"{R}/embedding/embedding.json",
    params:
        p=step_params("embedding"),
    log:
        f"{R}/logs/embed_layers.log",
    benchmark:
        f"{R}/benchmarks/embed_layers.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "summit embed --params {params.p:q} --counts {input.counts:q} --out {output:q}"
        " 2> {log:q}"
