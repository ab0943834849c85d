# With model.train.seeds: the demo net trained with each other seed is studied like the model
# (under R/seeds/<seed>: pass, A^l, graphs, resampled graphs, non-semantic channels, its
# channels matched with the model's), then one report says in how many seeds each finding
# holds: those defined by class (accuracy, most similar pair, neighbourhoods) directly, the
# channel-level ones (graph vertices, non-semantic channels, motifs) through the matching.

SEED_STUDY_LIST = [R, *SEED_STUDIES]
if SEEDS:
    REPORTS.append(P.seeds_markdown)


rule seeds:
    input:
        metrics=[at(P.metrics, s) for s in SEED_STUDY_LIST],
        graphs=[g for s in SEED_STUDY_LIST for g in per_class(P.graph, s)],
        counts=[c for s in SEED_STUDY_LIST for c in per_layer(P.counts, s)],
        resampled=[g for s in SEED_STUDY_LIST for g in per_class(P.resampled_graphs, s)],
        nonsemantic=[at(P.nonsemantic, s) for s in SEED_STUDY_LIST],
        matchings=[m for s in SEED_STUDIES for m in matchings(s)],
        motifs=P.motifs,
    output:
        report=P.seeds,
        table=P.seeds_table,
        markdown=P.seeds_markdown,
    params:
        p=step_params("neighbours", "layers",
                      seeds=[config["model"]["train"]["seed"], *SEED_STUDIES.values()],
                      class_ids=CLASSES, class_names=CLASS_NAMES),
        args=step_args("seeds"),
    log:
        log_file("seeds"),
    benchmark:
        benchmark_file("seeds")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        STEP
