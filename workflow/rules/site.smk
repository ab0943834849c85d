# The static site: the front-end in site/ plus the study's data files, with the per-layer
# feature-visualization and dataset-example atlases, the analyses and their figures, and with
# model_comparison each class's comparison with the second model and that model's atlases.


rule site:
    input:
        SITE_SOURCES,
        model=at(P.model),
        structure=at(P.structure),
        embedding=P.embedding,
        graphs=per_class(P.graph, R),
        stats=per_class(P.stats),
        counts=per_layer(P.counts, R),
        examples=per_layer(P.examples),
        examples_atlases=per_layer(P.examples_atlas),
        channel_descriptions=P.channel_descriptions,
        featvis=featvis_files(R),
        featvis_atlases=featvis_files(R, atlases=True),
        provenance=P.provenance,
        nonsemantic=analysis_files(at(P.nonsemantic)),
        neighbours=analysis_files(P.neighbours),
        class_pairs=analysis_files(P.class_pairs),
        motifs=analysis_files(P.motifs),
        separability=analysis_files(per_layer(P.separability)),
        models=per_class(P.model_comparison) if COMPARED else [],
        # the second model's renders, for the graph view's comparison with it
        featvis_b=featvis_files(C) if COMPARED else [],
        featvis_b_atlases=featvis_files(C, atlases=True) if COMPARED else [],
        figures=[f for f in ANALYSIS_FIGURES if f.endswith(".png")],
        ground_truth=[P.ground_truth_report] if PLANTED else [],
        randomization=[P.randomization] if RANDOMIZED or SHUFFLED else [],
        panels=lambda w: [f for t in SITE_PANELS.values() for f in per_class(t)],
    output:
        index=P.site,
    params:
        p=lambda w: step_params("title", dataset_name=config["dataset"]["name"],
                                class_ids=CLASSES, class_names=CLASS_NAMES, pairs=CLASS_PAIRS,
                                source="site",
                                exclude_nonsemantic=config["graph"]["exclude_nonsemantic"],
                                **({"panels": {name: per_class(t) for name, t in
                                               SITE_PANELS.items()}} if SITE_PANELS else {})),
        args=step_args("site"),
    log:
        log_file("site"),
    benchmark:
        benchmark_file("site")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
