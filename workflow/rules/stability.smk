# Per class: the attribution graph rebuilt from bootstrap resamples of the class's image
# groups (the tallies and counts the pass kept per group; no forward pass): each vertex's and
# edge's inclusion, Jaccard with the graph, split-half agreement, and the resampled graphs
# the findings' support is measured on.

P.stability = "{study}/stability/{cls}.json"
P.resampled_graphs = "{study}/stability/{cls}.resamples.json"
site_panel("stability", P.stability)


rule stability:
    input:
        structure=P.structure,
        store=P.store,
        counts=per_layer(P.counts),
        nonsemantic=NONSEMANTIC_EXCLUDED,
    output:
        report=P.stability,
        resampled=P.resampled_graphs,
    params:
        p=step_params("graph", "stability", influence_k=config["influence"]["k"],
                      class_names=CLASS_NAMES),
        args=step_args("stability"),
    log:
        "{study}/logs/stability/{cls}.log",
    benchmark:
        "{study}/benchmarks/stability/{cls}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    shell:
        STEP
