# Once: every channel of every layer described by what the study measured, not by hand: the
# classes it fires for (A^l, with a selectivity index), its dataset examples' classes, its
# response to a planted pattern (with dataset.plant: the main study's ground truth) and the
# non-semantic flag (with stages.analyses), and a sentence of them, which the site shows in
# the vertex card and the channel panel. A measurement the study does not make is dropped
# from the inputs and null in the record.


rule channel_descriptions:
    input:
        counts=per_layer(P.counts, R),
        stores=per_class(P.store, R),
        examples=per_layer(P.examples),
        ground_truth=[at(P.ground_truth)] if PLANTED else [],
        nonsemantic=analysis_files(at(P.nonsemantic)),
    output:
        report=P.channel_descriptions,
    params:
        p=step_params(class_names=CLASS_NAMES),
        args=step_args("channel_descriptions"),
    log:
        log_file("channel_descriptions"),
    benchmark:
        benchmark_file("channel_descriptions")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
