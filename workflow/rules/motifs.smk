# Once: channels and edges that recur across the classes' graphs, and the motifs (connected
# sub-structures) that groups of classes share, with a figure of the top motifs; each with its
# support on the classes' resampled graphs.


rule motifs:
    input:
        graphs=per_class(P.graph, R),
        resampled=resampled_files(R),
        featvis=featvis_files(R),
        featvis_atlases=featvis_files(R, atlases=True),
    output:
        report=P.motifs,
        channels_table=P.recurring_channels,
        edges_table=P.recurring_edges,
        png=report(P.figure.format(name="motifs", ext="png"), caption="../report/motifs.rst",
                   category="Paper figures"),
        pdf=P.figure.format(name="motifs", ext="pdf"),
    params:
        p=step_params("motifs", "stability", class_names=CLASS_NAMES),
        args=step_args("motifs"),
    log:
        log_file("motifs"),
    benchmark:
        benchmark_file("motifs")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        STEP
