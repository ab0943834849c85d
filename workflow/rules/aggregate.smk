# Per class: one forward pass over the class's images records channel maxima (Zarr, images ×
# channels per layer), exact influence tallies per hop, and predictions.


rule aggregate_class:
    input:
        weights=WEIGHTS,
        structure=f"{R}/model/structure.json",
    output:
        directory(f"{R}/aggregate/{{cls}}.zarr"),
    params:
        p=step_params(*MODEL_KEYS, "influence", "batch_size", "examples"),
    log:
        f"{R}/logs/aggregate_class/{{cls}}.log",
    benchmark:
        f"{R}/benchmarks/aggregate_class/{{cls}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=lambda w: 2000 + config["batch_size"] * 8,
        runtime=120,
        gpu=GPU,
    shell:
        "summit aggregate --params {params.p:q} --class-id {wildcards.cls}"
        " --weights {input.weights:q} --structure {input.structure:q} --out {output:q}"
        " 2> {log:q}"
