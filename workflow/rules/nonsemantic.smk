# Once per study: channels that are top channels in nearly every class (paper §8.4), from A^l
# and the channel maxima, with their evidence as JSON and CSV, and for the main study a figure
# (the paper's Figure 10). With graph.exclude_nonsemantic the graph rules leave them out.
# Each channel's support: the share of bootstrap resamples of the image groups (the groups'
# counts in A^l; `stability` settings) in which it is flagged.


rule nonsemantic:
    input:
        counts=per_layer(P.counts),
        stores=per_class(P.store),
    output:
        report=P.nonsemantic,
        table=P.nonsemantic_table,
    params:
        p=step_params("nonsemantic", "stability"),
        args=step_args("nonsemantic"),
    log:
        log_file("nonsemantic", study="{study}"),
    benchmark:
        benchmark_file("nonsemantic", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        STEP


rule nonsemantic_figure:
    input:
        report=at(P.nonsemantic),
        stats=per_class(P.stats),
        featvis=featvis_files(R),
        featvis_atlases=featvis_files(R, atlases=True),
        examples=per_layer(P.examples),
        examples_atlases=per_layer(P.examples_atlas),
    output:
        png=report(P.figure.format(name="nonsemantic", ext="png"),
                   caption="../report/nonsemantic.rst", category="Paper figures"),
        pdf=P.figure.format(name="nonsemantic", ext="pdf"),
    params:
        p=step_params(class_names=CLASS_NAMES),
        args=step_args("nonsemantic_figure"),
    log:
        log_file("nonsemantic_figure"),
    benchmark:
        benchmark_file("nonsemantic_figure")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        STEP
