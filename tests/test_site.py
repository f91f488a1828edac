"""The course site, in English and in Chinese, in a real browser: built from the twins, run nothing.

Both sites are built once per session with ``docs/conf.py``, as ``make site`` builds them, into
a temporary folder. The twins' outputs (``tests/notebooks/``, a ``ci`` run) go into a fresh
jupyter-cache first: myst-nb finds a notebook's outputs there by its code cells, which are the
twin's, so no notebook is executed. A server on 127.0.0.1 serves the sites, and Debian's
Chromium, driven by Playwright, checks that

- every page of both sites loads with no console error and asks for nothing outside this machine;
- every image shows, every link inside the sites reaches a page (and its anchor), and the
  language link leads to the same page in the other language;
- the English search finds ``delayed`` and ``TPOTClassifier``, the Chinese search 集群 and 延迟,
  each on its lesson's page;
- a hidden solution is hidden until its toggle is clicked.

From the built files it checks the launch buttons and the next lesson on each lesson page, the
course map, the screenshots, links to course files that are not pages, and, on the Chinese site,
that the launch and download buttons give the Chinese notebook (``notebooks/zh_CN/``).
Without /usr/bin/chromium or the playwright package the module skips (in CI it fails).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pytest
from support import CHROMIUM, CHROMIUM_ARGS, REPO, TWINS, require_chromium

NOTEBOOKS = REPO / "notebooks"
CHINESE_NOTEBOOKS = NOTEBOOKS / "zh_CN"
REPOSITORY_URL = "https://github.com/chapter05/course"  # docs/conf.py's default
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HIDDEN = '<details class="admonition hide above-input">'  # myst-nb's toggle for tag hide-input
HAN = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = {"en": "", "zh_CN": "zh_CN/"}  # each site's folder inside the served one
# Sphinx's searchtools.js has listed every result (or none): it writes its summary last.
SEARCH_DONE = "() => document.querySelector('#search-results .search-summary')?.innerText"

pytestmark = pytest.mark.browser

require_chromium("site test")

from playwright.sync_api import Page, sync_playwright  # noqa: E402


def lesson_names() -> list[str]:
    """The course's notebooks, by file name, in the course's order."""
    return sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb"))


def sphinx_build(language: str, out: Path, doctrees: Path, cache: Path) -> str:
    """Build one site as ``make site`` does, with the outputs in ``cache``; return its log."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(REPO / "docs")]
    command += ["-E", "-W", "--keep-going", "-d", str(doctrees)]
    command += ["-D", f"language={language}", "-D", f"nb_execution_cache_path={cache}"]
    done = subprocess.run(
        [*command, str(REPO), str(out)], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert done.returncode == 0, f"the {language} site did not build:\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


def cache_the_twins(folder: Path):
    """A jupyter-cache holding each twin's outputs, matched to its notebook; return it."""
    from jupyter_cache import get_cache

    cache = get_cache(str(folder))
    for name in lesson_names():
        cache.cache_notebook_file(str(TWINS / name), check_validity=False)
        try:
            cache.match_cache_notebook(nbformat.read(NOTEBOOKS / name, as_version=4))
        except KeyError:
            pytest.fail(f"{name}: its twin's code is not the notebook's (make outputs NB=...)")
    return cache


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves files and logs nothing."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[dict]:
    """Both sites, built from the twins and served on 127.0.0.1 while the tests run."""
    tmp = tmp_path_factory.mktemp("site")
    root = tmp / "html"
    cache = cache_the_twins(tmp / "cache")
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:  # two processes: the builds share only the cache
        logs = list(
            pool.map(
                lambda language: sphinx_build(
                    language, root / LANGUAGES[language], tmp / "doctrees" / language, tmp / "cache"
                ),
                LANGUAGES,
            )
        )
    seconds = time.perf_counter() - started
    executed = [record.uri for record in cache.list_project_records()]
    assert executed == [], f"the build executed notebooks instead of using the twins: {executed}"
    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"both sites built from the twins in {seconds:.1f} s")
    try:
        yield {"root": root, "origin": f"http://127.0.0.1:{server.server_port}", "logs": logs}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def browser(site) -> Iterator[dict]:
    """One Chromium page that may reach only this machine, and what went wrong on it."""
    problems: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context()

        def only_this_machine(route) -> None:
            url = route.request.url
            if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", only_this_machine)
        page = context.new_page()
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"{page.url}: console: {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: page error: {e}"))
        try:
            yield {"page": page, "problems": problems, "outside": outside}
        finally:
            chromium.close()


