"""One class's faithfulness record (``summit.io.artifacts.Faithfulness``) from its evaluated
tests (``summit.evidence.faithfulness_design.Evidence.run``): every number exact unless the
record marks it ``estimated`` (a first-order estimate the comparison did not need ablated).
The graph's own effects are over every test image; the random baselines' over the first
``baseline_images``, beside the graph's value on those (``graph_on_baseline``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from summit.evidence.faithfulness import METRICS, Outcomes, bootstrap
from summit.evidence.faithfulness_design import SET_KINDS, Evidence
from summit.evidence.sequential import agreement, margin

Estimates = dict[str, dict[str, float]]


class _Record:
    """The record's parts, from one class's ``Evidence`` after ``run``."""

    def __init__(self, e: Evidence):
        self.e, r = e, e.runner
        self.n = len(r.labels)
        self.resamples = e.rng.integers(0, max(self.n, 1), (e.s.bootstrap, self.n))
        self.drops = r.outcomes().drops()

    def estimates(self, row: int) -> Estimates:
        """An exactly ablated condition's effects with their bootstrap intervals."""
        return {m: bootstrap(d[row], self.resamples) for m, d in self.drops.items()}

    def single(self, row: int) -> dict[str, Any]:
        """A vertex ablated alone: exact with its first-order estimate beside it, or the
        estimate (logit and probability; no accuracy) marked ``estimated``."""
        if self.e.first is None:
            return self.estimates(row)
        logit, prob = self.e.estimate(row)
        if self.e.known(row):
            return {**self.estimates(row), "estimated": False,
                    "first_order": {"logit": float(logit.mean())}}
        return {"logit": bootstrap(logit, self.resamples),
                "prob": bootstrap(prob, self.resamples), "accuracy": None, "estimated": True}

    def set_values(self, row: int) -> dict[str, float | None]:
        """A baseline set's mean effects on the baselines' images: exact, or its first-order
        logit and probability drops."""
        m = self.e.m
        if self.e.known(row, m):
            return {k: float(d[row, :m].mean()) if self.n else float("nan")
                    for k, d in self.drops.items()}
        logit, prob = self.e.estimate(row)
        return {"logit": float(logit[:m].mean()), "prob": float(prob[:m].mean()),
                "accuracy": None}

    def on_baseline(self, row: int) -> dict[str, float]:
        """The graph's condition on the baselines' images: what its sets were compared with."""
        return {k: float(d[row, :self.e.m].mean()) if self.n else float("nan")
                for k, d in self.drops.items()}

    def ablation(self, name: str, scope: str, sc: dict[str, Any]) -> dict[str, Any]:
        """One scope's ablation: the graph, its random and matched sets as far as their
        sequential tests drew them, the top-count set."""
        e = self.e
        out: dict[str, Any] = {"size": sc["size"], "graph": self.estimates(sc["graph"]),
                               "graph_on_baseline": self.on_baseline(sc["graph"])}
        significant, estimated = {}, {}
        for kind in SET_KINDS:
            test = e.decisions.tests[(name, scope, kind)]
            rows = sc[kind][:test.drawn]
            values = [self.set_values(r) for r in rows]
            out[kind] = {m: [v[m] for v in values] for m in METRICS}
            out[f"p_{kind}"] = test.p
            significant[kind] = test.significant
            estimated[kind] = [not e.known(r, e.m) for r in rows]
        seen = [e.error(r) for r in [sc["graph"], sc["top_count"], *sc["random"],
                                      *sc["matched"]]
                if e.known(r, e.m)] if e.first is not None else []
        return {**out, "top_count": self.estimates(sc["top_count"]),
                "top_count_overlap": sc["top_count_overlap"], "significant": significant,
                "estimated": estimated,
                "margin": margin(seen, e.exact(sc["graph"], n=e.m))
                if e.first is not None else None}

    def sufficiency(self, name: str, scope: str, sc: dict[str, Any]) -> dict[str, Any]:
        """One scope's accuracy kept with the graph alone, against random keep-sets."""
        e = self.e
        test = e.decisions.tests[(name, scope, "keep")]
        return {"graph": e.exact(sc["keep_graph"], "accuracy"),
                "graph_on_baseline": e.exact(sc["keep_graph"], "accuracy", e.m),
                "random": [e.exact(r, "accuracy", e.m) for r in sc["keep_random"][:test.drawn]],
                "p_random": test.p, "significant": test.significant}

    def curves(self, name: str, d: dict[str, Any]) -> dict[str, Any]:
        """Deletion (random orders estimated where it did not matter) and insertion (random
        orders drawn until the comparison was decided; none when it could not be)."""
        out = {}
        for kind, orders in d["curves"].items():
            if kind == "insertion":
                test = self.e.decisions.tests[(name, "insertion")]
                orders = orders[:1 + test.drawn]
            out[kind] = _curve(self.e, d["steps"], orders)
            if kind == "insertion":
                out[kind]["p_random"] = test.p if test.drawn else None
            elif self.e.first is not None:
                out[kind]["error"] = self.e.decisions.curve_error.get(name)
        return out

    def variant(self, k: int, name: str, d: dict[str, Any], others: Outcomes,
                channels: dict[str, Any]) -> dict[str, Any]:
        """Everything one extraction variant's graph was tested by."""
        scopes = d["scopes"]
        all_ = self.e.exact(d["all"])
        paired = self.e.exact(d["all"], n=self.e.m)  # the score compares on the same images
        random = [self.set_values(r)["logit"] for r in
                  scopes["all"]["random"][:self.e.decisions.tests[(name, "all", "random")].drawn]]
        return {
            "vertices": d["vertices"], "pagerank": d["pagerank"], "sizes": d["sizes"],
            "sets": d["sets"],
            "ablation": {s: self.ablation(name, s, sc) for s, sc in scopes.items()},
            "sufficiency": {s: self.sufficiency(name, s, sc) for s, sc in scopes.items()},
            "rank_correlation": _rank_correlation(
                d["pagerank"], [channels[v]["logit"]["mean"] for v in d["vertices"]]),
            "specificity": _specificity(others, 1 + k, self.e.class_id, all_, self.n),
            "curves": self.curves(name, d),
            "score": float(paired - np.mean(random))}


