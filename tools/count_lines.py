"""Maintainers' tool: the lesson package's size beside the notebooks' code, counted the same way.

Both sides count non-blank lines of Python, comments and docstrings included: every
``chapter05_helpers/*.py`` file, and every code cell of ``notebooks/*.ipynb``. The design
rule: the package is no bigger than the notebooks' code.

    python tools/count_lines.py

Example:
    >>> count_python("x = 1\\n\\n# a comment\\n")
    2
"""

from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def count_python(text: str) -> int:
    """Non-blank lines of ``text``."""
    return sum(1 for line in text.splitlines() if line.strip())


def package_lines(folder: Path = REPO_ROOT / "chapter05_helpers") -> int:
    """Non-blank lines of the package's modules."""
    return sum(count_python(p.read_text(encoding="utf-8")) for p in folder.glob("*.py"))


def notebook_code_lines(folder: Path = REPO_ROOT / "notebooks") -> int:
    """Non-blank lines of the notebooks' code cells."""
    total = 0
    for path in folder.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                total += count_python("".join(cell["source"]))
    return total


if __name__ == "__main__":
    package, notebooks = package_lines(), notebook_code_lines()
    print(f"package: {package} non-blank lines; notebooks' code cells: {notebooks}")
    raise SystemExit(0 if package <= notebooks else 1)
