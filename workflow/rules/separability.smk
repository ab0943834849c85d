# Per layer: how well each class's few top channels (by A^l) separate it from the rest, alone
# and in a small classifier on their maxima, against the model (paper §8.5); then one table
# and figure over all layers.


rule separability:
    input:
        stores=per_class(P.store, R),
        counts=at(P.counts),
    output:
        report=P.separability,
    params:
        p=step_params("separability"),
        args=step_args("separability"),
    log:
        log_file("separability", "{layer}"),
    benchmark:
        benchmark_file("separability", "{layer}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        # the sample (float32, up to 1024 channels) and one copy while fitting
        mem_mb=lambda w: 1000 + len(CLASSES) * config["separability"]["max_images_per_class"]
        * 1024 * 8 // 2**20,
        runtime=60,
    shell:
        STEP


rule separability_figure:
    input:
        layers=per_layer(P.separability),
    output:
        table=P.separability_table,
        png=report(P.figure.format(name="separability", ext="png"),
                   caption="../report/separability.rst", category="Paper figures"),
        pdf=P.figure.format(name="separability", ext="pdf"),
    params:
        p=step_params(class_names=CLASS_NAMES),
        args=step_args("separability_figure"),
    log:
        log_file("separability_figure"),
    benchmark:
        benchmark_file("separability_figure")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
