"""The course's face: a short README whose links resolve, guides without history, a license."""

from __future__ import annotations

import re

import pytest
from support import REPO

GUIDES = [
    "README.md",
    "README.zh-CN.md",
    "CONTRIBUTING.md",
    "docs/instructors.md",
    "benchmarks/README.md",
]
# History belongs in git, not in what a reader reads: commit hashes, issue numbers, review dates.
HISTORY = re.compile(
    r"\bcommit [0-9a-f]{7,40}\b|\bissue #?\d+\b|#\d{2,}\b|\bcourse review\b|\b20\d\d-\d\d-\d\d\b"
)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def relative_links(text: str) -> list[str]:
    """The link targets of a Markdown text that point inside the repository.

    >>> relative_links("[a](docs/x.md) [b](https://example.org) [c](y.md#part)")
    ['docs/x.md', 'y.md']
    """
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_the_readme_is_short_and_links_the_guides():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 120
    links = relative_links(text)
    for guide in ("docs/instructors.md", "CONTRIBUTING.md", "benchmarks/README.md", "LICENSE"):
        assert guide in links, f"the README does not link {guide}"
    assert "make run" in text and "make test" in text


@pytest.mark.parametrize("guide", GUIDES)
def test_every_relative_link_resolves(guide):
    page = REPO / guide
    missing = [
        t
        for t in relative_links(page.read_text(encoding="utf-8"))
        if not (page.parent / t).exists()
    ]
    assert missing == [], f"{guide} links files that do not exist: {missing}"


@pytest.mark.parametrize("guide", GUIDES)
def test_no_history_in_the_guides(guide):
    found = HISTORY.findall((REPO / guide).read_text(encoding="utf-8"))
    assert found == [], f"{guide} carries history (move it to the commit messages): {found}"


def test_history_is_recognised():
    assert HISTORY.findall("as in commit 13f8152, see issue 11 (course review, 2026-11-27)")


def test_the_license_covers_code_prose_and_figures():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "CC BY 4.0" in text
    assert 'license = { text = "MIT" }' in (REPO / "pyproject.toml").read_text(encoding="utf-8")