def record(e: Evidence, others: Outcomes) -> dict[str, Any]:
    """The record's ``clean``, ``channels``, ``variants`` and ``estimation`` from the
    evaluated tests on the class's images and the outcomes of ``specificity_conditions`` on
    other classes' images."""
    r = _Record(e)
    channels = {v: r.single(row) for v, row in e.singles.items()}
    variants = {name: r.variant(k, name, d, others, channels)
                for k, (name, d) in enumerate(e.design.items())}
    run = e.runner
    clean = {"logit": float(run.logit[0].mean()) if r.n else float("nan"),
             "prob": float(run.prob[0].mean()) if r.n else float("nan"),
             "accuracy": e.exact(0, "accuracy")}
    exact = [v for v, row in e.singles.items() if e.known(row)]
    sets = sorted({row for d in e.design.values() for sc in d["scopes"].values()
                   for kind in SET_KINDS for row in sc[kind] if e.known(row, e.m)})
    estimation = {"first_order": e.first is not None, "level": e.s.level,
                  "baseline_images": e.m,
                  "singles": agreement([channels[v]["first_order"]["logit"] for v in exact],
                                       [channels[v]["logit"]["mean"] for v in exact])
                  if e.first is not None else None,
                  "sets": agreement([e.estimated(r, e.m) for r in sets],
                                    [e.exact(r, n=e.m) for r in sets])
                  if e.first is not None else None,
                  "conditions": e.plan.work(run.done)}
    return {"clean": clean, "channels": channels, "variants": variants,
            "estimation": estimation}


def _rank_correlation(pagerank: list[float], effects: list[float]) -> dict[str, Any]:
    """Spearman correlation of PageRank with single-vertex effects; null when undefined."""
    n = len(pagerank)
    if n < 3 or np.ptp(pagerank) == 0 or np.ptp(effects) == 0:
        return {"rho": None, "p": None, "n": n}
    rho, p = stats.spearmanr(pagerank, effects)
    return {"rho": float(rho), "p": float(p), "n": n}


def _specificity(others: Outcomes, row: int, class_id: int, own: float, n_own: int
                 ) -> dict[str, Any]:
    """Mean drop of each class's own logit when the graph is ablated: this class first."""
    drop = others.logit[0] - others.logit[row]
    classes = sorted(set(others.labels.tolist()) - {class_id})
    return {"classes": [class_id, *classes], "logit": [own, *(
        float(drop[others.labels == c].mean()) for c in classes)],
        "n_images": [n_own, *(int((others.labels == c).sum()) for c in classes)]}


def _curve(e: Evidence, steps: np.ndarray, orders: list[list[int]]) -> dict[str, Any]:
    """Mean true-class probability along each order (the PageRank order first, on every
    image; the random orders on the baselines' images, with the PageRank order's area there),
    the area under each over the share of vertices changed, and which random points are
    estimates."""
    x = steps / max(int(steps[-1]), 1)
    ys, estimated = zip(*(e.curve_values(rows, None if i == 0 else e.m)
                          for i, rows in enumerate(orders)), strict=True)

    def area(y: list[float]) -> float:
        return float(np.trapezoid(y, x)) if len(y) > 1 else y[0]

    return {"k": steps.tolist(), "graph": ys[0], "random": list(ys[1:]), "auc": area(ys[0]),
            "auc_on_baseline": area(e.curve_values(orders[0], e.m)[0]),
            "auc_random": [area(y) for y in ys[1:]], "estimated": list(estimated[1:])}
