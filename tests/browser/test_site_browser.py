"""The site in headless chromium: every view reacts to selections, and the URL restores them."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import BROWSER
from tests.fixtures.study import TRAINING_WARNING

pytestmark = BROWSER

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (envs/browser.sh)").expect

NODES = "#graph-svg g.node:not(.leaving)"
SELECTED = "#class-list .class-row.selected .class-name"


def layer_box(page, name):
    return page.locator("#layer-map button", has_text=name)


def open_site(page, site_url, hash_=""):
    """Open the site and wait until the graph is drawn; returns the console errors seen."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site_url + hash_)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector(NODES)
    return errors


def open_section(page, site_url, hash_, *attached):
    """``open_site``, then wait until each selector in ``attached`` is in the page."""
    errors = open_site(page, site_url, hash_)
    for selector in attached:
        expect(page.locator(selector).first).to_be_attached()
    return errors


def selected_name(page):
    return page.locator(SELECTED).text_content()


def test_page_loads_without_errors_and_shows_names_as_text(page, site_url, artifacts):
    errors = open_site(page, site_url)
    page.wait_for_timeout(300)
    assert errors == []
    names = page.locator("#class-list .class-name").all_text_contents()
    assert "<b>html</b>" in names and "<img src=x onerror=alert(1)>" in names
    assert 'Say "cheese"' in names and "Ünïcødé 猫" in names
    assert page.locator("#class-list b, #class-list img, #compare-select b").count() == 0
    assert page.locator("#summary").text_content().count("12") >= 1
    warning = page.locator("#summary .warning")  # the model card's training warning, as text
    expect(warning.locator("dd")).to_have_text(TRAINING_WARNING)
    assert warning.locator("b").count() == 0
    page.screenshot(path=artifacts / "loaded.png")


def test_a_stages_panel_shows_the_selected_classs_record(page, site_url, artifacts):
    errors = open_site(page, site_url)
    panel = page.locator('#class-panels [data-panel="note"]')
    expect(panel.locator("h2")).to_have_text("Note")  # the module's title
    expect(panel.locator("p.note")).to_have_text(re.compile(r"^A note on .+ \(class \d+\)$"))
    page.locator("#class-list .class-name", has_text="<b>html</b>").click()
    expect(panel.locator("p.note")).to_have_text("A note on <b>html</b> (class 4)")
    assert panel.locator("b").count() == 0  # record text stays text
    panel.screenshot(path=artifacts / "panel.png")
    assert errors == []


def test_provenance_is_shown_as_text(page, site_url):
    open_site(page, site_url)
    page.locator("#provenance summary").click()
    box = page.locator("#provenance-list")
    expect(box).to_be_visible()
    expect(box).to_contain_text("torch 2.14.1")
    expect(box).to_contain_text("Linux <synthetic>")  # markup-like strings stay text
    expect(box).to_contain_text("aaaaaaaaaaaaaaaa")  # weights checksum, shortened


def test_search_selects_a_class(page, site_url):
    open_site(page, site_url)
    page.fill("#class-filter", "ünï")
    expect(page.locator("#class-list li")).to_have_count(1)
    page.press("#class-filter", "Enter")
    expect(page.locator("#graph-class")).to_contain_text("Ünïcødé 猫")
    assert selected_name(page) == "Ünïcødé 猫"
    assert "class=3" in page.url


def test_sorting_by_similarity_and_accuracy(page, site_url):
    open_site(page, site_url, "#class=4")
    page.select_option("#class-sort", "similarity")
    expect(page.locator("#class-list .class-name").first).to_have_text("<b>html</b>")
    assert page.locator("#compare-candidates .chip").count() == 4
    page.select_option("#class-sort", "accuracy-asc")
    acc = [float(t.rstrip("%")) for t in page.locator("#class-list .class-acc").all_text_contents()]
    assert acc == sorted(acc)


def test_clicking_a_dot_selects_it(page, site_url):
    open_site(page, site_url)
    page.locator('#embedding-svg circle.dot[data-index="5"]').click()
    expect(page.locator(SELECTED)).to_have_text("great white shark")
    expect(page.locator("#embedding-svg circle.dot.selected")).to_have_count(1)


