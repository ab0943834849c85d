# Once: what the study was made from (the whole validated config, package versions,
# platform, model and dataset checksums), shown in the site's header.


rule provenance:
    input:
        model=at(P.model),
    output:
        record=P.provenance,
    params:
        p=step_params(*config),
        args=step_args("provenance"),
    log:
        log_file("provenance"),
    benchmark:
        benchmark_file("provenance")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
    shell:
        STEP
