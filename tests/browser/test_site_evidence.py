"""The Evidence panel (site/js/panels/faithfulness.js) on synthetic faithfulness records: its
plots and numbers, the vertex card's single-channel effect, the class list sorted by the
records' score, both classes in comparison mode, and the records' edge cases (in-sample
images, no rank correlation, a graph variant without vertices)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from summit.io.artifacts import Faithfulness
from tests.browser.conftest import BROWSER, LAYERS, overflowing, published, serve
from tests.browser.test_site_browser import NODES, expect, open_section
from tests.e2e import e2e
from tests.fixtures.faithfulness import synthetic_faithfulness
from tests.fixtures.study import TRICKY_NAMES, make_study

pytestmark = BROWSER

IN_SAMPLE, NO_RHO, EMPTY = 1, 2, 3  # classes whose records are edited
PANEL = '#class-panels [data-panel="faithfulness"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The 12-class synthetic site with faithfulness records; returns (URL, site folder)."""
    root = tmp_path_factory.mktemp("evidence")
    p, files = make_study(root / "study", TRICKY_NAMES, LAYERS, panel=False,
                          faithfulness=True)
    paths = files.panels["faithfulness"]
    record = Faithfulness.load(paths[IN_SAMPLE])
    record.in_sample = True
    record.save(paths[IN_SAMPLE])
    record = Faithfulness.load(paths[NO_RHO])
    record.variants[record.configured]["rank_correlation"] = {"rho": None, "p": None, "n": 2}
    record.save(paths[NO_RHO])
    graph = json.loads(files.graphs[EMPTY].read_text())
    synthetic_faithfulness(np.random.default_rng(1), {**graph, "nodes": [], "edges": []},
                           p["class_ids"]).save(paths[EMPTY])
    yield from published(p, files, root)


def record(site_dir, cid):
    return json.loads((site_dir / f"data/panels/faithfulness/{cid}.json").read_text())


def show(page, site, hash_):
    """Open the site at ``hash_`` with the Evidence drawn; returns the console errors."""
    return open_section(page, site[0], hash_, f"{PANEL} .evidence")


def shoot(page, path):
    """A screenshot of the whole Evidence section (a tall window shows it unscrolled)."""
    page.set_viewport_size({"width": 1280, "height": 3200})
    page.wait_for_timeout(200)
    page.locator(PANEL).screenshot(path=path)


def test_the_evidence_draws_its_plots_and_numbers(page, site, artifacts):
    errors = show(page, site, "#class=0")
    r = record(site[1], 0)
    panel = page.locator(PANEL)
    expect(panel.locator("h2")).to_have_text("Evidence")
    expect(panel.locator(".ev-head")).to_have_text(
        f"{r['n_images']} test images · mean ablation · up to {r['repeats']} random sets")
    expect(panel.locator(".ev-warning")).to_have_count(0)
    scopes = [*(name for name, _ in LAYERS), "all"]
    rows = panel.locator(".ev-ablation .ev-row")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.scope)") == scopes
    configured = r["variants"]["per_layer"]
    expect(panel.locator('.ev-ablation [data-scope="all"] .ev-row-sub')).to_have_text(
        f"{len(configured['vertices'])} ch.")
    p_all = panel.locator('.ev-ablation [data-scope="all"] .ev-p').all_text_contents()
    assert p_all == [f"{configured['ablation']['all'][k]:.2g}"
                     for k in ("p_random", "p_matched")]
    assert panel.locator(".ev-ablation .ev-est circle").count() == len(scopes)
    assert panel.locator(".ev-ablation .ev-box.random rect").count() == len(scopes)
    assert panel.locator(".ev-ablation .ev-box.matched rect").count() == len(scopes)
    assert panel.locator(".ev-ablation .ev-top").count() == len(scopes)
    assert panel.locator(".ev-sufficiency .ev-dot.graph").count() == len(scopes)
    expect(panel.locator(".ev-legend").nth(1)).to_contain_text(
        f"clean {100 * r['clean']['accuracy']:.1f}%")
    for kind in ("deletion", "insertion"):
        curve = panel.locator(f'[data-curve="{kind}"]')
        expect(curve.locator(".ev-curve-title")).to_have_text(
            f"{kind.title()} · AUC {configured['curves'][kind]['auc']:.2f}")
        assert curve.locator(".random-line").count() == len(
            configured["curves"][kind]["random"])
        expect(curve.locator(".graph-line")).to_have_count(1)
    bars = panel.locator(".ev-bar-name")
    expect(bars).to_have_count(6)  # this class and the 5 most hurt of the 11 others
    expect(bars.first).to_have_text(TRICKY_NAMES[0])
    expect(panel.locator(".ev-rank")).to_have_text(re.compile(
        r"^Spearman ρ = −?\d\.\d\d over \d+ vertices \(p = [\d.]+\): .+\.$"))
    assert overflowing(page, PANEL) == []
    shoot(page, artifacts / "evidence.png")
    # The other variant: its own numbers, and the table says which scores higher.
    variants = panel.locator(".ev-variants tbody tr")
    expect(variants).to_have_count(2)
    best = max(r["variants"], key=lambda v: r["variants"][v]["score"])
    expect(variants.nth(list(r["variants"]).index(best)).locator("td").nth(2)).to_contain_text(
        "★")
    variants.nth(1).locator("button").click()
    expect(variants.nth(1).locator("button")).to_have_attribute("aria-pressed", "true")
    expect(panel.locator('.ev-ablation [data-scope="all"] .ev-row-sub')).to_have_text(
        f"{len(r['variants']['unified']['vertices'])} ch.")
    assert errors == []


