# Per class: one forward pass over the class's images records channel maxima (Zarr, images ×
# channels per layer), exact influence tallies per hop and image group, and predictions.


rule aggregate:
    input:
        weights=weights,
        structure=P.structure,
    output:
        store=directory(P.store),
    params:
        p=model_params(*RUN_KEYS, "influence", "batch_size", "examples", **DOWNLOAD,
                       groups=config["stability"]["groups"]),
        args=step_args("aggregate"),
    log:
        log_file("aggregate", "{cls}", study="{study}"),
    benchmark:
        benchmark_file("aggregate", "{cls}", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=lambda w: 2000 + config["batch_size"] * 8,
        runtime=120,
        gpu=GPUS,
    shell:
        STEP
