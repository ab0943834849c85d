# Per layer: UMAP of A^l's rows (cosine), initialised from the previous layer's layout so
# class positions can be compared across layers.


rule embed_layer:
    input:
        counts=f"{R}/activations/{{layer}}.npz",
        init=previous_layer_embedding,
    output:
        f"{R}/embedding/{{layer}}.json",
    params:
        p=step_params("embedding"),
        init=lambda w, input: f"--init {input.init[0]!r}" if input.init else "",
    log:
        f"{R}/logs/embed_layer/{{layer}}.log",
    benchmark:
        f"{R}/benchmarks/embed_layer/{{layer}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "summit embed --params {params.p:q} --layer {wildcards.layer:q}"
        " --counts {input.counts:q} {params.init} --out {output:q} 2> {log:q}"