def test_switching_layers_moves_dots(page, site_url):
    open_site(page, site_url)
    dots = page.locator("#embedding-svg circle.dot")
    before = dots.evaluate_all("ds => ds.map(d => [d.getAttribute('cx'), d.getAttribute('cy')])")
    layer_box(page, "l1").click()
    expect(layer_box(page, "l1")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(900)  # the 750 ms transition
    after = dots.evaluate_all("ds => ds.map(d => [d.getAttribute('cx'), d.getAttribute('cy')])")
    assert sum(a != b for a, b in zip(before, after, strict=True)) >= 10
    assert "layer=l1" in page.url


def test_count_filter_removes_vertices(page, site_url):
    open_site(page, site_url)
    total = page.locator(NODES).count()
    page.locator("#filter-count").evaluate(
        "el => { el.value = 60; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    expect(page.locator("#filter-count-value")).not_to_have_text("≥ 0")
    page.wait_for_timeout(600)
    kept = page.locator(NODES).count()
    assert 0 < kept < total


def pattern_view(page, node):
    """The viewBox of the pattern that fills a vertex: which atlas image it shows."""
    return node.evaluate("""n => {
        const fill = n.querySelector('circle').style.fill;
        const id = fill.match(/#([^"')]+)/)[1];
        return document.getElementById(id).getAttribute('viewBox');
    }""")


def test_vertices_show_images_and_moving_across_shows_diversity(page, site_url, artifacts):
    open_site(page, site_url)
    page.wait_for_timeout(600)
    node = page.locator(NODES).first
    assert node.evaluate("n => n.classList.contains('has-image')")
    box = node.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.1, y)
    first = pattern_view(page, node)
    page.mouse.move(box["x"] + box["width"] * 0.9, y)
    last = pattern_view(page, node)
    assert first != last and first.split()[1:] == last.split()[1:]  # same row, other image
    expect(page.locator("#tooltip .tt-featvis .sprite.current")).to_have_count(1)
    page.mouse.move(5, 5)
    assert pattern_view(page, node) == first  # back to the render on leaving


def test_hovering_a_vertex_shows_its_examples_and_details(page, site_url, artifacts):
    open_site(page, site_url)
    node = page.locator(NODES).first
    node.hover()
    tip = page.locator("#tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("channel")
    expect(tip.locator(".tt-featvis .sprite")).to_have_count(5)  # render + 4 diversity
    expect(tip.locator(".tt-examples .sprite")).to_have_count(5)
    # the channel's description, as the record words it (the examples' classes among it)
    layer, channel = re.fullmatch(r"(\w+) · channel (\d+)",
                                  tip.locator(".tt-title").text_content()).groups()
    record = page.evaluate("p => fetch(p).then((r) => r.json())",
                           f"data/descriptions/{layer}.json")["channels"][int(channel)]
    assert re.match(r"(fires for .+ % of its [\d,]+ images?\).*; selectivity \d\.\d\d|"
                    r"never among an image's top channels); examples: \d ", record["text"])
    expect(tip.locator(".tt-row.tt-description .tt-val")).to_have_text(record["text"])
    assert tip.locator("b, img").count() == 0  # class names stay text
    expect(tip.locator("svg.density rect.cell").first).to_be_attached()
    assert page.locator("#graph-svg.hovering").count() == 1
    page.screenshot(path=artifacts / "hover.png")
    node.click()
    expect(page.locator("#channel-body .density-row")).to_have_count(4)  # 3 bars + axis
    expect(page.locator("#channel-body .channel-description")).to_have_text(
        f"Measured: {record['text']}.")
    expect(page.locator("#channel-body .featvis .sprite")).to_have_count(5)
    tiles = page.locator("#channel-body .examples .sprite")
    expect(tiles).to_have_count(5)
    assert tiles.first.get_attribute("title").count("·") == 2  # class · image · max
    assert "channel=" in page.url
    page.screenshot(path=artifacts / "channel.png")


def test_comparison_marks_shared_vertices(page, site_url, artifacts):
    open_site(page, site_url, "#class=0")
    expect(page.locator("#compare-legend")).to_be_hidden()
    page.locator("#compare-candidates .chip").first.click()
    expect(page.locator("#compare-legend")).to_be_visible()
    page.wait_for_timeout(600)  # the 450 ms transition
    expect(page.locator('#graph-svg g.node[data-membership="both"]').first).to_be_attached()
    memberships = set(page.locator(NODES).evaluate_all("ns => ns.map(n => n.dataset.membership)"))
    assert "both" in memberships and memberships & {"a", "b"}
    assert re.search(r"compare=\d+", page.url)
    page.screenshot(path=artifacts / "comparison.png")


def test_permalink_restores_the_view_and_back_works(page, site_url, artifacts):
    open_site(page, site_url, "#class=4&layer=l2&compare=1&channel=l3:5")
    assert selected_name(page) == "<b>html</b>"
    expect(layer_box(page, "l2")).to_have_attribute("aria-pressed", "true")
    assert page.locator("#compare-select").input_value() == "1"
    expect(page.locator("#channel-body .channel-title")).to_have_text("l3 · channel 5")
    page.screenshot(path=artifacts / "permalink.png")
    page.locator("#class-list .class-row", has_text="zebra").click()
    expect(page.locator("#graph-class")).to_contain_text("zebra")
    page.go_back()
    expect(page.locator("#graph-class")).to_contain_text("<b>html</b>")
    assert selected_name(page) == "<b>html</b>"


def _open_analyses(page, site_url, hash_=""):
    errors = open_site(page, site_url, hash_)
    page.locator("#analyses summary").click()
    # "Figures" is drawn at once; the other sections once data/analyses.json has loaded
    expect(page.locator("#analyses-body .analysis h3", has_text="Two models")).to_be_visible()
    return errors


def test_analyses_panel_lists_every_analysis_as_text(page, site_url, artifacts):
    errors = _open_analyses(page, site_url)
    headings = page.locator("#analyses-body h3").all_text_contents()
    for start in ("Figures", "Non-semantic", "Classes whose neighbours", "Most similar",
                  "Motifs", "Few-channel", "Two models"):
        assert any(h.startswith(start) for h in headings), (start, headings)
    body = page.locator("#analyses-body")
    expect(body).to_contain_text("<img src=x onerror=alert(1)>")  # names stay text
    assert page.locator("#analyses-body img, #analyses-body b").count() == 0
    figure = page.locator("#analyses-body a", has_text="Non-semantic channels")
    response = page.request.get(site_url + figure.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "image/png"
    # every finding with its support; one under stability.min_support badged "tentative"
    data = page.request.get(site_url + "data/analyses.json").json()
    for heading in ("Non-semantic", "Classes whose neighbours", "Most similar", "Motifs",
                    "Two models"):
        section = page.locator("#analyses-body section.analysis",
                               has=page.locator("h3", has_text=heading))
        expect(section.locator(".support").first).to_be_visible()
        expect(section.locator("p.hint")).to_contain_text("bootstrap resamples")
    best = data["pairs"]["most_similar"]
    line = page.locator("#analyses-body p.most-similar")
    expect(line).to_contain_text(f"support {best['support']:.2f} (the most similar pair in")
    expect(line.locator(".badge.tentative")).to_have_count(int(best["tentative"]))
    motifs = page.locator("#analyses-body li[data-motif]")
    for i, m in enumerate(data["motifs"]["motifs"][:5]):
        expect(motifs.nth(i)).to_contain_text(f"support {m['support']:.2f}")
        expect(motifs.nth(i).locator(".badge.tentative")).to_have_count(int(m["tentative"]))
    most = data["models"]["changes_most"]
    expect(page.locator("#analyses-body p.changes-most")).to_contain_text(
        f"support {most['support']:.2f} (changes most in")
    badges = page.locator("#analyses-body .badge.tentative")
    assert badges.count() > 0  # the synthetic study has tentative findings
    assert badges.first.get_attribute("title").startswith("Tentative: holds in fewer than 90")
    page.screenshot(path=artifacts / "analyses.png")
    assert errors == []


def test_an_analysis_entry_selects_its_channel_pair_or_motif(page, site_url, artifacts):
    _open_analyses(page, site_url, "#class=0")
    flagged = page.locator("#analyses-body li.flagged .link-button").first
    channel = flagged.text_content()
    flagged.click()
    expect(page.locator("#analyses-body")).to_be_hidden()  # the panel closes
    expect(page.locator("#channel-body .channel-title")).to_contain_text(
        f"channel {channel.split(':')[1]}")
    assert f"channel={channel.replace(':', '%3A')}" in page.url or f"channel={channel}" in page.url

    page.locator("#analyses summary").click()
    motif = page.locator("#analyses-body li[data-motif] .link-button").first
    motif.click()
    page.wait_for_timeout(700)
    expect(page.locator("#highlight-legend")).to_be_visible()
    expect(page.locator("#compare-legend")).to_be_visible()  # the motif's first two classes
    marked = page.locator("#graph-svg g.node.motif:not(.leaving)")
    assert marked.count() > 0
    ids = set(marked.evaluate_all("ns => ns.map(n => n.dataset.id)"))
    listed = page.locator("#analyses-body li[data-motif]").first.text_content()
    assert all(i in listed for i in ids)
    page.screenshot(path=artifacts / "motif.png")
    page.locator("#highlight-clear").click()
    expect(page.locator("#highlight-legend")).to_be_hidden()
    assert page.locator("#graph-svg g.node.motif").count() == 0
