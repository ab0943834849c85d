# Once: channels and edges that recur across the classes' graphs, and the motifs (connected
# sub-structures) that groups of classes share, with a figure of the top motifs.


rule motifs:
    input:
        graphs=expand(f"{R}/graphs/{{cls}}.json", cls=CLASSES),
        featvis=expand(f"{R}/featvis/{{layer}}.json", layer=LAYERS),
        featvis_atlases=expand(f"{R}/featvis/{{layer}}.png", layer=LAYERS),
    output:
        report=f"{R}/analysis/motifs.json",
        channels=f"{R}/analysis/recurring_channels.csv",
        edges=f"{R}/analysis/recurring_edges.csv",
        png=report(f"{R}/figures/motifs.png", caption="../report/motifs.rst",
                   category="Paper figures"),
        pdf=f"{R}/figures/motifs.pdf",
    params:
        p=step_params("motifs", class_names=CLASS_NAMES),
    log:
        f"{R}/logs/motifs.log",
    benchmark:
        f"{R}/benchmarks/motifs.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "summit motifs --params {params.p:q} --graphs {input.graphs:q}"
        " --featvis {input.featvis:q} --out {output.report:q}"
        " --channels-table {output.channels:q} --edges-table {output.edges:q}"
        " --png {output.png:q} --pdf {output.pdf:q} 2> {log:q}"
