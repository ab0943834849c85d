# The model under study: train the demo net (fixed seed, a checkpoint per epoch; and with
# model.train.seeds once per other seed) or take the configured weights, then record its
# structure (primary layers, hops between them) and checksum, for each study (the second
# model's too, with model_comparison).


rule train:
    output:
        weights=P.weights,
        metrics=P.metrics,
        checkpoints=expand(P.epoch_weights, epoch=range(1, EPOCHS + 1),
                           allow_missing=True),
    wildcard_constraints:
        study="|".join(re.escape(x) for x in TRAINED) or "^$",
    params:
        p=model_params(*RUN_KEYS, **DOWNLOAD),
        args=step_args("train"),
    log:
        log_file("train", study="{study}"),
    benchmark:
        benchmark_file("train", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=GPUS,
    shell:
        STEP


rule describe_model:
    input:
        weights=weights,
        metrics=lambda w: [at(P.metrics, w.study)] if w.study in TRAINED else [],
    output:
        model=P.model,
        structure=P.structure,
    params:
        p=model_params(*RUN_KEYS, "layers"),
        args=step_args("describe_model"),
    log:
        log_file("describe_model", study="{study}"),
    benchmark:
        benchmark_file("describe_model", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    shell:
        STEP
