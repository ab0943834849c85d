# Per class: the whole-network graph (A^l vertices, influence edges), personalized PageRank
# and extraction of the attribution graph; JSON for the site, GraphML for graph tools. Each
# study's graphs leave out its own non-semantic channels (when that is switched on).


for job in class_jobs("graph"):

    rule:
        name:
            job.rule
        input:
            **job.each(store=P.store),
            structure=P.structure,
            counts=per_layer(P.counts),
            nonsemantic=NONSEMANTIC_EXCLUDED,
        output:
            **job.each(json=P.graph, graphml=P.graphml),
        params:
            p=step_params("graph", influence_k=config["influence"]["k"], class_names=CLASS_NAMES),
            args=job_args(job),
        log:
            log_file("graph", job.per, study="{study}"),
        benchmark:
            benchmark_file("graph", job.per, study="{study}")
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10 * job.size,
        shell:
            STEP
