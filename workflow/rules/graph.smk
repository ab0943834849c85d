# Per class: the whole-network graph (A^l vertices, influence edges), personalized PageRank
# and extraction of the attribution graph; JSON for the site, GraphML for graph tools. Each
# study's graphs leave out its own non-semantic channels (when that is switched on).


rule graph:
    input:
        structure=P.structure,
        store=P.store,
        counts=per_layer(P.counts),
        nonsemantic=NONSEMANTIC_EXCLUDED,
    output:
        json=P.graph,
        graphml=P.graphml,
    params:
        p=step_params("graph", influence_k=config["influence"]["k"], class_names=CLASS_NAMES),
        args=step_args("graph"),
    log:
        log_file("graph", "{cls}", study="{study}"),
    benchmark:
        benchmark_file("graph", "{cls}", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        STEP
