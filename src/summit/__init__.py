"""Summit (Hohman et al., TVCG 2020) as a reproducible study: the method's library modules,
the workflow's steps (``summit.steps``) and the artifacts they hand each other."""
