"""Stability in the site: the Stability panel (site/js/panels/stability.js) on synthetic
records, the graph view's support marks (a ring per vertex, tentative vertices dashed, edges
by inclusion) and its share slider (site/js/share.js), alone and in comparison mode."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import BROWSER, LAYERS, overflowing, published
from tests.browser.test_site_browser import NODES, expect, open_section
from tests.fixtures.study import TRICKY_NAMES, make_study

pytestmark = BROWSER

PANEL = '#class-panels [data-panel="stability"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The 12-class synthetic site with stability records; returns (URL, site folder)."""
    root = tmp_path_factory.mktemp("stability")
    p, files = make_study(root / "study", TRICKY_NAMES, LAYERS, panel=False,
                          with_analyses=False)
    yield from published(p, files, root)


def data(site_dir, cid):
    """A class's stability record and graph, as the site ships them."""
    return (json.loads((site_dir / f"data/panels/stability/{cid}.json").read_text()),
            json.loads((site_dir / f"data/graphs/{cid}.json").read_text()))


def show(page, site, hash_):
    """Open the site at ``hash_`` with the Stability section and the graph's marks drawn."""
    return open_section(page, site[0], hash_, f"{PANEL} .stability", f"{NODES}[data-arc]")


def set_share(page, key):
    """Move the share slider with the keyboard (Home, End, ArrowRight…), as a user would."""
    page.locator("#graph-share").press(key)


def test_the_stability_section_states_its_numbers(page, site, artifacts):
    errors = show(page, site, "#class=0")
    r, g = data(site[1], 0)
    panel = page.locator(PANEL)
    expect(panel.locator("h2")).to_have_text("Stability")
    expect(panel.locator(".st-head")).to_have_text(
        "50 bootstrap resamples of 10 image groups (600 images) · per-layer graph at 7.5%")
    for key, values in (("jaccard", r["jaccard"]), ("split-half", r["split_half"])):
        for kind in ("vertices", "edges"):
            row = panel.locator(f'tr[data-row="{key}-{kind}"]')
            expect(row.locator(".st-mean")).to_have_text(f"{values[kind]['mean']:.2f}")
            expect(row.locator(".st-p5")).to_have_text(f"{values[kind]['p5']:.2f}")
            expect(row.locator(".st-bar .fill")).to_have_count(1)
    graph = [v for v in r["vertices"] if v["in_graph"]]
    tentative = sorted((v for v in graph if v["inclusion"] < 0.9),
                       key=lambda v: (v["inclusion"], v["id"]))
    assert tentative and len(graph) == len(g["nodes"])
    expect(panel.locator(".st-summary")).to_have_text(
        f"{len(graph) - len(tentative)} of the graph's {len(graph)} vertices are in at least "
        f"90% of the resampled graphs; {len(tentative)} are tentative:")
    chips = panel.locator(".st-chips.tentative li")
    assert chips.evaluate_all("ls => ls.map(l => l.dataset.id)") == [
        v["id"] for v in tentative[:12]]
    expect(chips.first.locator(".st-chip-value")).to_have_text(f"{tentative[0]['inclusion']:.2f}")
    often = [v["id"] for v in r["vertices"] if not v["in_graph"] and v["inclusion"] >= 0.5]
    assert panel.locator(".st-chips.often li").evaluate_all(
        "ls => ls.map(l => l.dataset.id)") == often
    bars = panel.locator(".st-hist text.count").all_text_contents()
    assert sum(map(int, bars)) == len(r["vertices"])  # every vertex in one bar
    assert overflowing(page, PANEL) == []
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.wait_for_timeout(200)
    panel.screenshot(path=artifacts / "stability.png")
    assert errors == []


def test_the_share_slider_adds_vertices_at_the_top_and_drops_them_at_the_bottom(page, site,
                                                                                artifacts):
    errors = show(page, site, "#class=0")
    _, g = data(site[1], 0)
    low, high = g["slider"]["range"]
    share, value, reset = (page.locator(x) for x in
                           ("#graph-share", "#graph-share-value", "#graph-share-reset"))
    expect(page.locator("#share-control")).to_be_visible()
    expect(value).to_have_text("7.5%")
    assert (share.get_attribute("min"), share.get_attribute("max"),
            share.get_attribute("step")) == (str(low), str(high), "0.0025")
    expect(reset).to_be_disabled()
    configured = len(g["nodes"])
    expect(page.locator(NODES)).to_have_count(configured)
    expect(page.locator(f"{NODES}.beyond")).to_have_count(0)

    set_share(page, "End")
    expect(value).to_have_text("20%")
    top = configured + sum(n["entry_share"] < high for n in g["slider"]["nodes"])
    assert top > configured
    expect(page.locator(NODES)).to_have_count(top)
    expect(page.locator(f"{NODES}.beyond")).to_have_count(top - configured)
    edges = len(g["edges"]) + len(g["slider"]["edges"])
    expect(page.locator("#graph-stats")).to_contain_text(
        f"{top} vertices · {edges} edges · {top - configured} beyond 7.5%")
    expect(page.locator("#support-legend")).to_contain_text("pale: not in the graph at 7.5%")
    beyond = page.locator(f"{NODES}.beyond:not(.has-image)").first  # no render: a plain circle
    assert beyond.evaluate("n => n.querySelector('circle').style.fill") == ""
    assert beyond.locator("text").text_content() == beyond.get_attribute("data-id").split(":")[1]
    page.wait_for_timeout(600)
    page.screenshot(path=artifacts / "stability-share-top.png")

    set_share(page, "Home")
    expect(value).to_have_text("2.5%")
    bottom = sum(n["entry_share"] < low for n in g["nodes"])
    assert 0 < bottom < configured
    expect(page.locator(NODES)).to_have_count(bottom)
    page.wait_for_timeout(600)
    page.screenshot(path=artifacts / "stability-share-bottom.png")

    set_share(page, "ArrowRight")
    expect(value).to_have_text("2.75%")
    reset.click()
    expect(value).to_have_text("7.5%")
    expect(page.locator(NODES)).to_have_count(configured)
    assert float(share.input_value()) == 0.075
    assert errors == []


