"""The claims register: every statement a lesson or guide makes about a library has a test.

A markdown cell that states how Python, the OS or a library behaves lists the statement's id in
its metadata, ``"claims": ["read-csv-blocks-at-least-blocksize"]``. A guide (a Markdown file)
lists them in a comment beside the paragraph, ``<!-- claims: some-id other-id -->``. A test marked
``@pytest.mark.claim("some-id")`` (in ``tests/claims/``) demonstrates the statement on the
installed versions. The checks below fail both ways: an id that no test proves, and a test whose
id no lesson or guide states.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
GUIDES = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
CLAIM_TESTS = sorted((REPO / "tests").rglob("test_*.py"))
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")  # kebab-case, at least two words
GUIDE_COMMENT = re.compile(r"<!--\s*claims:\s*([^>]*?)\s*-->")
MIN_TOTAL, MIN_PER_LESSON = 50, 3


def claims_stated_in_notebook(path: Path) -> dict[str, list[str]]:
    """The claim ids each markdown cell of the notebook at ``path`` lists, by where they stand.

    Example (a notebook of two cells, the second stating one claim):
        >>> import tempfile
        >>> cells = [{"cell_type": "markdown", "metadata": {}, "source": "Hi"},
        ...          {"cell_type": "markdown", "metadata": {"claims": ["a-b"]}, "source": "A."}]
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     nb = Path(folder) / "01_x.ipynb"
        ...     _ = nb.write_text(json.dumps({"cells": cells}))
        ...     claims_stated_in_notebook(nb)
        {'a-b': ['01_x.ipynb cell 1']}
    """
    found: dict[str, list[str]] = {}
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        for claim in cell.get("metadata", {}).get("claims", []):
            found.setdefault(claim, []).append(f"{path.name} cell {index}")
    return found


def claims_stated_in_guide(path: Path) -> dict[str, list[str]]:
    """The claim ids the ``<!-- claims: ... -->`` comments of a Markdown guide list.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     guide = Path(folder) / "guide.md"
        ...     _ = guide.write_text("Text.\\n<!-- claims: a-b c-d -->\\n")
        ...     claims_stated_in_guide(guide)
        {'a-b': ['guide.md line 2'], 'c-d': ['guide.md line 2']}
    """
    found: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in GUIDE_COMMENT.finditer(line):
            for claim in match.group(1).replace(",", " ").split():
                found.setdefault(claim, []).append(f"{path.name} line {number}")
    return found


def claims_tested_in(path: Path) -> dict[str, list[str]]:
    """The ids of the ``pytest.mark.claim("...")`` marks in the test module at ``path``.

    Example:
        >>> import tempfile
        >>> code = 'import pytest\\n@pytest.mark.claim("a-b")\\ndef test_x():\\n    pass\\n'
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     module = Path(folder) / "test_x.py"
        ...     _ = module.write_text(code)
        ...     claims_tested_in(module)
        {'a-b': ['test_x.py line 2']}
    """
    found: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "claim"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "mark"
        ):
            for arg in node.args:
                value = arg.value if isinstance(arg, ast.Constant) else repr(ast.unparse(arg))
                found.setdefault(str(value), []).append(f"{path.name} line {node.lineno}")
    return found


def merged(maps: Iterable[dict[str, list[str]]]) -> dict[str, list[str]]:
    """One map from several, the places of an id joined.

    Example:
        >>> merged([{"a-b": ["x"]}, {"a-b": ["y"], "c-d": ["z"]}])
        {'a-b': ['x', 'y'], 'c-d': ['z']}
    """
    result: dict[str, list[str]] = {}
    for one in maps:
        for key, places in one.items():
            result.setdefault(key, []).extend(places)
    return result


STATED = merged([*map(claims_stated_in_notebook, LESSONS), *map(claims_stated_in_guide, GUIDES)])
TESTED = merged(map(claims_tested_in, CLAIM_TESTS))


def test_every_stated_claim_has_a_test():
    untested = {claim: places for claim, places in STATED.items() if claim not in TESTED}
    assert untested == {}, f"claims no test marked @pytest.mark.claim proves: {untested}"


def test_every_claim_test_proves_a_stated_claim():
    unstated = {claim: places for claim, places in TESTED.items() if claim not in STATED}
    assert unstated == {}, f"claim tests whose id no lesson or guide states: {unstated}"


def test_claim_ids_are_kebab_case():
    bad = sorted(claim for claim in {*STATED, *TESTED} if not ID.match(claim))
    assert bad == [], f"claim ids must be kebab-case words (like read-csv-blocks): {bad}"


def test_only_markdown_cells_state_claims():
    code_cells = [
        f"{path.name} cell {index}"
        for path in LESSONS
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"])
        if cell["cell_type"] != "markdown" and "claims" in cell.get("metadata", {})
    ]
    assert code_cells == [], f"claims belong on the markdown cell that states them: {code_cells}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_lesson_states_claims(lesson):
    stated = claims_stated_in_notebook(lesson)
    assert len(stated) >= MIN_PER_LESSON, f"{lesson.name} states {len(stated)} claims"


def test_the_register_is_not_empty():
    assert len(STATED) >= MIN_TOTAL, f"{len(STATED)} claims registered, fewer than {MIN_TOTAL}"


def test_the_checks_see_a_missing_test_and_a_missing_statement(tmp_path):
    cells = [{"cell_type": "markdown", "metadata": {"claims": ["only-stated"]}, "source": "A."}]
    (tmp_path / "01_x.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    test = 'import pytest\n\n@pytest.mark.claim("only-tested")\ndef test_y():\n    assert 1\n'
    (tmp_path / "test_y.py").write_text(test, encoding="utf-8")
    stated = claims_stated_in_notebook(tmp_path / "01_x.ipynb")
    tested = claims_tested_in(tmp_path / "test_y.py")
    assert set(stated) - set(tested) == {"only-stated"}
    assert set(tested) - set(stated) == {"only-tested"}
