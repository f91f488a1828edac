"""The course site in a real browser: built from the twins' stored outputs, no execution.

``site/build.py --no-run`` builds the site from tests/notebooks/ (the outputs of a ``ci`` run) into
a temporary folder, which a server on 127.0.0.1 serves. Debian's Chromium, driven by Playwright,
opens every page and checks that

- it loads with no console error, and asks for nothing outside this machine;
- every image shows, and every link inside the site reaches a page (and its anchor);
- each notebook page has the Binder and JupyterHub launch buttons for its notebook, and a link to
  the next page in the course's order;
- the search page finds ``delayed`` and ``TPOTClassifier`` on their lessons' pages;
- a hidden solution is hidden until its toggle is clicked.

Without /usr/bin/chromium or the playwright package the test skips (in CI it fails).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from support import CHROMIUM, CHROMIUM_ARGS, REPO, TWINS, require_chromium

require_chromium("site test")

from playwright.sync_api import Page, sync_playwright  # noqa: E402

spec = importlib.util.spec_from_file_location("site_build", REPO / "site" / "build.py")
site_build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(site_build)

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HIDDEN = '<details class="admonition hide above-input">'  # myst-nb's toggle for tag hide-input


class Ids(HTMLParser):
    """The ``id`` attributes of a page (the anchors a link may point to)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id" and value)


@functools.cache
def ids_of(page: Path) -> frozenset[str]:
    parser = Ids()
    parser.feed(page.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves files and logs nothing."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict]:
    """The site built from the twins, served on 127.0.0.1 while the tests run."""
    out = tmp_path_factory.mktemp("site") / "html"
    started = time.perf_counter()
    site_build.main(["--no-run", "--executed", str(TWINS), "--out", str(out)])
    seconds = time.perf_counter() - started
    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"root": out, "origin": f"http://127.0.0.1:{server.server_port}", "build_s": seconds}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def open_page(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")


def test_site_in_chromium(site):
    root, origin = site["root"], site["origin"]
    notebooks = [p.stem for p in site_build.notebook_paths(TWINS)]
    pages = sorted(p.relative_to(root).as_posix() for p in root.glob("*.html"))
    assert {"index.html", "instructors.html", "search.html"} <= set(pages)
    assert {f"{stem}.html" for stem in notebooks} <= set(pages)
    problems: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context()

        def only_this_machine(route):
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_this_machine)
        page = context.new_page()
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"{page.url}: console: {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: page error: {e}"))
        try:
            for name in pages:
                open_page(page, f"{origin}/{name}")
                broken = page.eval_on_selector_all(
                    "img",
                    "els => els.filter(i => !(i.complete && i.naturalWidth > 0))"
                    ".map(i => i.getAttribute('src'))",
                )
                problems += [f"{name}: image {src} does not show" for src in broken]
                for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
                    parts = urlsplit(href)
                    if f"{parts.scheme}://{parts.netloc}" != origin:
                        continue  # not a page of the site (another site, a dashboard printed)
                    target = root / unquote(parts.path).lstrip("/")
                    if target.is_dir():
                        target = target / "index.html"
                    if not target.is_file():
                        problems.append(f"{name}: link to {href}: no such page")
                    elif parts.fragment and target.suffix == ".html":
                        if unquote(parts.fragment) not in ids_of(target):
                            problems.append(f"{name}: link to {href}: no such anchor")
                stem = name.removesuffix(".html")
                if stem in notebooks:
                    check_notebook_page(page, stem, notebooks)

            for word, lesson in (("delayed", "03_dask_delayed"), ("TPOTClassifier", "04_tpot")):
                open_page(page, f"{origin}/search.html?q={word}")
                page.locator("#search-results li").first.wait_for(timeout=15_000)
                found = page.eval_on_selector_all(
                    "#search-results li a", "els => els.map(a => a.getAttribute('href'))"
                )
                assert any(href.startswith(lesson) for href in found), (word, found)

            solved = [s for s in notebooks if HIDDEN in (root / f"{s}.html").read_text("utf-8")]
            assert solved, "no page has a hidden solution (tags: hide-input)"
            open_page(page, f"{origin}/{solved[0]}.html")
            toggle = page.locator("details.hide.above-input").first
            code = toggle.locator(".cell_input")
            assert not code.is_visible(), "the solution shows before its toggle is clicked"
            toggle.locator("summary").click()
            code.wait_for(state="visible", timeout=5_000)
        finally:
            browser.close()
    assert outside == [], f"requests outside this machine: {sorted(set(outside))}"
    assert problems == [], "\n".join(problems)
    print(f"site built in {site['build_s']:.1f} s; {len(pages)} pages checked")


def check_notebook_page(page: Page, stem: str, notebooks: list[str]) -> None:
    """Launch buttons for this notebook, and the next lesson linked at the bottom."""
    links = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    path = f"notebooks/{stem}.ipynb"
    binder = [u for u in links if "/v2/gh/" in u and u.endswith(f"urlpath=lab/tree/{path}")]
    hub = [u for u in links if "/hub/user-redirect/git-pull?" in u and f"{path}&" in u]
    assert binder and hub, f"{stem}: launch buttons missing (Binder {binder}, JupyterHub {hub})"
    position = notebooks.index(stem)
    if position + 1 < len(notebooks):
        following = page.locator(".prev-next-area a.right-next").get_attribute("href")
        assert following == f"{notebooks[position + 1]}.html", (stem, following)
