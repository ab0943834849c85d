"""Browser tests: a synthetic site served on 127.0.0.1, driven by Debian's chromium.

They skip, with the reason shown, where /usr/bin/chromium or pytest-playwright is absent.
Screenshots go to ``$SUMMIT_ARTIFACTS`` (default ``test-results/browser``) for CI to keep.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MISSING = ("no /usr/bin/chromium (apt install chromium)" if not CHROMIUM.exists() else
           "pytest-playwright is not installed (pip install -r envs/browser-requirements.txt)"
           if importlib.util.find_spec("pytest_playwright") is None else None)


# Every browser test module's marks (pytest-playwright 0.10's own base_url fixture warns
# under pytest 9).
BROWSER = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures:pytest.PytestRemovedIn10Warning"),
]


LAYERS = [("l1", 16), ("l2", 24), ("l3", 32), ("l4", 40)]  # the synthetic sites' layers


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless chromium against the site")


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.keywords and MISSING:
            item.add_marker(pytest.mark.skip(reason=f"browser test skipped: {MISSING}"))


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def serve(directory: Path):
    """Serve ``directory`` on an ephemeral 127.0.0.1 port; returns (base URL, server)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def published(p: dict, files, root: Path):
    """Write the study's site under ``root/site`` and serve it; yields (URL, site folder)."""
    from summit.render.site import write_site
    from tests.fixtures.study import REPO_SITE

    write_site(p, REPO_SITE, files, root / "site")
    url, server = serve(root / "site")
    yield url, root / "site"
    server.shutdown()


def overflowing(page, selector: str) -> list[str]:
    """The elements of the section ``selector`` reaching past its box's left or right edge."""
    return page.locator(selector).evaluate("""s => {
        const box = s.getBoundingClientRect();
        return [...s.querySelectorAll('*')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5);
        }).map((e) => `${e.tagName}.${e.getAttribute('class')}: ${e.textContent.slice(0, 40)}`);
    }""")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    out = Path(os.environ.get("SUMMIT_ARTIFACTS", "test-results/browser"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """A 12-class, 4-layer synthetic site (names with quotes, unicode and HTML), served."""
    from tests.fixtures.study import TRICKY_NAMES, build_site

    site = build_site(tmp_path_factory.mktemp("site"), TRICKY_NAMES, LAYERS)
    url, server = serve(site)
    yield url
    server.shutdown()
