# Once: the vertex Jaccard similarity of every pair of classes' graphs, and the intersection
# and differences of the most similar pair and of any configured pair (the paper's Figure 9);
# on the classes' resampled graphs, the most similar pair's support and every pair's spread.


rule class_pairs:
    input:
        graphs=per_class(P.graph, R),
        resampled=resampled_files(R),
        featvis=featvis_files(R),
        featvis_atlases=featvis_files(R, atlases=True),
    output:
        report=P.class_pairs,
        table=P.class_similarity,
        support_table=P.class_pairs_support,
        png=report(P.figure.format(name="class_pair", ext="png"),
                   caption="../report/class_pair.rst", category="Paper figures"),
        pdf=P.figure.format(name="class_pair", ext="pdf"),
        pairs=figures(*(f"class_pairs/{a}_{b}" for a, b in CLASS_PAIRS)),
    params:
        p=step_params("stability", pairs=CLASS_PAIRS),
        args=step_args("class_pairs"),
    log:
        log_file("class_pairs"),
    benchmark:
        benchmark_file("class_pairs")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        STEP
