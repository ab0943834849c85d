# Per layer: A^l (classes × channels) by Method 1 or 2 from the stored channel maxima, so a
# new k or share re-aggregates without a forward pass.


rule activation_counts:
    input:
        stores=expand(f"{R}/aggregate/{{cls}}.zarr", cls=CLASSES),
    output:
        f"{R}/activations/{{layer}}.npz",
    params:
        p=step_params("aggregation"),
    log:
        f"{R}/logs/activation_counts/{{layer}}.log",
    benchmark:
        f"{R}/benchmarks/activation_counts/{{layer}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "summit activations --params {params.p:q} --layer {wildcards.layer:q}"
        " --stores {input.stores:q} --out {output:q} 2> {log:q}"
