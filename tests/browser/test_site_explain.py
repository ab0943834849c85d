"""Images explained in the site: the Images section (site/js/panels/explain.js) on
synthetic records, opening an image (its marks on the class graph, its own channels outside
the class graph drawn pale, the URL's `image=`), the permalink, the comparison with the
predicted class, another class closing it, and the channel panel's list opening an image."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import BROWSER, LAYERS, overflowing, published
from tests.browser.test_site_browser import NODES, expect, open_section
from tests.fixtures.study import TRICKY_NAMES, make_study

pytestmark = BROWSER

PANEL = '#class-panels [data-panel="explain"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The 12-class synthetic site with explained images; returns (URL, site folder)."""
    root = tmp_path_factory.mktemp("explain")
    p, files = make_study(root / "study", TRICKY_NAMES, LAYERS, panel=False,
                          with_analyses=False, stability=False, explained=True)
    yield from published(p, files, root)


def record(site_dir, cid):
    return json.loads((site_dir / f"data/panels/explain/{cid}.json").read_text())


def test_opening_an_image_marks_its_graph_and_the_url(page, site, artifacts):
    errors = open_section(page, site[0], "#class=0", f"{PANEL} .ex-thumb")
    r = record(site[1], 0)
    panel = page.locator(PANEL)
    expect(panel.locator("h2")).to_have_text("Images")
    expect(panel.locator(".ex-head")).to_have_text("4 images explained of 600 (120 misclassified)")
    expect(panel.locator(".ex-thumb")).to_have_count(4)
    assert page.locator(f"{NODES}[data-arc]").count() == 0  # nothing open: no marks
    first = r["images"][0]
    panel.locator(f'.ex-thumb[data-image="{first["index"]}"]').click()
    expect(panel.locator(".ex-detail")).to_have_attribute("data-image", str(first["index"]))
    assert f"image={first['index']}" in page.evaluate("location.hash")
    expect(panel.locator(".ex-title")).to_contain_text(f"Image #{first['index']}")
    own = {n["id"] for n in first["graph"]["nodes"]}
    drawn = page.locator(NODES).evaluate_all(
        "ns => ns.map(n => [n.__data__.id, n.getAttribute('data-mark')])")
    lacking = {i for i, mark in drawn if mark == "not in this image"}
    assert lacking and not lacking & own
    assert lacking <= set(first["true_class"]["lacks"]) | set(first["true_class"]["class_only"])
    study = json.loads((site[1] / "data/study.json").read_text())
    graph = json.loads((site[1] / study["classes"][0]["graph"]).read_text())
    extra = own - {n["id"] for n in graph["nodes"]}
    assert extra  # the fixture gives each image channels of its own
    pale = {i for i, c in page.locator(NODES).evaluate_all(
        "ns => ns.map(n => [n.__data__.id, n.getAttribute('class')])") if "beyond" in c}
    assert extra <= pale
    pulls = panel.locator(".ex-chips.pulls li")
    expect(pulls).to_have_count(min(len(first["pulls"]), 16))
    expect(panel.locator(".ex-evidence p")).to_contain_text("the prediction")
    assert overflowing(page, PANEL) == []
    page.screenshot(path=artifacts / "explain_opened.png", full_page=True)
    assert errors == []


def test_the_permalink_opens_the_image_and_another_class_closes_it(page, site):
    r = record(site[1], 3)
    im = r["images"][1]
    errors = open_section(page, site[0], f"#class=3&image={im['index']}", f"{PANEL} .ex-detail")
    expect(page.locator(f"{PANEL} .ex-detail")).to_have_attribute("data-image", str(im["index"]))
    page.locator(f"{PANEL} .ex-compare").click()  # misclassified: compare with the prediction
    assert f"compare={im['predicted']}" in page.evaluate("location.hash")
    assert f"image={im['index']}" in page.evaluate("location.hash")  # still open
    page.evaluate("location.hash = '#class=4'")
    expect(page.locator(f"{PANEL} .ex-detail")).to_have_count(0)
    assert "image=" not in page.evaluate("location.hash")
    assert errors == []


def test_the_channel_panel_lists_the_misclassified_images_and_opens_one(page, site):
    r = record(site[1], 2)
    wrong = [im for im in r["images"] if im["predicted"] != im["label"]]
    channel = wrong[1]["activation_set"][0]
    errors = open_section(page, site[0], f"#class=2&channel={channel}",
                          "#channel-body .ex-open")
    buttons = page.locator("#channel-body .ex-open")
    expect(buttons).to_have_count(len(wrong))
    active = [im["index"] for im in wrong if channel in im["activation_set"]]
    expect(page.locator("#channel-body .ex-open:not(.inactive)")).to_have_count(len(active))
    assert buttons.first.get_attribute("data-image") == str(active[0])
    buttons.first.click()
    expect(page.locator(f"{PANEL} .ex-detail")).to_have_attribute("data-image", str(active[0]))
    assert f"image={active[0]}" in page.evaluate("location.hash")
    assert errors == []
