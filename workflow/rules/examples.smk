# Per layer: the dataset-wide top-N image patches of every channel (merged from the classes'
# running top-N candidates), cropped to the channel's receptive field and packed into one
# atlas image plus an index, so the site loads a layer's examples in two requests.


rule dataset_examples:
    input:
        weights=WEIGHTS,
        structure=f"{R}/model/structure.json",
        stores=expand(f"{R}/aggregate/{{cls}}.zarr", cls=CLASSES),
    output:
        atlas=f"{R}/examples/{{layer}}.png",
        index=f"{R}/examples/{{layer}}.json",
    params:
        p=step_params("dataset", "model", "input", "layers", "examples"),
    log:
        f"{R}/logs/dataset_examples/{{layer}}.log",
    benchmark:
        f"{R}/benchmarks/dataset_examples/{{layer}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    shell:
        "summit examples --params {params.p:q} --layer {wildcards.layer:q}"
        " --weights {input.weights:q} --structure {input.structure:q}"
        " --stores {input.stores:q} --atlas {output.atlas:q} --out {output.index:q}"
        " 2> {log:q}"
