# The model under study: train the demo net (fixed seed, a checkpoint per epoch) or take the
# configured weights, then record its structure (primary layers, hops between them) and
# checksum.


rule train_model:
    output:
        weights=f"{R}/model/weights.pt",
        metrics=f"{R}/model/metrics.json",
        checkpoints=expand(f"{R}/model/checkpoints/epoch{{e}}.pt",
                           e=range(1, config["model"]["train"]["epochs"] + 1)),
    params:
        p=step_params(*MODEL_KEYS),
        checkpoints=f"{R}/model/checkpoints",
    log:
        f"{R}/logs/train_model.log",
    benchmark:
        f"{R}/benchmarks/train_model.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=GPU,
    shell:
        "summit train --params {params.p:q} --weights {output.weights:q}"
        " --metrics {output.metrics:q} --checkpoints {params.checkpoints:q} 2> {log:q}"


rule describe_model:
    input:
        weights=WEIGHTS,
        metrics=[f"{R}/model/metrics.json"] if TRAIN_DEMO else [],
    output:
        model=f"{R}/model/model.json",
        structure=f"{R}/model/structure.json",
    params:
        p=step_params(*MODEL_KEYS, "layers"),
        metrics=optional_files("--metrics", "metrics"),
    log:
        f"{R}/logs/describe_model.log",
    benchmark:
        f"{R}/benchmarks/describe_model.tsv"
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    shell:
        "summit describe-model --params {params.p:q} --weights {input.weights:q}"
        " {params.metrics} --structure {output.structure:q} --out {output.model:q} 2> {log:q}"
