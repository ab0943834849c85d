# The static site: the front-end in site/ plus the study's data files.


rule site:
    input:
        SITE_SOURCES,
        model=f"{R}/model/model.json",
        graphs=expand(f"{R}/graphs/{{cls}}.json", cls=CLASSES),
        stats=expand(f"{R}/stats/{{cls}}.json", cls=CLASSES),
        embedding=f"{R}/embedding/embedding.json",
    output:
        index=f"{R}/site/index.html",
    params:
        p=step_params("title", dataset_name=config["dataset"]["name"], class_ids=CLASSES,
                      class_names=CLASS_NAMES),
        out=f"{R}/site",
        results=R,
    log:
        f"{R}/logs/site.log",
    benchmark:
        f"{R}/benchmarks/site.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "summit site --params {params.p:q} --source site --results {params.results:q}"
        " --out {params.out:q} 2> {log:q}"
