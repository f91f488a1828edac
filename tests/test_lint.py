"""The code style is part of the suite: ruff over the package, tests, benchmarks and notebooks."""

import collections
import subprocess
import sys
from pathlib import Path

from support import REPO

RUFF = Path(sys.executable).with_name("ruff")
TARGETS = [
    p
    for p in (
        "chapter05_helpers",
        "tests",
        "tools",
        "benchmarks",
        "notebooks",
        "docs/conf.py",
        "binder",
        "noxfile.py",
    )
    if (REPO / p).exists()
]


def test_ruff_check():
    result = subprocess.run([RUFF, "check", *TARGETS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = subprocess.run(
        [RUFF, "format", "--check", *TARGETS], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_test_files_have_unique_names():
    """pytest imports test files by basename: two files with one name stop collection."""
    names = collections.Counter(path.name for path in REPO.joinpath("tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
