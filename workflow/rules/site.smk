# The static site: the front-end in site/ plus the study's data files, with the per-layer
# feature-visualization and dataset-example atlases, the analyses and their figures.


rule site:
    input:
        SITE_SOURCES,
        model=f"{R}/model/model.json",
        structure=f"{R}/model/structure.json",
        embedding=f"{R}/embedding/embedding.json",
        graphs=expand(f"{R}/graphs/{{cls}}.json", cls=CLASSES),
        stats=expand(f"{R}/stats/{{cls}}.json", cls=CLASSES),
        activations=expand(f"{R}/activations/{{layer}}.npz", layer=LAYERS),
        examples=expand(f"{R}/examples/{{layer}}.json", layer=LAYERS),
        examples_atlases=expand(f"{R}/examples/{{layer}}.png", layer=LAYERS),
        featvis=expand(f"{R}/featvis/{{layer}}.json", layer=LAYERS),
        featvis_atlases=expand(f"{R}/featvis/{{layer}}.png", layer=LAYERS),
        provenance=f"{R}/provenance.json",
        nonsemantic=f"{R}/analysis/nonsemantic.json",
        neighbours=f"{R}/analysis/neighbours.json",
        class_pairs=f"{R}/analysis/class_pairs.json",
        motifs=f"{R}/analysis/motifs.json",
        separability=expand(f"{R}/analysis/separability/{{layer}}.json", layer=LAYERS),
        models=expand(f"{R}/analysis/models/{{cls}}.json", cls=CLASSES) if COMPARED else [],
        figures=[f for f in ANALYSIS_FIGURES if f.endswith(".png")],
    output:
        index=f"{R}/site/index.html",
    params:
        p=step_params("title", dataset_name=config["dataset"]["name"], class_ids=CLASSES,
                      class_names=CLASS_NAMES,
                      exclude_nonsemantic=config["graph"]["exclude_nonsemantic"]),
        models=optional_files("--model-comparisons", "models"),
        out=lambda w, output: os.path.dirname(output.index),
    log:
        f"{R}/logs/site.log",
    benchmark:
        f"{R}/benchmarks/site.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "summit site --params {params.p:q} --source site --model {input.model:q}"
        " --structure {input.structure:q} --embedding {input.embedding:q}"
        " --graphs {input.graphs:q} --stats {input.stats:q}"
        " --activations {input.activations:q} --examples {input.examples:q}"
        " --featvis {input.featvis:q} --provenance {input.provenance:q}"
        " --nonsemantic {input.nonsemantic:q} --neighbours {input.neighbours:q}"
        " --class-pairs {input.class_pairs:q} --motifs {input.motifs:q}"
        " --separability {input.separability:q} {params.models} --figures {input.figures:q}"
        " --out {params.out:q} 2> {log:q}"
