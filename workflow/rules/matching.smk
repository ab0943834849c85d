# Per layer of the model: its channels matched with the paired layer's of a second study (the
# model_comparison study, each seed's), by the correlation of their maxima on the same images
# (the stores both passes wrote), for comparisons that do not rely on channel indices; and
# one figure of the model_comparison study's scores against the shuffled-image null.


def matched_layer(wildcards) -> str:
    """The second study's layer paired with the model's layer {layer}."""
    return STUDY_LAYERS[wildcards.study][LAYERS.index(wildcards.layer)]


def matchings(study: str) -> list[str]:
    """A second study's matchings, one per layer of the model, in `layers` order."""
    return expand(P.matching, study=study, layer=LAYERS)


rule matching:
    input:
        stores_a=per_class(P.store, R),
        stores_b=per_class(P.store),
        model_a=at(P.model),
        model_b=P.model,
    output:
        report=P.matching,
    wildcard_constraints:
        study="|".join(re.escape(x) for x in MODELS if x != R) or "^$",
        layer="|".join(re.escape(x) for x in LAYERS),
    params:
        p=lambda w: step_params("matching", layer_a=w.layer, layer_b=matched_layer(w)),
        args=step_args("matching"),
    log:
        log_file("matching", "{layer}", study="{study}"),
    benchmark:
        benchmark_file("matching", "{layer}", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000 + config["matching"]["max_images"] // 10,
        runtime=20,
    shell:
        STEP


rule matching_figure:
    input:
        matchings=matchings(C),
    output:
        png=P.figure.format(name="matching", ext="png"),
        pdf=P.figure.format(name="matching", ext="pdf"),
    params:
        p=step_params(),
        args=step_args("matching_figure"),
    log:
        log_file("matching_figure"),
    benchmark:
        benchmark_file("matching_figure")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
