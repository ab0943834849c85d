# Once: every class's nearest neighbours (cosine over A^l) at every layer, the classes ranked
# by how much their neighbourhood changes across layers, and a figure of the top ones moving
# through the layer embeddings (the paper's Figure 8), each finding with its support over
# bootstrap resamples of the image groups (the groups' counts in A^l; `stability` settings).


rule neighbours:
    input:
        counts=per_layer(P.counts, R),
        embedding=P.embedding,
    output:
        report=P.neighbours,
        table=P.neighbours_table,
        png=report(P.figure.format(name="neighbours", ext="png"),
                   caption="../report/neighbours.rst", category="Paper figures"),
        pdf=P.figure.format(name="neighbours", ext="pdf"),
    params:
        p=step_params("neighbours", "stability", class_names=CLASS_NAMES),
        args=step_args("neighbours"),
    log:
        log_file("neighbours"),
    benchmark:
        benchmark_file("neighbours")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
