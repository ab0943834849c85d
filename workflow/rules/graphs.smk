# Per class: the whole-network graph (A^l vertices, influence edges), personalized PageRank
# and extraction of the attribution graph; JSON for the site, GraphML for graph tools.


rule class_graph:
    input:
        structure=f"{R}/model/structure.json",
        store=f"{R}/aggregate/{{cls}}.zarr",
        counts=expand(f"{R}/activations/{{layer}}.npz", layer=LAYERS),
        nonsemantic=NONSEMANTIC_EXCLUDED,
    output:
        json=f"{R}/graphs/{{cls}}.json",
        graphml=f"{R}/graphs/{{cls}}.graphml",
    params:
        p=step_params("graph", influence_k=config["influence"]["k"], class_names=CLASS_NAMES),
        nonsemantic=optional_files("--nonsemantic", "nonsemantic"),
    log:
        f"{R}/logs/class_graph/{{cls}}.log",
    benchmark:
        f"{R}/benchmarks/class_graph/{{cls}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "summit graph --params {params.p:q} --structure {input.structure:q}"
        " --store {input.store:q} --counts {input.counts:q} {params.nonsemantic}"
        " --out {output.json:q}"
        " --graphml {output.graphml:q} 2> {log:q}"