def test_support_marks_vertices_and_edges(page, site, artifacts):
    errors = show(page, site, "#class=1")
    r, g = data(site[1], 1)
    inclusion = {v["id"]: v["inclusion"] for v in r["vertices"]}
    nodes = page.locator(NODES)
    expect(nodes).to_have_count(len(g["nodes"]))
    arcs = dict(nodes.evaluate_all("ns => ns.map(n => [n.dataset.id, Number(n.dataset.arc)])"))
    assert arcs == {n["id"]: inclusion[n["id"]] for n in g["nodes"]}
    tentative = {n["id"] for n in g["nodes"] if inclusion[n["id"]] < 0.9}
    marked = page.locator(f'{NODES}[data-mark="tentative"]')
    assert set(marked.evaluate_all("ns => ns.map(n => n.dataset.id)")) == tentative
    assert all(", tentative" in label for label in
               marked.evaluate_all("ns => ns.map(n => n.getAttribute('aria-label'))"))
    assert marked.first.locator("path.support-track").get_attribute("d")
    expect(page.locator("#graph-stats")).to_contain_text(f"· {len(tentative)} tentative")
    legend = page.locator("#support-legend")
    expect(legend).to_be_visible()
    assert legend.locator(".legend-item").evaluate_all(
        "ls => ls.map(l => l.dataset.mark)") == ["arc", "dashed", "edge"]
    expect(legend).to_contain_text("tentative: below 90%")
    opacities = page.locator("#graph-svg g.edge").evaluate_all(
        "es => es.map(e => Number(e.style.getPropertyValue('--support-opacity')))")
    assert len(opacities) == len(g["edges"]) and all(0.12 <= o <= 1 for o in opacities)
    assert len(set(opacities)) > 1  # edges differ in support
    page.wait_for_timeout(600)
    page.screenshot(path=artifacts / "stability-graph.png")
    node = marked.first
    node.hover()
    want = inclusion[node.get_attribute("data-id")]
    expect(page.locator("#tooltip .tt-row", has_text="inclusion").locator(".tt-val")).to_have_text(
        re.compile(rf"^{want:.2f} \(\d+ of 50 resamples\), tentative$"))
    expect(page.locator("#tooltip .tt-row", has_text="enters the graph at")).to_have_count(1)
    page.screenshot(path=artifacts / "stability-hover.png")
    assert errors == []


def test_comparison_mode_shows_both_classes_stability_and_slides(page, site, artifacts):
    errors = show(page, site, "#class=4&compare=9")
    blocks = page.locator(f"{PANEL} .panel-class")
    expect(blocks).to_have_count(2)
    expect(blocks.locator(".panel-class-name")).to_have_text([TRICKY_NAMES[4], TRICKY_NAMES[9]])
    expect(blocks.locator(".st-summary")).to_have_count(2)
    assert page.locator(f"{PANEL} b, {PANEL} img").count() == 0  # names stay text
    memberships = set(page.locator(NODES).evaluate_all("ns => ns.map(n => n.dataset.membership)"))
    assert "both" in memberships and memberships & {"a", "b"}
    before = page.locator(NODES).count()
    set_share(page, "End")
    expect(page.locator("#graph-share-value")).to_have_text("20%")
    page.wait_for_timeout(600)
    assert page.locator(NODES).count() > before
    assert page.locator(f"{NODES}[data-arc]").count() == page.locator(NODES).count()
    page.locator(f'{NODES}[data-membership="both"]').first.hover()
    for name in (TRICKY_NAMES[4], TRICKY_NAMES[9]):
        expect(page.locator("#tooltip .tt-row", has_text=f"inclusion in {name}")).to_have_count(1)
    page.screenshot(path=artifacts / "stability-compare.png")
    page.mouse.move(5, 5)
    assert overflowing(page, PANEL) == []
    assert errors == []


def test_the_class_list_sorts_by_stability(page, site):
    errors = show(page, site, "#class=0")
    study = json.loads((site[1] / "data/study.json").read_text())
    key = {c["name"]: c["sort_keys"]["stability"] for c in study["classes"]}
    page.select_option("#class-sort", "stability-desc")
    names = page.locator("#class-list .class-name")
    expect(names).to_have_count(len(TRICKY_NAMES))
    assert names.all_text_contents() == sorted(key, key=lambda n: -key[n])
    assert errors == []
