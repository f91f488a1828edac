"""The shape of the lessons: short notebooks and cells, a short setup, nothing about the tests."""

from __future__ import annotations

import re

import nbformat
import pytest
from support import NOTEBOOKS

LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))
MAX_CELLS, MAX_SETUP_LINES, MAX_CODE_LINES = 50, 12, 25
# Words that belong to the maintainers, not to a lesson.
MAINTAINER_TALK = re.compile(
    r"\btest suite\b|\bthe tests\b|\bnbval\b|\bpytest\b|(?-i:\bCI\b)|\bstored outputs?\b|\bsanitiz",
    re.I,
)


def lines(cell) -> int:
    return len(cell.source.strip().splitlines())


def is_hidden_solution(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


@pytest.fixture(params=LESSONS, ids=lambda p: p.name)
def lesson(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_lessons():
    assert len(LESSONS) >= 5


def test_at_most_50_cells(lesson):
    path, nb = lesson
    assert len(nb.cells) <= MAX_CELLS, f"{path.name} has {len(nb.cells)} cells"


def test_a_short_setup_cell_after_the_opening(lesson):
    path, nb = lesson
    assert nb.cells[0].cell_type == "markdown", f"{path.name} opens with code"
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert lines(setup) <= MAX_SETUP_LINES, f"{path.name}: a setup cell of {lines(setup)} lines"


def test_no_long_code_cell_but_hidden_solutions(lesson):
    path, nb = lesson
    long = [
        (i, lines(c))
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and lines(c) > MAX_CODE_LINES and not is_hidden_solution(c)
    ]
    assert long == [], f"{path.name}: code cells (index, lines) over {MAX_CODE_LINES} lines: {long}"


def test_hidden_solutions_are_hidden_in_jupyterlab_and_on_the_site(lesson):
    path, nb = lesson
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# Solution"):
            assert is_hidden_solution(cell), f"{path.name} cell {i}: a solution shown in JupyterLab"
            assert "hide-input" in cell.metadata.get("tags", []), f"{path.name} cell {i}"


def test_no_word_about_the_tests_in_a_lesson(lesson):
    path, nb = lesson
    found = [
        (i, m.group(0))
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        for m in MAINTAINER_TALK.finditer(c.source)
    ]
    assert found == [], f"{path.name} speaks to maintainers (cell, words): {found}"


def test_the_checks_catch_what_they_look_for():
    long_cell = nbformat.v4.new_code_cell("\n".join(["x = 1"] * 26))
    assert lines(long_cell) > MAX_CODE_LINES and not is_hidden_solution(long_cell)
    assert MAINTAINER_TALK.search("So the test suite does not compare this output.")
    assert MAINTAINER_TALK.search("CI compares the stored output.")
    assert not MAINTAINER_TALK.search("Score it on the test half, at `ci` or at `demo`.")
