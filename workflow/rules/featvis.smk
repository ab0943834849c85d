# Per layer: Lucent feature visualizations of every channel that appears in a class's
# attribution graph or in the non-semantic channels' evidence (or all channels): the channel
# objective plus diversity images, packed into one atlas per layer. Uses a GPU when present.
# The second model's renders cover its graphs' channels only.


rule featvis:
    input:
        weights=weights,
        structure=P.structure,
        graphs=per_class(P.graph),
        nonsemantic=lambda w: analysis_files(at(P.nonsemantic)) if w.study == R else [],
    output:
        atlas=P.featvis_atlas,
        index=P.featvis,
    params:
        p=model_params(*RUN_KEYS, "featvis"),
        args=step_args("featvis"),
    log:
        log_file("featvis", "{layer}", study="{study}"),
    benchmark:
        benchmark_file("featvis", "{layer}", study="{study}")
    conda:
        "../../envs/summit.yaml"
    threads: config["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
        gpu=GPUS,
    shell:
        STEP
