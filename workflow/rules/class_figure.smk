# Per class: the attribution graph with feature visualizations as vertices (the paper's
# Figure 1 style), as PNG and PDF under figures/graphs/.


rule class_figure:
    input:
        graph=at(P.graph),
        stats=P.stats,
        featvis=per_layer(P.featvis, R),
        featvis_atlases=per_layer(P.featvis_atlas, R),
    output:
        png=report(P.figure.format(name="graphs/{cls}", ext="png"),
                   caption="../report/class_graph.rst", category="Attribution graphs",
                   labels={"class": "{cls}"}),
        pdf=P.figure.format(name="graphs/{cls}", ext="pdf"),
    params:
        p=step_params(),
        args=step_args("class_figure"),
    log:
        log_file("class_figure", "{cls}"),
    benchmark:
        benchmark_file("class_figure", "{cls}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
