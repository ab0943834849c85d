"""One class's faithfulness tests: every condition they may ask for, and the rounds that
evaluate only the ones that decide them.

The design draws, per graph variant, the random, matched and top-count sets of every scope
(each layer, and all layers), the keep-sets and the curve orders, exactly as many as the
settings say, seeded by the class. Running it (``Evidence.run``) then evaluates in rounds:

1. exactly, on every image: the clean run, the graph's own conditions (ablated, kept alone,
   its top-count counterpart), the PageRank-order curves and the single vertices with the
   largest first-order effect (``exact_singles``);
2. the Monte Carlo tests (random and matched sets, random keep-sets, random insertion
   orders), sequentially: each round ablates the next sets whose side of the comparison is
   unknown, until the verdict at ``level`` cannot change (``summit.evidence.sequential``); a
   random or matched set whose first-order estimate is clearly below the graph's is not ablated;
3. the random deletion orders, estimated to first order, with the points that could flip
   the comparison of areas computed exactly.

Rounds 2 and 3 run on the first ``baseline_images`` images only, and compare with the graph's
values on the same images: a Monte Carlo p-value needs the graph and its random draws
measured alike, not on every image, and the baselines are most of the stage's work. An
insertion test that cannot reach ``level`` with ``curve_orders`` draws (its smallest p-value
is 1/(1 + orders)) draws none.

With ``first_order: false`` nothing is estimated: every single vertex, set and curve point
the tests read is ablated (the tests still stop once decided).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from summit.evidence.faithfulness import (
    ClassInputs,
    Plan,
    Runner,
    curve_steps,
    matched_sets,
    random_sets,
    top_count,
    vertex,
)
from summit.evidence.sequential import (
    SAFETY,
    Sequential,
    decisive_points,
    margin,
    side,
    trapezoid_weights,
    walk,
)
from summit.model.first_order import FirstOrder
from summit.settings import FaithfulnessSettings

SET_KINDS = ("random", "matched")
# The outcome of an insertion test that cannot reach its level: no order drawn, no p-value.
UNTESTABLE = Sequential(float("nan"), 0, 0, False, False)


@dataclass
class _Test:
    """A sequential test: ``draws[i]`` the conditions draw i needs, ``indicator(i)`` whether
    it is at least as damaging as the graph (None: not known yet)."""

    draws: list[list[int]]
    indicator: Callable[[int], bool | None]
    result: Sequential | None = None


@dataclass
class Decisions:
    """What the rounds decided: each test's outcome by (variant, scope, kind) for the sets
    and by (variant, "insertion") for the curves, and the deletion curves' first-order
    error (the largest seen on exactly computed points, per variant)."""

    tests: dict[tuple[str, ...], Sequential] = field(default_factory=dict)
    curve_error: dict[str, float] = field(default_factory=dict)


class Evidence:
    """Plans the conditions of one class's tests and evaluates, in rounds, those that decide
    them (``run``); ``summit.evidence.faithfulness_record`` turns them into the record."""

    def __init__(self, inputs: ClassInputs, settings: FaithfulnessSettings, class_id: int):
        self.inputs, self.s, self.class_id = inputs, settings, class_id
        self.layers = list(inputs.channels)
        self.plan = Plan(inputs.channels)
        self.rng = np.random.default_rng([settings.seed, class_id])
        self.design = {v: self._design(vertices) for v, vertices in inputs.graphs.items()}
        singles = dict.fromkeys(v for vs in inputs.graphs.values() for v, _ in vs)
        self.singles = {v: self.plan.ablate({vertex(v)[0]: [vertex(v)[1]]}, "single")
                        for v in singles}
        self.first: FirstOrder | None = None
        self.runner: Runner | None = None
        self.m: int | None = None  # the baselines' images, set by ``run``
        self.decisions = Decisions()
        self._estimates: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _layer_sets(self, vertices: list[str]) -> dict[str, list[int]]:
        per: dict[str, list[int]] = {layer: [] for layer in self.layers}
        for v in vertices:
            layer, channel = vertex(v)
            per[layer].append(channel)
        return per

    def _scope(self, scope: str, chosen: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """One scope's conditions from the variant's graph, random, matched and top sets."""
        at = self.layers if scope == "all" else [scope]
        graph, random, matched, top = (chosen[k] for k in ("graph", "random", "matched", "top"))

        def sets(per: dict[str, Any], r: int | None = None) -> dict[str, Any]:
            return {x: per[x] if r is None else per[x][r] for x in at}

        ablate, reps = self.plan.ablate, range(self.s.repeats)
        return {"size": sum(len(x) for x in sets(graph).values()),
                "graph": ablate(sets(graph), "graph"),
                "random": [ablate(sets(random, r), "random") for r in reps],
                "matched": [ablate(sets(matched, r), "matched") for r in reps],
                "top_count": ablate(sets(top), "top_count"),
                "top_count_overlap": sum(len(set(top[x]) & set(graph[x])) for x in at),
                "keep_graph": ablate(sets(graph), "keep_graph", keep=True),
                "keep_random": [ablate(sets(random, r), "keep_random", keep=True) for r in reps]}

    def _design(self, ranked: list[tuple[str, float]]) -> dict[str, Any]:
        """One variant's sets, orders and the rows of their conditions (drawn in a fixed
        order from the class's generator, so a seed gives the same sets every run)."""
        i, s = self.inputs, self.s
        vertices = [v for v, _ in ranked]
        graph = self._layer_sets(vertices)
        random = {layer: random_sets(self.rng, i.channels[layer], graph[layer],
                                     len(graph[layer]), s.repeats, i.excluded.get(layer, []))
                  for layer in self.layers}
        matched = {layer: [sorted(m for _, m in pairs) for pairs in matched_sets(
            self.rng, i.counts[layer], graph[layer], s.repeats, i.excluded.get(layer, []))]
            for layer in self.layers}
        top = {layer: top_count(i.counts[layer], len(graph[layer]), i.excluded.get(layer, []))
               for layer in self.layers}
        chosen = {"graph": graph, "random": random, "matched": matched, "top": top}
        scopes = {scope: self._scope(scope, chosen) for scope in [*self.layers, "all"]}
        steps = curve_steps(len(vertices), s.curve_points)
        orders = [vertices] + [[vertices[j] for j in self.rng.permutation(len(vertices))]
                               for _ in range(s.curve_orders)]
        curves = {kind: [[self.plan.ablate(
            {**dict.fromkeys(self.layers, []), **self._layer_sets(order[:k])},
            f"{kind}_{'pagerank' if o == 0 else 'random'}", keep=kind == "insertion")
            for k in steps] for o, order in enumerate(orders)]
            for kind in ("deletion", "insertion")}
        return {"vertices": vertices, "pagerank": [p for _, p in ranked],
                "sizes": {x: len(graph[x]) for x in self.layers},
                "sets": {"random": {x: [c.tolist() for c in random[x]] for x in self.layers},
                         "matched": matched,
                         "top_count": {x: top[x].tolist() for x in self.layers},
                         "orders": orders[1:]},
                "scopes": scopes, "steps": steps, "curves": curves,
                "all": scopes["all"]["graph"]}

    def specificity_conditions(self) -> list[dict[str, np.ndarray]]:
        """Clean, then each variant's whole graph ablated: what runs on other classes."""
        rows = [0, *(d["all"] for d in self.design.values())]
        return [self.plan.conditions[r] for r in rows]

    # --- values, exact or estimated -------------------------------------------------------

    def insertion_testable(self) -> bool:
        """Whether the insertion test can reach ``level`` with ``curve_orders`` orders."""
        return 1 / (1 + self.s.curve_orders) <= self.s.level

    def estimate(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Per image, the first-order logit and probability drops of a condition."""
        if row not in self._estimates:
            self._estimates[row] = self.first.drops(self.plan.conditions[row])
        return self._estimates[row]

    def exact(self, row: int, metric: str = "logit", n: int | None = None) -> float:
        """A condition's exact mean over the first ``n`` images (every one): the logit or
        probability drop, or the accuracy kept."""
        r, cols = self.runner, slice(0, n)
        if not len(r.labels):
            return float("nan")
        if metric == "accuracy":
            return float(r.correct[row, cols].mean())
        values = r.logit if metric == "logit" else r.prob
        return float(np.mean(values[0, cols] - values[row, cols]))

    def known(self, row: int, n: int | None = None) -> bool:
        """Whether a condition has been ablated exactly (on the first ``n`` images)."""
        return self.runner.known(row, n)

    def estimated(self, row: int, n: int | None = None) -> float:
        """A condition's first-order logit drop, the mean over the first ``n`` images."""
        return float(self.estimate(row)[0][:n].mean())

    def error(self, row: int) -> float:
        """First-order error of an ablated baseline, on the baselines' images."""
        return abs(self.estimated(row, self.m) - self.exact(row, n=self.m))

    # --- the rounds -------------------------------------------------------------------------

    def run(self, runner: Runner, first: FirstOrder | None) -> None:
        """Evaluate what the record needs, in rounds (see the module doc); ``first``: the
        first-order effects on the runner's images, or None to estimate nothing."""
        self.runner, self.first = runner, first
        n = len(runner.labels)
        self.m = n if self.s.baseline_images is None else min(self.s.baseline_images, n)
        runner.evaluate(self._exact_rows())
        self._sequential(self._tests())
        if first is not None:
            self._confirm_deletion()

    def _exact_rows(self) -> list[int]:
        """Round 1: the clean run, each variant's own conditions and PageRank curves, and
        the single vertices ablated exactly (all of them without first-order estimates,
        and then the random deletion orders too)."""
        rows = [0]
        for d in self.design.values():
            for sc in d["scopes"].values():
                rows += [sc["graph"], sc["top_count"], sc["keep_graph"]]
            for kind, orders in d["curves"].items():
                rows += orders[0]
                if self.first is None and kind == "deletion":
                    rows += [r for order in orders for r in order]
        singles = list(self.singles.values())
        if self.first is not None:
            size = np.array([abs(self.estimate(r)[0].mean()) for r in singles])
            singles = [singles[j] for j in np.argsort(-size, kind="stable")[:self.s.exact_singles]]
        return rows + singles

    def _set_indicator(self, sc: dict[str, Any], kind: str) -> Callable[[int], bool | None]:
        """Set i of a scope's random or matched sets: at least as damaging as the graph?"""
        m = self.m

        def indicator(i: int) -> bool | None:
            row, graph = sc[kind][i], self.exact(sc["graph"], n=m)
            if self.known(row, m):
                return side(self.exact(row, n=m), False, graph, 0.0)
            if self.first is None:
                return None
            seen = [self.error(r) for r in [sc["graph"], sc["top_count"], *sc["random"],
                                              *sc["matched"]] if self.known(r, m)]
            return side(self.estimated(row, m), True, graph, margin(seen, graph))
        return indicator

    def _draw_indicator(self, rows: list[list[int]], value: Callable[[list[int]], float],
                        graph: float) -> Callable[[int], bool | None]:
        """Draw i (exact only, on the baselines' images): its value at least the graph's?"""
        def indicator(i: int) -> bool | None:
            if not all(self.known(r, self.m) for r in rows[i]):
                return None
            return side(value(rows[i]), False, graph, 0.0)
        return indicator

    def _tests(self) -> dict[tuple[str, ...], _Test]:
        """Every sequential test of the class: per variant and scope its random and matched
        sets and random keep-sets, and per variant its random insertion orders."""
        tests = {}
        for v, d in self.design.items():
            for scope, sc in d["scopes"].items():
                for kind in SET_KINDS:
                    tests[(v, scope, kind)] = _Test([[r] for r in sc[kind]],
                                                    self._set_indicator(sc, kind))
                keep = [[r] for r in sc["keep_random"]]
                tests[(v, scope, "keep")] = _Test(keep, self._draw_indicator(
                    keep, lambda rows: self.exact(rows[0], "accuracy", self.m),
                    self.exact(sc["keep_graph"], "accuracy", self.m)))
            if not self.insertion_testable():
                tests[(v, "insertion")] = _Test([], lambda i: None, UNTESTABLE)
                continue
            orders = d["curves"]["insertion"]
            inner = [order[1:-1] for order in orders[1:]]
            x = d["steps"] / max(int(d["steps"][-1]), 1)
            area = self._area(orders, x)
            tests[(v, "insertion")] = _Test(inner, self._draw_indicator(
                [orders[1 + i] for i in range(len(inner))], area, area(orders[0])))
        return tests

    def _area(self, orders: list[list[int]], x: np.ndarray) -> Callable[[list[int]], float]:
        """The area under an exactly computed curve (its rows) on the baselines' images,
        over the share ``x``."""
        def area(rows: list[int]) -> float:
            y = [float(np.mean(self.runner.prob[r, :self.m])) for r in rows]
            return float(np.trapezoid(y, x)) if len(y) > 1 else y[0]
        return area

    def _sequential(self, tests: dict[tuple[str, ...], _Test]) -> None:
        """Rounds of every open test at once, each round ablating up to twice as many
        unknown draws per test as the last, until every test is decided."""
        quota = 1
        while any(t.result is None for t in tests.values()):
            need = []
            for t in tests.values():
                if t.result is None:
                    unknown, t.result = walk(t.indicator, len(t.draws), self.s.level, quota)
                    need += [r for i in unknown for r in t.draws[i]]
            self.runner.evaluate(need, self.m)
            quota *= 2
        self.decisions.tests = {k: t.result for k, t in tests.items()}

    def curve_values(self, rows: list[int], n: int | None = None
                     ) -> tuple[list[float], list[bool]]:
        """A curve's mean true-class probability per point over the first ``n`` images,
        exact where computed, else the first-order estimate; and which points are
        estimates."""
        prob = self.runner.prob[:, :n]
        clean = float(np.mean(prob[0])) if len(self.runner.labels) else np.nan
        ys, est = [], []
        for r in rows:
            known = self.known(r, n) or self.first is None
            ys.append(float(np.mean(prob[r])) if known
                      else clean - float(np.mean(self.estimate(r)[1][:n])))
            est.append(not known)
        return ys, est

    def _point_errors(self, orders: list[list[int]]) -> np.ndarray:
        """Per curve point, the largest first-order error seen on the exactly computed
        conditions removing as many vertices (the PageRank order's, confirmed random ones), on
        the baselines' images."""
        m, prob = self.m, self.runner.prob[:, :self.m]
        clean = float(np.mean(prob[0]))
        return np.array([max((abs(clean - float(np.mean(self.estimate(o[k])[1][:m]))
                                  - float(np.mean(prob[o[k]])))
                              for o in orders if self.known(o[k], m)), default=0.0)
                         for k in range(len(orders[0]))])

    def _confirm_deletion(self) -> None:
        """Compute exactly the deletion points that could flip the PageRank order's area
        against the random orders' mean (both on the baselines' images): each estimated
        point may be off by ``SAFETY`` times the largest first-order error seen at its
        vertex count."""
        while True:
            need = []
            for v, d in self.design.items():
                orders = d["curves"]["deletion"]
                if len(orders) < 2 or len(d["steps"]) < 3:
                    continue
                x = d["steps"] / max(int(d["steps"][-1]), 1)
                errors = self._point_errors(orders)
                self.decisions.curve_error[v] = float(errors.max())
                m = self.m
                gap = (float(np.trapezoid(self.curve_values(orders[0], m)[0], x))
                       - np.mean([np.trapezoid(self.curve_values(o, m)[0], x)
                                  for o in orders[1:]]))
                confirmed = np.array([all(self.known(o[k], m) for o in orders[1:])
                                      for k in range(len(x))])
                points = decisive_points(gap, trapezoid_weights(x), SAFETY * errors, confirmed)
                need += [o[k] for o in orders[1:] for k in points]
            if not need:
                return
            self.runner.evaluate(need, self.m)
