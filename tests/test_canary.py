"""The canary's report (noxfile.py): versions from `pip freeze`, failures from JUnit XML."""

import doctest
import subprocess
import sys

import pytest
from support import write_notebook

import noxfile


def test_the_noxfiles_examples():
    assert doctest.testmod(noxfile).failed == 0


def junit_of(tmp_path, *pytest_args):
    """Run pytest over ``tmp_path`` alone (not the course's settings); its JUnit XML report."""
    junit = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "pytest", *pytest_args, f"--junitxml={junit}"]
    subprocess.run([*command, "-p", "no:cacheprovider", str(tmp_path)], cwd=tmp_path, check=False)
    return junit


def test_each_failure_error_and_skip_is_named_with_its_error(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n"
        "def test_fine(): pass\n\n"
        "def test_wrong(): assert 6 * 7 == 43\n\n"
        "@pytest.fixture\ndef broken(): raise KeyError('no data')\n\n"
        "def test_broken(broken): pass\n\n"
        "@pytest.mark.skip(reason='no browser here')\ndef test_skipped(): pass\n"
    )
    counts, found = noxfile.problems(junit_of(tmp_path))
    assert counts == "4 tests, 1 failures, 1 errors, 1 skipped"
    assert found == [
        "failure: `test_x::test_wrong`: assert (6 * 7) == 43",
        "error: `test_x::test_broken`: failed on setup with \"KeyError: 'no data'\"",
        "skipped: `test_x::test_skipped`: no browser here",
    ]


@pytest.mark.notebooks
def test_a_notebook_cells_error_is_named(tmp_path):
    write_notebook(tmp_path / "a.ipynb", "x = 1", "{}['year']", stored=["", ""])
    counts, found = noxfile.problems(junit_of(tmp_path, "--nbval-lax", "--nbval-current-env"))
    assert counts == "2 tests, 1 failures, 0 errors, 0 skipped"
    assert len(found) == 1 and found[0].startswith("failure: `")
    assert found[0].endswith("KeyError: 'year'"), found
