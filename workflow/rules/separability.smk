# Per layer: how well each class's few top channels (by A^l) separate it from the rest, alone
# and in a small classifier on their maxima, against the model (paper §8.5); then one table
# and figure over all layers.


rule separability_layer:
    input:
        stores=expand(f"{R}/aggregate/{{cls}}.zarr", cls=CLASSES),
        counts=f"{R}/activations/{{layer}}.npz",
    output:
        f"{R}/analysis/separability/{{layer}}.json",
    params:
        p=step_params("separability"),
    log:
        f"{R}/logs/separability_layer/{{layer}}.log",
    benchmark:
        f"{R}/benchmarks/separability_layer/{{layer}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        # the sample (float32, up to 1024 channels) and one copy while fitting
        mem_mb=lambda w: 1000 + len(CLASSES) * config["separability"]["max_images_per_class"]
        * 1024 * 8 // 2**20,
        runtime=60,
    shell:
        "summit separability --params {params.p:q} --layer {wildcards.layer:q}"
        " --stores {input.stores:q} --counts {input.counts:q} --out {output:q} 2> {log:q}"


rule separability_report:
    input:
        expand(f"{R}/analysis/separability/{{layer}}.json", layer=LAYERS),
    output:
        table=f"{R}/analysis/separability.csv",
        png=report(f"{R}/figures/separability.png", caption="../report/separability.rst",
                   category="Paper figures"),
        pdf=f"{R}/figures/separability.pdf",
    params:
        p=step_params(class_names=CLASS_NAMES),
    log:
        f"{R}/logs/separability_report.log",
    benchmark:
        f"{R}/benchmarks/separability_report.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "summit separability-figure --params {params.p:q} --layers {input:q}"
        " --table {output.table:q} --png {output.png:q} --pdf {output.pdf:q} 2> {log:q}"
