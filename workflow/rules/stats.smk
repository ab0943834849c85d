# Per class: top-1 accuracy, histogram of p(true class), and per channel the histogram of its
# maxima over the class's images and over its misclassified images.


rule class_stats:
    input:
        store=f"{R}/aggregate/{{cls}}.zarr",
        counts=expand(f"{R}/activations/{{layer}}.npz", layer=LAYERS),
    output:
        f"{R}/stats/{{cls}}.json",
    params:
        p=step_params("stats"),
    log:
        f"{R}/logs/class_stats/{{cls}}.log",
    benchmark:
        f"{R}/benchmarks/class_stats/{{cls}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "summit stats --params {params.p:q} --store {input.store:q}"
        " --counts {input.counts:q} --out {output:q} 2> {log:q}"