class Tags(HTMLParser):
    """The attributes of every tag of a page, and the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


@functools.cache
def tags_of(page: Path) -> tuple[tuple[str, dict[str, str]], ...]:
    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return tuple(parser.tags)


def ids_of(page: Path) -> set[str]:
    return {attrs["id"] for _, attrs in tags_of(page) if attrs.get("id")}


def hrefs_of(page: Path) -> list[str]:
    return [attrs["href"] for tag, attrs in tags_of(page) if tag == "a" and "href" in attrs]


def pages_of(root: Path) -> list[str]:
    """Every HTML page of a site, relative to its root (the other language's site excluded)."""
    pages = []
    for path in root.rglob("*.html"):
        relative = path.relative_to(root)
        if relative.parts[0] in LANGUAGES or relative.parts[0].startswith("_"):
            continue
        pages.append(relative.as_posix())
    return sorted(pages)


def open_page(page: Page, url: str, until: str = "load") -> None:
    """Open ``url``; what it asks for later is still caught (the route and the listeners stay)."""
    response = page.goto(url, wait_until=until)
    assert response is not None and response.ok, f"{url}: {response and response.status}"


def other_language(language: str, name: str) -> str:
    """Where the same page lives in the other site, relative to the served root."""
    other = "en" if language == "zh_CN" else "zh_CN"
    return LANGUAGES[other] + name


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_loads_offline_and_links_resolve(site, browser, language):
    root, origin = site["root"], site["origin"]
    site_root = root / LANGUAGES[language]
    pages = pages_of(site_root)
    expected = {"index.html", "docs/index.html", "docs/instructors.html", "docs/glossary.html"}
    expected |= {"search.html"} | {f"notebooks/{Path(n).stem}.html" for n in lesson_names()}
    assert expected <= set(pages), sorted(expected - set(pages))
    page, problems = browser["page"], browser["problems"]
    for name in pages:
        if name == "index.html":  # the site's front door sends the reader to the landing page
            open_page(page, f"{origin}/{LANGUAGES[language]}{name}")
            page.wait_for_url(f"{origin}/{LANGUAGES[language]}docs/index.html")
            continue
        open_page(page, f"{origin}/{LANGUAGES[language]}{name}")
        broken = page.eval_on_selector_all(
            "img",
            "els => els.filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.getAttribute('src'))",
        )
        problems += [f"{language} {name}: image {src} does not show" for src in broken]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != origin:
                continue  # not a page of the sites (the repository, a dashboard printed)
            target = root / unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{language} {name}: link to {href}: no such page")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in ids_of(target):
                    problems.append(f"{language} {name}: link to {href}: no such anchor")
        switch = page.locator("a.language-switch").get_attribute("href")
        target = urlsplit(urljoin(page.url, switch)).path.lstrip("/")
        if target != other_language(language, name):
            problems.append(f"{language} {name}: the language link goes to {target}")
    page.wait_for_load_state("networkidle")
    assert browser["outside"] == [], f"requests outside this machine: {browser['outside']}"
    assert problems == [], "\n".join(problems)


def found_by_search(page: Page, origin: str, folder: str, word: str) -> list[str]:
    """The pages the site's search page lists for ``word`` (relative to the site's root)."""
    open_page(page, f"{origin}/{folder}search.html?q={word}", until="networkidle")
    page.wait_for_function(SEARCH_DONE, timeout=15_000)
    return page.eval_on_selector_all(
        "#search-results li a", "els => els.map(a => a.getAttribute('href'))"
    )


@pytest.mark.parametrize(
    ("language", "word", "lesson"),
    [
        ("en", "delayed", "notebooks/03_dask_delayed"),
        ("en", "TPOTClassifier", "notebooks/04_tpot_with_dask"),
        # Chinese words are indexed only with jieba installed; they come from the catalogs.
        ("zh_CN", "集群", "notebooks/04_tpot_with_dask"),
        ("zh_CN", "延迟", "notebooks/03_dask_delayed"),
    ],
)
def test_search_finds_the_lesson(site, browser, language, word, lesson):
    found = found_by_search(browser["page"], site["origin"], LANGUAGES[language], word)
    assert any(href.startswith(lesson) for href in found), (word, found)


def test_a_solution_opens_on_click(site, browser):
    root, page = site["root"], browser["page"]
    solved = [
        Path(n).stem
        for n in lesson_names()
        if HIDDEN in (root / "notebooks" / f"{Path(n).stem}.html").read_text("utf-8")
    ]
    assert solved, "no page has a hidden solution (tag: hide-input)"
    open_page(page, f"{site['origin']}/notebooks/{solved[0]}.html")
    toggle = page.locator("details.hide.above-input").first
    code = toggle.locator(".cell_input")
    assert not code.is_visible(), "the solution shows before its toggle is clicked"
    toggle.locator("summary").click()
    code.wait_for(state="visible", timeout=5_000)


@pytest.mark.parametrize("language", LANGUAGES)
def test_lesson_pages_launch_their_notebook_and_lead_to_the_next(site, language):
    site_root = site["root"] / LANGUAGES[language]
    stems = [Path(n).stem for n in lesson_names()]
    for position, stem in enumerate(stems):
        path = f"notebooks/{LANGUAGES[language]}{stem}.ipynb"  # the Chinese one on that site
        links = hrefs_of(site_root / "notebooks" / f"{stem}.html")
        binder = [u for u in links if "/v2/gh/" in u and u.endswith(f"urlpath=lab/tree/{path}")]
        hub = [u for u in links if "/hub/user-redirect/git-pull?" in u and f"{path}&" in u]
        assert binder and hub, f"{stem}: launch buttons missing (Binder {binder}, hub {hub})"
        following = [
            attrs["href"]
            for tag, attrs in tags_of(site_root / "notebooks" / f"{stem}.html")
            if tag == "a" and "right-next" in attrs.get("class", "")
        ]
        if position + 1 < len(stems):
            assert following == [f"{stems[position + 1]}.html"], (stem, following)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_course_map_lists_every_lesson_in_order(site, language):
    html = (site["root"] / LANGUAGES[language] / "docs" / "index.html").read_text("utf-8")
    course_map = html.split('<div class="toctree-wrapper compound">')[1].split("</div>")[0]
    listed = re.findall(r'href="\.\./notebooks/([^"#]+)\.html"', course_map)
    assert listed == [Path(n).stem for n in lesson_names()]


def test_the_chinese_landing_page_is_translated(site):
    """The catalog locale/zh_CN/LC_MESSAGES/docs/index.po reaches the Chinese site."""
    html = (site["root"] / "zh_CN" / "docs" / "index.html").read_text("utf-8")
    title = re.search(r"<h1>(.*?)<", html, re.S).group(1)
    assert HAN.search(title), f"the Chinese landing page's title is {title!r}"
    assert '<html lang="zh-CN"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_download_button_gives_the_notebook_in_the_page_language(site, language):
    site_root = site["root"] / LANGUAGES[language]
    for name in lesson_names():
        page = site_root / "notebooks" / f"{Path(name).stem}.html"
        downloads = [h for h in hrefs_of(page) if h.endswith(f"_sources/notebooks/{name}")]
        assert downloads, f"{language} {name}: no download button for the notebook"
        served = (page.parent / downloads[0]).resolve()
        source = CHINESE_NOTEBOOKS / name if language == "zh_CN" else NOTEBOOKS / name
        assert source.is_file(), f"{source.relative_to(REPO)} is missing"
        assert served.read_bytes() == source.read_bytes(), f"{language} {name}: another notebook"
    if language == "zh_CN":
        cells = json.loads(served.read_text("utf-8"))["cells"]
        prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert HAN.search(prose), f"{served.name}: the Chinese notebook has no Chinese prose"


def test_links_to_course_files_go_to_the_repository(site):
    """A notebook's link to a course file that is not a page opens it in the repository."""
    page = site["root"] / "notebooks" / "02b_optional_memory_and_clusters.html"
    assert f"{REPOSITORY_URL}/blob/main/benchmarks/README.md" in hrefs_of(page)


def test_chinese_search_gets_jieba_when_warnings_are_errors():
    """jieba imports pkg_resources, which warns that it is deprecated. docs/conf.py imports jieba
    quietly first, so Sphinx's Chinese search still segments words when warnings are errors."""
    code = "import runpy; runpy.run_path('docs/conf.py'); import sphinx.search.zh as zh\n"
    code += "assert zh.JIEBA_DEFAULT_DICT, 'no jieba: Chinese words are not indexed'"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_landing_page_shows_the_screenshots_this_machine_has(site):
    """Each screenshot the landing page names shows when build/screenshots/ holds it."""
    names = re.findall(r"```\{screenshot\} (\S+)", (REPO / "docs" / "index.md").read_text())
    assert names, "the landing page names no screenshot"
    html = (site["root"] / "docs" / "index.html").read_text("utf-8")
    for name in names:
        present = (REPO / "build" / "screenshots" / name).is_file()
        assert (f'src="../_images/{name}"' in html) == present, (name, present)


def test_sphinx_still_needs_the_chinese_stemmer_shim(site):
    """Sentinel: Sphinx 9.0's Chinese search names a stemmer it does not define.

    docs/_static/chinese-search.js defines it. When this fails, Sphinx defines the stemmer
    itself: delete that file and chinese_search_stemmer() in docs/conf.py, and this test.
    """
    data = (site["root"] / "zh_CN" / "_static" / "language_data.js").read_text("utf-8")
    assert "window.Stemmer = ChineseStemmer;" in data
    assert "var ChineseStemmer" not in data and "ChineseStemmer=" not in data
