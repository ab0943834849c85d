# Once: every analysis's findings (non-semantic channels, neighbourhoods, the most similar
# pair, motifs, the class that changes most between two models, the channels pulling frequent
# confusions), each with its support over
# the resamples, as the run's own sentences (what the README quotes) and JSON.

if STAGES["analyses"]:
    REPORTS.append(P.findings_markdown)


rule findings:
    input:
        nonsemantic=at(P.nonsemantic),
        neighbours=P.neighbours,
        class_pairs=P.class_pairs,
        motifs=P.motifs,
        comparisons=per_class(P.model_comparison) if COMPARED else [],
        confusions=[P.confusions] if STAGES["explain"] else [],
    output:
        report=P.findings,
        markdown=P.findings_markdown,
    params:
        p=step_params("stability", class_names=CLASS_NAMES),
        args=step_args("findings"),
    log:
        log_file("findings"),
    benchmark:
        benchmark_file("findings")
    conda:
        "../../envs/summit.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        STEP
