# Once: the vertex Jaccard similarity of every pair of classes' graphs, and the intersection
# and differences of the most similar pair and of any configured pair (the paper's Figure 9).


rule class_pairs:
    input:
        graphs=expand(f"{R}/graphs/{{cls}}.json", cls=CLASSES),
        featvis=expand(f"{R}/featvis/{{layer}}.json", layer=LAYERS),
        featvis_atlases=expand(f"{R}/featvis/{{layer}}.png", layer=LAYERS),
    output:
        report=f"{R}/analysis/class_pairs.json",
        table=f"{R}/analysis/class_similarity.csv",
        png=report(f"{R}/figures/class_pair.png", caption="../report/class_pair.rst",
                   category="Paper figures"),
        pdf=f"{R}/figures/class_pair.pdf",
        pairs=[f"{R}/figures/class_pairs/{a}_{b}.{ext}" for a, b in CLASS_PAIRS
               for ext in ("png", "pdf")],
    params:
        p=step_params(),
        pairs=" ".join(f"{a},{b}" for a, b in CLASS_PAIRS),
        pair_dir=f"{R}/figures/class_pairs",
    log:
        f"{R}/logs/class_pairs.log",
    benchmark:
        f"{R}/benchmarks/class_pairs.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "summit class-pairs --params {params.p:q} --graphs {input.graphs:q}"
        " --featvis {input.featvis:q} --pairs {params.pairs} --pair-dir {params.pair_dir:q}"
        " --out {output.report:q} --table {output.table:q} --png {output.png:q}"
        " --pdf {output.pdf:q} 2> {log:q}"
