# Per class: top-1 accuracy, histogram of p(true class), and per channel the histogram of its
# maxima over the class's images and over its misclassified images.


for job in class_jobs("stats"):

    rule:
        name:
            job.rule
        input:
            **job.each(store=at(P.store)),
            counts=per_layer(P.counts, R),
        output:
            **job.each(json=P.stats),
        params:
            p=step_params("stats"),
            args=job_args(job),
        log:
            log_file("stats", job.per),
        benchmark:
            benchmark_file("stats", job.per)
        conda:
            "../../envs/summit.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10 * job.size,
        shell:
            STEP
