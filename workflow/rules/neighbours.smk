# Once: every class's nearest neighbours (cosine over A^l) at every layer, the classes ranked
# by how much their neighbourhood changes across layers, and a figure of the top ones moving
# through the layer embeddings (the paper's Figure 8).


rule class_neighbours:
    input:
        counts=expand(f"{R}/activations/{{layer}}.npz", layer=LAYERS),
        embedding=f"{R}/embedding/embedding.json",
    output:
        report=f"{R}/analysis/neighbours.json",
        table=f"{R}/analysis/neighbours.csv",
        png=report(f"{R}/figures/neighbours.png", caption="../report/neighbours.rst",
                   category="Paper figures"),
        pdf=f"{R}/figures/neighbours.pdf",
    params:
        p=step_params("neighbours", class_names=CLASS_NAMES),
    log:
        f"{R}/logs/class_neighbours.log",
    benchmark:
        f"{R}/benchmarks/class_neighbours.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "summit neighbours --params {params.p:q} --counts {input.counts:q}"
        " --embedding {input.embedding:q} --out {output.report:q} --table {output.table:q}"
        " --png {output.png:q} --pdf {output.pdf:q} 2> {log:q}"
