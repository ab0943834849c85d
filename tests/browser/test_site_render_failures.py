"""A failed feature visualization in the site: the vertex is marked, not drawn as a grey
feature, and its card and channel panel say why (the synthetic study has such renders)."""

from __future__ import annotations

import re

from summit.io.artifacts import FeatvisIndex
from tests.browser.conftest import BROWSER
from tests.browser.test_site_browser import NODES, expect, open_site

pytestmark = BROWSER

WHY = re.compile("^render failed: (" + "|".join(map(re.escape, FeatvisIndex.FAILURES.values()))
                 + ")$")


def test_a_failed_render_is_a_hatched_vertex_whose_card_says_why(page, site_url, artifacts):
    errors = open_site(page, site_url, "#class=0")
    page.wait_for_timeout(600)  # the 450 ms transition
    failed = page.locator(f"{NODES}.render-failed")
    expect(failed.first).to_be_attached()
    assert page.locator(f"{NODES}.render-failed.has-image").count() == 0
    expect(page.locator("#graph-stats")).to_contain_text(
        f"· {failed.count()} hatched: render failed")
    node = failed.first
    assert "render-failed-hatch" in node.evaluate("n => n.querySelector('circle').style.fill")
    assert node.get_attribute("aria-label").endswith(", render failed")
    page.screenshot(path=artifacts / "render-failed.png")
    node.hover()
    tip = page.locator("#tooltip")
    expect(tip.locator(".tt-failed")).to_have_text(WHY)
    expect(tip.locator(".tt-featvis")).to_have_count(0)  # no grey strip passing for a feature
    expect(tip.locator(".tt-examples .sprite")).to_have_count(5)  # the examples still show
    page.screenshot(path=artifacts / "render-failed-hover.png")
    node.click()
    panel = page.locator("#channel-body")
    expect(panel.locator(".render-failed")).to_have_text(re.compile("^Feature visualization: "
                                                                    "render failed: "))
    expect(panel.locator(".featvis .sprite")).to_have_count(0)
    expect(panel.locator(".examples .sprite")).to_have_count(5)
    page.screenshot(path=artifacts / "render-failed-channel.png")
    assert errors == []
