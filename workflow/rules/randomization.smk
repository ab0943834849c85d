# With randomization.cascade or .shuffled_labels: the sanity checks. Each depth of the
# cascade is the trained weights with what lies above a studied layer re-initialized (a study
# under R/randomized/<depth>, studied like a seed: pass, A^l, graphs); the shuffled-label net
# is trained like the model (R/shuffled). One report sets every model's graphs, class
# neighbourhoods and faithfulness against the trained model's (its figure is among
# ANALYSIS_FIGURES when there is a randomized model, so `rule all` reaches it).

RANDOMIZATION_STUDIES = [R, *RANDOMIZED, *SHUFFLED]


rule randomization_weights:
    input:
        trained=WEIGHTS,
        structure=at(P.structure),
    output:
        weights=P.weights,
        record=P.randomized,
    wildcard_constraints:
        study="|".join(re.escape(x) for x in RANDOMIZED) or "^$",
    params:
        p=lambda w: step_params(*MODEL_KEYS, "randomization", depth=RANDOMIZED[w.study]),
        args=step_args("randomization_weights"),
    log:
        log_file("randomization_weights", study="{study}"),
    benchmark:
        benchmark_file("randomization_weights", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    shell:
        STEP


rule randomization:
    input:
        weights=[WEIGHTS if s == R else at(P.weights, s) for s in RANDOMIZATION_STUDIES],
        structure=at(P.structure),
        graphs=[g for s in RANDOMIZATION_STUDIES for g in per_class(P.graph, s)],
        counts=[c for s in RANDOMIZATION_STUDIES for c in per_layer(P.counts, s)],
        records=[at(P.randomized, s) for s in RANDOMIZED],
    output:
        report=P.randomization,
        markdown=P.randomization_markdown,
        png=P.figure.format(name="randomization", ext="png"),
        pdf=P.figure.format(name="randomization", ext="pdf"),
    params:
        p=step_params(*MODEL_KEYS, "randomization", "neighbours", "batch_size", **DOWNLOAD,
                      class_ids=CLASSES, class_names=CLASS_NAMES,
                      kinds=["trained", *["cascade"] * len(RANDOMIZED),
                             *["shuffled"] * len(SHUFFLED)]),
        args=step_args("randomization"),
    log:
        log_file("randomization"),
    benchmark:
        benchmark_file("randomization")
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=lambda w: 2500 + config["batch_size"] * 16,
        runtime=60,
        gpu=GPUS,
    shell:
        STEP
