# Per layer: Lucent feature visualizations of every channel that appears in a class's
# attribution graph or in the non-semantic channels' evidence (or all channels): the channel
# objective plus diversity images, packed into one atlas per layer. Uses a GPU when present.


rule feature_vis:
    input:
        weights=WEIGHTS,
        structure=f"{R}/model/structure.json",
        graphs=expand(f"{R}/graphs/{{cls}}.json", cls=CLASSES),
        nonsemantic=f"{R}/analysis/nonsemantic.json",
    output:
        atlas=f"{R}/featvis/{{layer}}.png",
        index=f"{R}/featvis/{{layer}}.json",
    params:
        p=step_params(*MODEL_KEYS, "featvis"),
        nonsemantic=optional_files("--nonsemantic", "nonsemantic"),
    log:
        f"{R}/logs/feature_vis/{{layer}}.log",
    benchmark:
        f"{R}/benchmarks/feature_vis/{{layer}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
        gpu=GPU,
    shell:
        "summit featvis --params {params.p:q} --layer {wildcards.layer:q}"
        " --weights {input.weights:q} --structure {input.structure:q}"
        " --graphs {input.graphs:q} {params.nonsemantic} --atlas {output.atlas:q} --out {output.index:q}"
        " 2> {log:q}"
