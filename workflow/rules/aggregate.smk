# Per class: one forward pass over the class's images records channel maxima (Zarr, images ×
# channels per layer), exact influence tallies per hop and image group, and predictions.


for job in class_jobs("aggregate"):

    rule:
        name:
            job.rule
        input:
            weights=weights,
            structure=P.structure,
        output:
            **job.each(wrap=directory, store=P.store),
        params:
            p=model_params(*RUN_KEYS, "influence", "batch_size", "examples", **DOWNLOAD,
                           groups=config["stability"]["groups"]),
            args=job_args(job),
        log:
            log_file("aggregate", job.per, study="{study}"),
        benchmark:
            benchmark_file("aggregate", job.per, study="{study}")
        conda:
            "../../envs/summit.yaml"
        threads: config["threads"]
        resources:
            mem_mb=lambda w: 2000 + config["batch_size"] * 8,
            runtime=120 * job.size,
            gpu=GPUS,
        shell:
            STEP
