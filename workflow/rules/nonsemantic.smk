# Once: channels that are top channels in nearly every class (paper §8.4), from A^l and the
# channel maxima, with their evidence as JSON, CSV and a figure (the paper's Figure 10).
# With graph.exclude_nonsemantic the graph rules take them out of every class's graph.


rule nonsemantic_channels:
    input:
        counts=expand(f"{R}/activations/{{layer}}.npz", layer=LAYERS),
        stores=expand(f"{R}/aggregate/{{cls}}.zarr", cls=CLASSES),
    output:
        report=f"{R}/analysis/nonsemantic.json",
        table=f"{R}/analysis/nonsemantic.csv",
    params:
        p=step_params("nonsemantic"),
    log:
        f"{R}/logs/nonsemantic_channels.log",
    benchmark:
        f"{R}/benchmarks/nonsemantic_channels.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "summit nonsemantic --params {params.p:q} --counts {input.counts:q}"
        " --stores {input.stores:q} --out {output.report:q} --table {output.table:q}"
        " 2> {log:q}"


rule nonsemantic_figure:
    input:
        report=f"{R}/analysis/nonsemantic.json",
        stats=expand(f"{R}/stats/{{cls}}.json", cls=CLASSES),
        featvis=expand(f"{R}/featvis/{{layer}}.json", layer=LAYERS),
        featvis_atlases=expand(f"{R}/featvis/{{layer}}.png", layer=LAYERS),
        examples=expand(f"{R}/examples/{{layer}}.json", layer=LAYERS),
        examples_atlases=expand(f"{R}/examples/{{layer}}.png", layer=LAYERS),
    output:
        png=report(f"{R}/figures/nonsemantic.png", caption="../report/nonsemantic.rst",
                   category="Paper figures"),
        pdf=f"{R}/figures/nonsemantic.pdf",
    params:
        p=step_params(class_names=CLASS_NAMES),
    log:
        f"{R}/logs/nonsemantic_figure.log",
    benchmark:
        f"{R}/benchmarks/nonsemantic_figure.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "summit nonsemantic-figure --params {params.p:q} --report {input.report:q}"
        " --stats {input.stats:q} --featvis {input.featvis:q} --examples {input.examples:q}"
        " --png {output.png:q} --pdf {output.pdf:q} 2> {log:q}"
