# Per class: the attribution graph with feature visualizations as vertices (the paper's
# Figure 1 style), as PNG and PDF under figures/graphs/.


rule class_figure:
    input:
        graph=f"{R}/graphs/{{cls}}.json",
        stats=f"{R}/stats/{{cls}}.json",
        featvis=expand(f"{R}/featvis/{{layer}}.json", layer=LAYERS),
        featvis_atlases=expand(f"{R}/featvis/{{layer}}.png", layer=LAYERS),
    output:
        png=report(f"{R}/figures/graphs/{{cls}}.png", caption="../report/class_graph.rst",
                   category="Attribution graphs", labels={"class": "{cls}"}),
        pdf=f"{R}/figures/graphs/{{cls}}.pdf",
    params:
        p=step_params(),
    log:
        f"{R}/logs/class_figure/{{cls}}.log",
    benchmark:
        f"{R}/benchmarks/class_figure/{{cls}}.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "summit figure --params {params.p:q} --graph {input.graph:q} --stats {input.stats:q}"
        " --featvis {input.featvis:q} --png {output.png:q} --pdf {output.pdf:q} 2> {log:q}"
