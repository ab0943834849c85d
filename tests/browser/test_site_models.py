"""Two models in the site: the graph view's comparison with the second model (study.json
``models``; site/js/models.js), where a matched pair of channels is one vertex showing both
models' renders, with its tally, legend and card; the Analyses panel's table of the
comparisons; and the rule that comparing models and comparing classes exclude each other."""

from __future__ import annotations

import json
import re

import pytest

from summit.render.layout import union
from tests.browser.conftest import BROWSER, LAYERS, overflowing, published
from tests.browser.test_site_browser import NODES, expect, open_site
from tests.fixtures.study import MODEL_NAMES, TRICKY_NAMES, make_study

# what the view writes for the fixture's "Demo, seed 0" and "Demo, seed 1" (site/js/models.js
# modelLabels); the full names are in the toggle's tooltip
LABELS = ["A (seed 0)", "B (seed 1)"]

pytestmark = BROWSER

TOGGLE = "#graph-models"
SCREENSHOT = "/tmp/site_models.png"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The 12-class synthetic site with a model comparison; returns (URL, site folder)."""
    root = tmp_path_factory.mktemp("models")
    p, files = make_study(root / "study", TRICKY_NAMES, LAYERS, panel=False)
    yield from published(p, files, root)


def shipped(site_dir, cid):
    """The study, a class's graph, its comparison with model B and their union, as the site
    ships them."""
    study = json.loads((site_dir / "data/study.json").read_text())
    graph = json.loads((site_dir / f"data/graphs/{cid}.json").read_text())
    record = json.loads((site_dir / study["models"]["data"].replace("{id}", str(cid)))
                        .read_text())
    return study, graph, record, union(graph, record["graph_b"])


def shares(text):
    """The percentages in ``text``, as shares ("54.5% (44.9–61%)": 0.545, 0.449, 0.61)."""
    return [float(x) / 100 for x in re.findall(r"(\d+(?:\.\d+)?)(?=%|–)", text)]


def compare_models(page, site, hash_="#class=0"):
    """Open the site at ``hash_`` and switch the comparison with model B on, as a user does;
    returns the console errors seen."""
    errors = open_site(page, site[0], hash_)
    page.locator(TOGGLE).check()
    expect(page.locator("#graph-class")).to_contain_text(" vs ".join(LABELS))
    page.wait_for_timeout(600)  # the transition
    return errors


def pattern(page, fill):
    """The pattern a ``url(#id)`` fill names: its viewBox, its image's href and its box."""
    pid = re.fullmatch(r'url\("?#([^")]+)"?\)', fill).group(1)
    return page.locator(f"#{pid}").evaluate("""p => ({
        viewBox: p.getAttribute('viewBox'), href: p.querySelector('image').getAttribute('href'),
        units: p.getAttribute('patternUnits'), x: p.getAttribute('x'),
        width: p.getAttribute('width')})""")


def atlases(study):
    """Model A's and model B's featvis atlas entries, by their own layer names."""
    return ({x["name"]: x["featvis"] for x in study["layers"]},
            {x["b_layer"]: x["featvis"] for x in study["models"]["layers"]})


def rendered(atlas, layer, channel):
    """Whether a channel's render is in a layer's atlas and did not fail."""
    fv = atlas[layer]
    return channel in fv["channels"] and not fv["failed"][fv["channels"].index(channel)]


def shows_both(study, n):
    """Whether a vertex of both graphs has both models' renders."""
    a, b = atlases(study)
    return (n["membership"] == "both" and rendered(a, n["layer"], n["channel"])
            and rendered(b, n["b_layer"], n["b_channel"]))


def featvis_row(entry, channel):
    """Where a channel's render is in a layer's featvis atlas (study.json format)."""
    row = entry["channels"].index(channel)
    return f"0 {row * entry['size']} {entry['size']} {entry['size']}"


def test_the_toggle_draws_both_models_graphs_as_one(page, site, artifacts):
    errors = open_site(page, site[0], "#class=0")
    study, graph, record, merged = shipped(site[1], 0)
    toggle = page.locator("#models-control")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text(f"Compare with {LABELS[1]}")
    assert toggle.get_attribute("title").startswith(f"A = {MODEL_NAMES[0]}, B = {MODEL_NAMES[1]}.")
    expect(page.locator(TOGGLE)).not_to_be_checked()
    expect(page.locator(NODES)).to_have_count(len(graph["nodes"]))
    page.locator(TOGGLE).check()
    assert "models=1" in page.url
    want = {m: sum(n["membership"] == m for n in merged["nodes"]) for m in ("a", "b", "both")}
    assert all(want.values())  # the fixture has vertices of each kind
    for membership, k in want.items():
        expect(page.locator(f'{NODES}[data-membership="{membership}"]')).to_have_count(k)
    expect(page.locator(NODES)).to_have_count(len(merged["nodes"]))
    expect(page.locator("#graph-svg g.edge:not(.leaving)")).to_have_count(len(merged["edges"]))
    unmatched = [n["id"] for n in merged["nodes"] if ":b" in n["id"]]
    assert unmatched and all(
        page.locator(f'{NODES}[data-id="{i}"]').get_attribute("data-membership") == "b"
        for i in unmatched)
    # the legend names the models and counts the kinds; the tally states what B keeps
    legend = page.locator("#compare-legend")
    expect(legend).to_be_visible()
    expect(legend).to_have_text(re.compile(
        rf"^\s*{re.escape(LABELS[0])} only \({want['a']}\)"
        rf"\s+{re.escape(LABELS[1])} only \({want['b']}\)"
        rf"\s+both: each half its model's render \({want['both']}\)\s*$"))
    stats = page.locator("#graph-stats")
    expect(stats).to_contain_text(f"{len(merged['nodes'])} vertices · {len(merged['edges'])} edges")
    spread = record["stability"]["conserved"]
    assert spread["p5"] <= spread["p95"]
    kept = stats.locator(".kept")
    expect(kept).to_have_text(re.compile(
        rf"^ · {re.escape(LABELS[1])} keeps [\d.]+% \(resamples [\d.]+%–[\d.]+%\) of "
        rf"{re.escape(LABELS[0])}'s vertices, [\d.]+% of its edges$"))
    assert shares(kept.text_content()) == pytest.approx(
        [record["conserved"]["vertices"], spread["p5"], spread["p95"],
         record["conserved"]["edges"]], abs=0.0006)  # one decimal of a percentage
    # the graphs as configured: no share slider; B's renamed layers beside the rows
    expect(page.locator("#share-control")).to_be_hidden()
    renamed = [x for x in study["models"]["layers"] if x["b_layer"] != x["layer"]]
    assert renamed
    labels = page.locator("#graph-svg text.row-b").evaluate_all(
        "ts => ts.map(t => t.firstChild?.nodeValue ?? '')")
    assert sorted(x for x in labels if x) == sorted(f"↔ {x['b_layer']}" for x in renamed)
    # switched off: the class's graph alone again
    page.locator(TOGGLE).uncheck()
    expect(page.locator(NODES)).to_have_count(len(graph["nodes"]))
    expect(legend).to_be_hidden()
    expect(page.locator("#legend-a-n")).to_have_text("")
    assert "models=1" not in page.url
    expect(page.locator("#share-control")).to_be_visible()
    assert errors == []


def test_a_matched_pair_shows_both_renders_and_a_vertex_of_b_its_own(page, site):
    errors = compare_models(page, site)
    study, _, _, merged = shipped(site[1], 0)
    a_atlas, b_atlas = atlases(study)
    pair = next(n for n in merged["nodes"] if shows_both(study, n))
    node = page.locator(f'{NODES}[data-id="{pair["id"]}"]')
    expect(node).to_have_class(re.compile(r"\bhas-image\b"))
    r = float(node.locator("circle").get_attribute("r"))
    left = pattern(page, node.locator("circle").evaluate("c => c.style.fill"))
    assert left["href"] == f"data/featvis/{pair['layer']}.png"
    assert left["viewBox"] == featvis_row(a_atlas[pair["layer"]], pair["channel"])
    half = node.locator("path.half-image")
    right = pattern(page, half.evaluate("p => p.style.fill"))
    assert right["href"] == f"data/models/featvis/{pair['b_layer']}.png"
    assert right["viewBox"] == featvis_row(b_atlas[pair["b_layer"]], pair["b_channel"])
    # B's pattern spans the whole disc and the half-disc (x ≥ 0) shows its right half
    assert right["units"] == "userSpaceOnUse"
    assert float(right["x"]) == pytest.approx(-r) and float(right["width"]) == pytest.approx(2 * r)
    box = half.evaluate("p => { const b = p.getBBox(); return [b.x, b.width, b.height]; }")
    assert box == pytest.approx([0, r, 2 * r], abs=0.01)
    assert node.locator("text").text_content() == ""  # images, no label

    # a vertex of B alone, unmatched: B's render of its own channel; it selects nothing
    alone = next(n for n in merged["nodes"] if ":b" in n["id"]
                 and rendered(b_atlas, n["b_layer"], n["b_channel"]))
    node = page.locator(f'{NODES}[data-id="{alone["id"]}"]')
    own = pattern(page, node.locator("circle").evaluate("c => c.style.fill"))
    assert own["href"] == f"data/models/featvis/{alone['b_layer']}.png"
    assert own["viewBox"] == featvis_row(b_atlas[alone["b_layer"]], alone["b_channel"])
    assert node.locator("path.half-image").get_attribute("d") is None
    expect(node).to_have_attribute("aria-disabled", "true")
    node.click(force=True)  # aria-disabled: a user's click, not a channel's button
    page.wait_for_timeout(200)
    assert "channel=" not in page.url
    expect(page.locator("#channel-empty")).to_be_visible()
    # a vertex of A alone keeps A's render
    mine = next(n for n in merged["nodes"] if n["membership"] == "a"
                and rendered(a_atlas, n["layer"], n["channel"]))
    node = page.locator(f'{NODES}[data-id="{mine["id"]}"]')
    assert pattern(page, node.locator("circle").evaluate("c => c.style.fill"))["href"] == \
        f"data/featvis/{mine['layer']}.png"
    # a matched pair is A's channel: clicking it selects it
    page.locator(f'{NODES}[data-id="{pair["id"]}"]').click()
    expect(page.locator("#channel-body .channel-title")).to_have_text(
        f"{pair['layer']} · channel {pair['channel']}")
    assert errors == []


def test_the_card_of_a_matched_pair_gives_both_channels_and_the_score(page, site):
    errors = compare_models(page, site, "#class=1")
    study, _, _, merged = shipped(site[1], 1)
    pair = next(n for n in merged["nodes"] if shows_both(study, n)
                and n["b_layer"] != n["layer"])  # of a layer B names its own way
    page.locator(f'{NODES}[data-id="{pair["id"]}"]').hover()
    tip = page.locator("#tooltip")
    expect(tip).to_be_visible()

    def row(key):
        return tip.locator(".tt-row", has=page.locator(".tt-key", has_text=re.compile(
            f"^{re.escape(key)}$"))).locator(".tt-val")

    expect(tip.locator(".tt-title")).to_have_text(f"{pair['layer']} · channel {pair['channel']}")
    expect(row("in")).to_have_text("both models")
    expect(row(f"{LABELS[0]} channel")).to_have_text(f"{pair['layer']}:{pair['channel']}")
    expect(row(f"{LABELS[1]} channel")).to_have_text(
        f"{pair['b_layer']}:{pair['b_channel']}")
    expect(row("match score")).to_have_text(f"{pair['score']:.2f}")
    expect(row(f"count in {LABELS[1]}")).to_have_text(str(pair["counts"]["b"]))
    expect(tip.locator(".tt-featvis")).to_have_count(2)  # A's renders, then B's
    assert tip.locator(".tt-featvis").evaluate_all("s => s.map(x => x.dataset.model)") == \
        ["a", "b"]
    page.mouse.move(5, 5)
    alone = next(n for n in merged["nodes"] if ":b" in n["id"])
    page.locator(f'{NODES}[data-id="{alone["id"]}"]').hover()
    expect(tip.locator(".tt-title")).to_have_text(
        f"{alone['b_layer']} · channel {alone['b_channel']} of {LABELS[1]}")
    expect(row("match score")).to_have_text("unmatched")
    expect(row(f"{LABELS[0]} channel")).to_have_text("– (unmatched)")
    assert errors == []


def test_comparing_models_and_comparing_classes_exclude_each_other(page, site):
    errors = compare_models(page, site, "#class=0")
    page.select_option("#compare-select", "3")
    expect(page.locator(TOGGLE)).not_to_be_checked()
    expect(page.locator("#legend-b")).to_have_text(TRICKY_NAMES[3])
    assert "compare=3" in page.url and "models=1" not in page.url
    expect(page.locator(f'{NODES}[data-membership="both"]').first).to_be_attached()
    page.locator(TOGGLE).check()
    assert page.locator("#compare-select").input_value() == ""
    assert "compare=" not in page.url and "models=1" in page.url
    expect(page.locator("#legend-b")).to_have_text(LABELS[1])
    # the URL restores it; a comparison class in the URL wins
    page.goto(site[0] + "#class=2&models=1")
    expect(page.locator(TOGGLE)).to_be_checked()
    expect(page.locator("#graph-class")).to_contain_text(" vs ".join(LABELS))
    page.goto(site[0] + "#class=2&compare=5&models=1")
    expect(page.locator(TOGGLE)).not_to_be_checked()
    expect(page.locator("#graph-class")).to_contain_text(TRICKY_NAMES[5])
    assert errors == []


def test_the_analyses_table_gives_what_b_keeps_and_opens_a_class_compared(page, site, artifacts):
    errors = open_site(page, site[0], "#class=0")
    page.locator("#analyses summary").click()
    section = page.locator("#analyses-body section.analysis",
                           has=page.locator("h3", has_text="Two models"))
    expect(section).to_be_visible()
    heads = section.locator("th").all_text_contents()
    assert "A's graph kept" in heads
    data = page.request.get(site[0] + "data/analyses.json").json()["models"]
    column = heads.index("A's graph kept")
    for c in data["classes"]:
        s = c["conserved_spread"]
        cell = section.locator(f'tr[data-class="{c["id"]}"] td').nth(column)
        expect(cell).to_have_text(re.compile(r"^\d+% \(\d+–\d+%\)$"))
        assert shares(cell.text_content()) == pytest.approx(
            [c["conserved"], s["p5"], s["p95"]], abs=0.0051)  # whole percentages
    assert overflowing(page, "#analyses-body") == []
    section.locator('tr[data-class="4"] .link-button').click()
    expect(page.locator(TOGGLE)).to_be_checked()
    expect(page.locator("#graph-class")).to_contain_text(
        f"{TRICKY_NAMES[4]}: {' vs '.join(LABELS)}")
    assert errors == []


def test_the_comparison_looks_right_and_fits(page, site, artifacts):
    """Screenshots of the comparison (``SCREENSHOT``, and with a matched pair's card beside
    it) for a person to look at; nothing reaches past its panel."""
    errors = compare_models(page, site, "#class=1")
    study, _, _, merged = shipped(site[1], 1)
    page.screenshot(path=SCREENSHOT)
    page.screenshot(path=artifacts / "models.png")
    for section in ("#graph-panel .graph-controls", "#graph-panel .panel-head",
                    "#graph-stats", "#graph-panel"):
        assert overflowing(page, section) == [], section
    pair = next(n for n in merged["nodes"] if shows_both(study, n))
    page.locator(f'{NODES}[data-id="{pair["id"]}"]').hover()
    expect(page.locator("#tooltip .tt-featvis")).to_have_count(2)
    expect(page.locator("#tooltip .tt-density")).to_have_count(1)  # the last to arrive
    page.screenshot(path=SCREENSHOT.replace(".png", "_hover.png"))
    page.screenshot(path=artifacts / "models-hover.png")
    assert errors == []
