# With model_comparison set: the same study for a second model (another checkpoint or another
# model on the same data) under results/comparison/, reusing the first model's rules, then per
# class the two graphs side by side and what changed, and a summary over all classes.

if COMPARED:

    use rule describe_model as compared_describe_model with:
        input:
            weights=COMPARED["weights"],
            metrics=[],
        output:
            model=f"{C}/model/model.json",
            structure=f"{C}/model/structure.json",
        params:
            p=step_params("dataset", "input", "device", "threads", "layers", model=COMPARED),
        log:
            f"{R}/logs/compared/describe_model.log",
        benchmark:
            f"{R}/benchmarks/compared/describe_model.tsv"

    use rule aggregate_class as compared_aggregate_class with:
        input:
            weights=COMPARED["weights"],
            structure=f"{C}/model/structure.json",
        output:
            directory(f"{C}/aggregate/{{cls}}.zarr"),
        params:
            p=step_params("dataset", "input", "device", "threads", "influence", "batch_size",
                          "examples", model=COMPARED),
        log:
            f"{R}/logs/compared/aggregate_class/{{cls}}.log",
        benchmark:
            f"{R}/benchmarks/compared/aggregate_class/{{cls}}.tsv"

    use rule activation_counts as compared_activation_counts with:
        input:
            stores=expand(f"{C}/aggregate/{{cls}}.zarr", cls=CLASSES),
        output:
            f"{C}/activations/{{layer}}.npz",
        log:
            f"{R}/logs/compared/activation_counts/{{layer}}.log",
        benchmark:
            f"{R}/benchmarks/compared/activation_counts/{{layer}}.tsv"

    use rule nonsemantic_channels as compared_nonsemantic_channels with:
        input:
            counts=expand(f"{C}/activations/{{layer}}.npz", layer=LAYERS),
            stores=expand(f"{C}/aggregate/{{cls}}.zarr", cls=CLASSES),
        output:
            report=f"{C}/analysis/nonsemantic.json",
            table=f"{C}/analysis/nonsemantic.csv",
        log:
            f"{R}/logs/compared/nonsemantic_channels.log",
        benchmark:
            f"{R}/benchmarks/compared/nonsemantic_channels.tsv"

    # Each model's graphs leave out its own non-semantic channels (when that is switched on).
    use rule class_graph as compared_class_graph with:
        input:
            structure=f"{C}/model/structure.json",
            store=f"{C}/aggregate/{{cls}}.zarr",
            counts=expand(f"{C}/activations/{{layer}}.npz", layer=LAYERS),
            nonsemantic=[f"{C}/analysis/nonsemantic.json"] if NONSEMANTIC_EXCLUDED else [],
        output:
            json=f"{C}/graphs/{{cls}}.json",
            graphml=f"{C}/graphs/{{cls}}.graphml",
        log:
            f"{R}/logs/compared/class_graph/{{cls}}.log",
        benchmark:
            f"{R}/benchmarks/compared/class_graph/{{cls}}.tsv"

    use rule feature_vis as compared_feature_vis with:
        input:
            weights=COMPARED["weights"],
            structure=f"{C}/model/structure.json",
            graphs=expand(f"{C}/graphs/{{cls}}.json", cls=CLASSES),
        output:
            atlas=f"{C}/featvis/{{layer}}.png",
            index=f"{C}/featvis/{{layer}}.json",
        params:
            p=step_params("dataset", "input", "device", "threads", "featvis", model=COMPARED),
        log:
            f"{R}/logs/compared/feature_vis/{{layer}}.log",
        benchmark:
            f"{R}/benchmarks/compared/feature_vis/{{layer}}.tsv"

    rule model_comparison:
        input:
            graph_a=f"{R}/graphs/{{cls}}.json",
            graph_b=f"{C}/graphs/{{cls}}.json",
            store_a=f"{R}/aggregate/{{cls}}.zarr",
            store_b=f"{C}/aggregate/{{cls}}.zarr",
            model_a=f"{R}/model/model.json",
            model_b=f"{C}/model/model.json",
            featvis_a=expand(f"{R}/featvis/{{layer}}.json", layer=LAYERS),
            featvis_b=expand(f"{C}/featvis/{{layer}}.json", layer=LAYERS),
            atlases_a=expand(f"{R}/featvis/{{layer}}.png", layer=LAYERS),
            atlases_b=expand(f"{C}/featvis/{{layer}}.png", layer=LAYERS),
        output:
            report=f"{R}/analysis/models/{{cls}}.json",
            png=f"{R}/figures/models/{{cls}}.png",
            pdf=f"{R}/figures/models/{{cls}}.pdf",
        params:
            p=step_params(),
        log:
            f"{R}/logs/model_comparison/{{cls}}.log",
        benchmark:
            f"{R}/benchmarks/model_comparison/{{cls}}.tsv"
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        shell:
            "summit model-comparison --params {params.p:q} --graph-a {input.graph_a:q}"
            " --graph-b {input.graph_b:q} --store-a {input.store_a:q}"
            " --store-b {input.store_b:q} --model-a {input.model_a:q}"
            " --model-b {input.model_b:q} --featvis-a {input.featvis_a:q}"
            " --featvis-b {input.featvis_b:q} --out {output.report:q} --png {output.png:q}"
            " --pdf {output.pdf:q} 2> {log:q}"

    rule model_comparison_summary:
        input:
            expand(f"{R}/analysis/models/{{cls}}.json", cls=CLASSES),
        output:
            table=f"{R}/analysis/model_comparison.csv",
            png=report(f"{R}/figures/model_comparison.png",
                       caption="../report/model_comparison.rst", category="Paper figures"),
            pdf=f"{R}/figures/model_comparison.pdf",
        params:
            p=step_params(),
        log:
            f"{R}/logs/model_comparison_summary.log",
        benchmark:
            f"{R}/benchmarks/model_comparison_summary.tsv"
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        shell:
            "summit model-summary --params {params.p:q} --comparisons {input:q}"
            " --table {output.table:q} --png {output.png:q} --pdf {output.pdf:q} 2> {log:q}"
