"""A study of many dotted layers, as `layers: auto` gives for torchvision's MobileNetV3-small
(features.1 … features.11): the layer map, the Evidence rows and the few-channel table name
each layer readably (features.11 → 11, the whole name in the tooltip) where the whole names
were all cut to "fe…" or pushed the table past the panel; the graph keeps the whole names."""

from __future__ import annotations

import pytest

from tests.browser.conftest import BROWSER, published
from tests.browser.test_site_browser import _open_analyses, expect, open_section
from tests.fixtures.study import make_study

pytestmark = BROWSER

LAYERS = [(f"features.{i}", c) for i, c in
          enumerate([16, 24, 24, 40, 40, 40, 48, 48, 96, 96, 96], start=1)]
NAMES = [name for name, _ in LAYERS]
SHORT = [name.removeprefix("features.") for name in NAMES]
PANEL = '#class-panels [data-panel="faithfulness"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("many_layers")
    p, files = make_study(root / "study", [f"class {i}" for i in range(6)], LAYERS,
                          panel=False, faithfulness=True)
    yield from published(p, files, root)


def test_the_layer_map_and_the_evidence_name_every_layer_readably(page, site, artifacts):
    errors = open_section(page, site[0], "#class=1", f"{PANEL} .evidence")
    boxes = page.locator("#layer-map button")
    expect(boxes.locator(".layer-name")).to_have_text(SHORT)
    for box, name in zip(boxes.all(), NAMES, strict=True):
        assert box.get_attribute("title").startswith(f"{name}:")
        label = box.locator(".layer-name")
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), name  # not cut
    expect(page.locator("#graph-svg text.row-label")).to_have_count(len(NAMES))
    assert set(page.locator("#graph-svg text.row-label").all_text_contents()) == set(NAMES)
    for chart in (".ev-ablation", ".ev-sufficiency"):
        rows = page.locator(f"{PANEL} {chart} .ev-row")
        expect(rows).to_have_count(len(NAMES) + 1)
        for row, name, short in zip(rows.all(), [*NAMES, "all"], [*SHORT, "all"], strict=True):
            assert row.get_attribute("data-scope") == name
            label = row.locator(".ev-row-label")
            assert label.evaluate("e => e.firstChild.textContent") == short
            if name != "all":
                expect(label.locator("title")).to_have_text(name)
    page.set_viewport_size({"width": 1280, "height": 3200})
    page.wait_for_timeout(200)
    page.locator(PANEL).screenshot(path=artifacts / "many_layers_evidence.png")
    assert errors == []


def test_the_few_channel_table_fits_the_analyses_panel(page, site, artifacts):
    errors = _open_analyses(page, site[0])
    section = page.locator("#analyses-body section.analysis",
                           has=page.locator("h3", has_text="Few-channel"))
    heads = section.locator("thead th")
    expect(heads).to_have_text(["Class", *SHORT, "Model"])
    for i, name in enumerate(NAMES, start=1):
        assert heads.nth(i).get_attribute("title") == name
    expect(section.locator("p.hint").first).to_contain_text("(features.1 … features.11)")
    body = page.locator("#analyses-body")
    assert body.evaluate("e => e.scrollWidth <= e.clientWidth")  # no sideways scrolling
    section.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "many_layers_analyses.png")
    assert errors == []
