# The model under study: train the demo net (fixed seed, a checkpoint per epoch) or take the
# configured weights, then record its structure (primary layers, hops between them) and
# checksum, for each study (the second model's too, with model_comparison).


rule train:
    output:
        weights=P.weights,
        metrics=P.metrics,
        checkpoints=expand(P.epoch_weights, epoch=range(1, config["model"]["train"]["epochs"] + 1)),
    params:
        p=step_params(*MODEL_KEYS, **DOWNLOAD),
        args=step_args("train"),
    log:
        f"{R}/logs/train.log",
    benchmark:
        f"{R}/benchmarks/train.tsv"
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
        metrics=lambda w: [P.metrics] if TRAIN_DEMO and w.study == R else [],
    output:
        model=P.model,
        structure=P.structure,
    params:
        p=model_params(*RUN_KEYS, "layers"),
        args=step_args("describe_model"),
    log:
        "{study}/logs/describe_model.log",
    benchmark:
        "{study}/benchmarks/describe_model.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    shell:
        STEP