def test_a_vertex_card_shows_its_single_channel_effect(page, site):
    errors = show(page, site, "#class=0")
    page.wait_for_timeout(600)  # the graph's transition
    node = page.locator(NODES).first
    channel = record(site[1], 0)["channels"][node.get_attribute("data-id")]
    effect = channel["logit"]
    node.hover()
    label = ("ablated alone, first-order logit drop" if channel.get("estimated")
             else "ablated alone, logit drop")
    row = page.locator("#tooltip .tt-row", has_text=label)
    want = "{:.2f} [{:.2f}, {:.2f}]".format(effect["mean"], effect["low"], effect["high"])
    expect(row.locator(".tt-val")).to_have_text(want.replace("-", "−"))
    assert errors == []


def test_the_class_list_sorts_by_faithfulness(page, site, artifacts):
    errors = show(page, site, "#class=0")
    study = json.loads((site[1] / "data/study.json").read_text())
    score = {c["name"]: c["sort_keys"]["faithfulness"] for c in study["classes"]}
    page.select_option("#class-sort", "faithfulness-desc")
    names = page.locator("#class-list .class-name")
    expect(names).to_have_count(len(TRICKY_NAMES))
    assert names.all_text_contents() == sorted(score, key=lambda n: -score[n])
    page.screenshot(path=artifacts / "evidence-sorted.png")
    page.select_option("#class-sort", "faithfulness-asc")
    expect(names.first).to_have_text(min(score, key=score.get))
    assert names.all_text_contents() == sorted(score, key=score.get)
    assert errors == []


def test_comparison_mode_shows_both_classes_evidence(page, site, artifacts):
    errors = show(page, site, "#class=4&compare=9")
    blocks = page.locator(f"{PANEL} .panel-class")
    expect(blocks).to_have_count(2)
    expect(blocks.locator(".panel-class-name")).to_have_text([TRICKY_NAMES[4], TRICKY_NAMES[9]])
    for k in range(2):
        expect(blocks.nth(k).locator(".ev-ablation .ev-row")).to_have_count(len(LAYERS) + 1)
    assert page.locator(f"{PANEL} b, {PANEL} img").count() == 0  # names stay text
    # A vertex of both graphs: its effect in each class, named.
    page.wait_for_timeout(600)
    page.locator(f'{NODES}[data-membership="both"]').first.hover()
    for name in (TRICKY_NAMES[4], TRICKY_NAMES[9]):
        expect(page.locator("#tooltip .tt-row", has_text=f"logit drop in {name}")).to_have_count(1)
    page.screenshot(path=artifacts / "evidence-compare-hover.png")
    page.mouse.move(5, 5)
    assert overflowing(page, PANEL) == []
    shoot(page, artifacts / "evidence-compare.png")
    assert errors == []


def test_an_in_sample_record_is_flagged(page, site, artifacts):
    errors = show(page, site, f"#class={IN_SAMPLE}")
    expect(page.locator(f"{PANEL} .ev-warning")).to_have_text(
        "in-sample: these images built the graph")
    shoot(page, artifacts / "evidence-in-sample.png")
    assert errors == []


def test_no_rank_correlation_and_an_empty_graph_do_not_break_it(page, site, artifacts):
    errors = show(page, site, f"#class={NO_RHO}")
    expect(page.locator(f"{PANEL} .ev-rank")).to_have_text(
        "Not computed: 2 vertices (it needs 3).")
    expect(page.locator(f"{PANEL} .ev-ablation")).to_have_count(1)  # the rest is drawn
    page.locator("#class-list .class-row", has_text=TRICKY_NAMES[EMPTY]).click()
    panel = page.locator(PANEL)
    expect(panel.locator(".ev-empty")).to_have_text(
        "This graph has no vertices: nothing to ablate.")
    expect(panel.locator(".ev-rank")).to_have_text("Not computed: 0 vertices (it needs 3).")
    expect(panel.locator(".ev-variants tbody td:nth-child(2)")).to_have_text(["0", "0"])
    assert panel.locator("p.muted", has_text="Could not show").count() == 0
    page.wait_for_timeout(600)
    page.locator(NODES).first.hover()  # a vertex the record has no effect for
    expect(page.locator("#tooltip")).to_be_visible()
    expect(page.locator("#tooltip .tt-row", has_text="ablated alone")).to_have_count(0)
    assert overflowing(page, PANEL) == []
    shoot(page, artifacts / "evidence-empty.png")
    assert errors == []


@e2e
def test_the_tiny_studys_evidence_renders_from_the_workflows_records(page, study, artifacts):
    """The site the workflow built shows the faithfulness stage's real records."""
    results, _ = study
    url, server = serve(results / "site")
    try:
        errors = show(page, (url, results / "site"), "#class=1")
        r = json.loads((results / "faithfulness" / "1.json").read_text())
        panel = page.locator(PANEL)
        expect(panel.locator(".ev-head")).to_have_text(
            f"{r['n_images']} test images · mean ablation · up to {r['repeats']} random sets")
        assert panel.locator(".ev-ablation .ev-row").count() == 5  # 4 layers and all
        assert overflowing(page, PANEL) == []
        shoot(page, artifacts / "evidence-tiny-study.png")
        assert errors == []
    finally:
        server.shutdown()
