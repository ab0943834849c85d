# Per layer: the dataset-wide top-N image patches of every channel (merged from the classes'
# running top-N candidates), cropped to the channel's receptive field and packed into one
# atlas image plus an index, so the site loads a layer's examples in two requests.


rule examples:
    input:
        weights=WEIGHTS,
        structure=at(P.structure),
        stores=per_class(P.store, R),
    output:
        atlas=P.examples_atlas,
        index=P.examples,
    params:
        p=step_params("dataset", "model", "input", "layers", "examples", **DOWNLOAD),
        args=step_args("examples"),
    log:
        log_file("examples", "{layer}"),
    benchmark:
        benchmark_file("examples", "{layer}")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=GPUS,
    shell:
        STEP
