# Per layer: A^l (classes × channels) by Method 1 or 2 from the stored channel maxima, so a
# new k or share re-aggregates without a forward pass.


rule activations:
    input:
        stores=per_class(P.store),
    output:
        counts=P.counts,
    params:
        p=step_params("aggregation"),
        args=step_args("activations"),
    log:
        log_file("activations", "{layer}", study="{study}"),
    benchmark:
        benchmark_file("activations", "{layer}", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        STEP
