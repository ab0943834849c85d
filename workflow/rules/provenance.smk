# Once: what the study was made from (the whole validated config, package versions,
# platform, model and dataset checksums), shown in the site's header.


rule provenance:
    input:
        model=f"{R}/model/model.json",
    output:
        f"{R}/provenance.json",
    params:
        p=step_params(*config),
    log:
        f"{R}/logs/provenance.log",
    benchmark:
        f"{R}/benchmarks/provenance.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
    shell:
        "summit provenance --params {params.p:q} --model {input.model:q} --out {output:q}"
        " 2> {log:q}"
