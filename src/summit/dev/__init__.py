"""Development tools (benchmarks, README tooling): nothing the study imports."""
