"""The canary's own logic (tools/canary.py), without building its environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import canary
import nbformat
import pytest
from canary import Step

PIPFILE = """
[packages]
chapter05-helpers = {path = ".", editable = true}
dask = {version = "==2026.8.0", extras = ["complete"]}
Scikit_Learn = "==1.9.1"
jupyter-resource-usage = "==1.3.0"

[dev-packages]
pytest = "==9.2.0"
"""
LOCK = {
    "default": {
        "dask": {"version": "==2026.8.0"},
        "scikit-learn": {"version": "==1.9.1"},
        "numpy": {"version": "==2.4.6"},  # not direct: left out of the table
        "chapter05-helpers": {"editable": True, "path": "."},
    },
    "develop": {"pytest": {"version": "==9.2.0"}},
}
PIP_LIST = json.dumps(
    [
        {"name": "dask", "version": "2026.11.0"},
        {"name": "scikit_learn", "version": "1.9.1"},
        {"name": "jupyter-resource-usage", "version": "1.3.0"},
        {"name": "numpy", "version": "2.5.0"},
    ]
)


def test_direct_dependencies_are_both_sections_with_extras_and_without_the_course() -> None:
    assert canary.direct_dependencies(PIPFILE) == {
        "dask": "dask[complete]",
        "scikit-learn": "Scikit_Learn",
        "jupyter-resource-usage": "jupyter-resource-usage",
        "pytest": "pytest",
    }


def test_the_courses_own_packages_are_installed_from_their_paths() -> None:
    pipfile = PIPFILE.replace(
        "[dev-packages]", 'lab-settings = {path = "./jupyter-config"}\n\n[dev-packages]'
    )
    assert canary.local_packages(pipfile, Path("/course")) == [
        ["--editable", "/course"],
        ["/course/jupyter-config"],
    ]


def test_version_table_from_a_small_lock_and_a_fake_pip_list() -> None:
    rows = canary.version_table(
        canary.direct_dependencies(PIPFILE),
        canary.locked_versions(LOCK),
        canary.installed_versions(PIP_LIST),
    )
    assert rows == [
        ("dask", "2026.8.0", "2026.11.0", "newer"),
        ("jupyter-resource-usage", "not locked", "1.3.0", "not locked"),
        ("pytest", "9.2.0", "not installed", "missing"),
        ("scikit-learn", "1.9.1", "1.9.1", "same"),
    ]


PYTEST_OUTPUT = """\
..F.E
=========================== short test summary info ============================
FAILED tests/test_a.py::test_one - AssertionError: TPOT 1.2.0 no longer shows X
ERROR tests/test_b.py::test_two - ModuleNotFoundError: No module named 'pkg_resources'
1 failed, 3 passed, 1 error in 2.00s
"""


def test_pytest_failures_lists_every_failed_and_erroring_test() -> None:
    assert canary.pytest_failures(PYTEST_OUTPUT) == [
        "FAILED tests/test_a.py::test_one - AssertionError: TPOT 1.2.0 no longer shows X",
        "ERROR tests/test_b.py::test_two - ModuleNotFoundError: No module named 'pkg_resources'",
    ]
    collection = "ImportError while loading conftest\nE   ImportError: cannot import psutil\n"
    assert canary.pytest_failures(collection) == ["ImportError while loading conftest"]


COLLECTION_ERROR = """\
____________ ERROR collecting tests/test_tpot_defects.py ____________
tests/test_tpot_defects.py:20: in <module>
    import tpot
E   ModuleNotFoundError: No module named 'pkg_resources'
____________ ERROR collecting tests/test_tpot_defects.py ____________
E   ModuleNotFoundError: No module named 'pkg_resources'
=========================== short test summary info ============================
ERROR tests/test_tpot_defects.py
ERROR tests/test_tpot_defects.py
FAILED tests/test_a.py::test_one - AssertionError: x
1 failed, 185 passed, 2 errors in 89.38s
"""


def test_a_module_that_fails_to_import_is_named_once_with_its_error() -> None:
    assert canary.pytest_failures(COLLECTION_ERROR) == [
        "ERROR tests/test_tpot_defects.py - ModuleNotFoundError: No module named 'pkg_resources'",
        "FAILED tests/test_a.py::test_one - AssertionError: x",
    ]


def test_a_module_that_fails_to_import_does_not_stop_the_other_tests(tmp_path: Path) -> None:
    (tmp_path / "test_broken.py").write_text("import a_module_that_is_not_installed\n")
    (tmp_path / "test_fine.py").write_text("def test_fine():\n    pass\n")
    command = [sys.executable, "-m", "pytest", *canary.UNIT_TEST_OPTIONS, str(tmp_path)]
    log = tmp_path / "unit.log"
    step = canary.run_command("unit tests", command, log, None, None, canary.pytest_failures)
    assert not step.ok and "1 passed" in log.read_text()
    [failure] = step.failures
    assert failure.endswith(
        "test_broken.py - ModuleNotFoundError: No module named 'a_module_that_is_not_installed'"
    )


@pytest.mark.parametrize(
    ("output", "line"),
    [
        (
            "Collecting x\nERROR: No matching distribution found for tpot==9\nmore",
            "ERROR: No matching distribution found for tpot==9",
        ),
        ("Traceback (most recent call last):\n  File x\nKeyError: 'a'\n", "KeyError: 'a'"),
        (
            "noise\ncanary: first error: cell 3: TypeError: bad\nTraceback\nValueError: later",
            "cell 3: TypeError: bad",
        ),
        ("", "(no output)"),
    ],
)
def test_first_error_line(output: str, line: str) -> None:
    assert canary.first_error_line(output) == line


def test_a_failing_command_is_a_failed_step_with_its_error(tmp_path: Path) -> None:
    code = "import sys; print('working'); sys.exit('RuntimeError: the notebook broke')"
    step = canary.run_command("x", [sys.executable, "-c", code], tmp_path / "x.log")
    assert (step.ok, step.failures) == (False, ["RuntimeError: the notebook broke"])
    assert "working" in (tmp_path / "x.log").read_text()
    ok = canary.run_command("y", [sys.executable, "-c", "print('fine')"], tmp_path / "y.log")
    assert (ok.ok, ok.failures) == (True, [])


def test_a_command_that_hangs_is_stopped_and_reported(tmp_path: Path) -> None:
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    step = canary.run_command("hang", hang, tmp_path / "h.log", timeout=1)
    assert (step.ok, step.failures) == (False, ["timed out after 1 s"])


def test_a_failed_step_makes_the_exit_code_non_zero_and_reaches_the_report() -> None:
    checks = [
        ("unit tests", lambda: Step("unit tests", True, 1.0)),
        ("01.ipynb", lambda: Step("01.ipynb", False, 2.0, ["cell 4: ValueError: bad"])),
        ("02.ipynb", lambda: Step("02.ipynb", True, 3.0)),
    ]
    steps = canary.run_canary(lambda: Step("build the environment", True), checks)
    assert [s.status for s in steps] == ["ok", "ok", "FAILED", "ok"]  # later checks still ran
    assert canary.exit_code(steps) == 1
    report = canary.render_report(steps, [("dask", "1", "2", "newer")], "3.11.7", "commit x")
    assert "1 step(s) failed" in report
    assert "| 01.ipynb | FAILED | 2 |" in report
    assert "`cell 4: ValueError: bad`" in report
    passing = canary.run_canary(lambda: Step("build the environment", True), checks[:1])
    assert canary.exit_code(passing) == 0
    assert "all steps passed" in canary.render_report(passing, [], "3.11.7", "commit x")


def test_a_failed_build_fails_the_canary_and_skips_the_checks() -> None:
    ran = []
    checks = [("unit tests", lambda: ran.append("unit tests") or Step("unit tests", True))]
    build = Step("build the environment", False, 5.0, ["dependencies: ERROR: ResolutionImpossible"])
    steps = canary.run_canary(lambda: build, checks)
    assert ran == [] and [s.status for s in steps] == ["FAILED", "not run"]
    assert canary.exit_code(steps) == 1
    assert "ResolutionImpossible" in canary.render_report(steps, [], "3.11.7", "commit x")


def test_a_notebook_that_raises_names_its_cell_and_error(tmp_path: Path, capsys) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A notebook"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('no pipeline finished\\nsecond line')"),
    ]
    source = tmp_path / "broken.ipynb"
    nbformat.write(nb, source)
    assert canary.execute_one(source, tmp_path / "out") == 1
    printed = capsys.readouterr().out
    assert canary.first_error_line(printed) == "cell 2: ValueError: no pipeline finished"


def test_skips_are_listed_in_the_report(tmp_path: Path) -> None:
    code = "print('SKIPPED [1] tests/test_x.py:4: No module named pkg_resources')"
    step = canary.run_command("unit tests", [sys.executable, "-c", code], tmp_path / "s.log")
    assert step.ok and step.skipped == [
        "SKIPPED [1] tests/test_x.py:4: No module named pkg_resources"
    ]
    report = canary.render_report([step], [], "3.11.7", "commit x")
    assert "What was skipped" in report and "No module named pkg_resources" in report


def test_the_export_holds_the_commit_and_not_the_work_in_progress(tmp_path: Path) -> None:
    import subprocess

    repo, dest = tmp_path / "repo", tmp_path / "export"
    repo.mkdir()
    git = ["git", "-c", "user.name=canary", "-c", "user.email=canary@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "kept.txt").write_text("committed\n")
    subprocess.run([*git, "add", "kept.txt"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one file"], cwd=repo, check=True)
    (repo / "kept.txt").write_text("edited, not committed\n")
    (repo / "new.txt").write_text("untracked\n")
    (dest / "stale.txt").parent.mkdir()
    (dest / "stale.txt").write_text("from an earlier export\n")
    canary.export_commit(repo, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["kept.txt"]
    assert (dest / "kept.txt").read_text() == "committed\n"


CELL_ERROR = "nbclient.exceptions.CellExecutionError: An error occurred while executing the cell:"
SECTIONS = f"""\
_______________ test_04_on_the_existing_cluster _______________
E           {CELL_ERROR}
E           import tpot
E           \x1b[31mModuleNotFoundError\x1b[39m: No module named 'pkg_resources'
_______________ [doctest] run_notebooks _______________
Expected:
    ['01_python_parallelism.ipynb', '02_dask_arrays_and_dataframes.ipynb']
Got:
    ['01_python_parallelism.ipynb', '01b_optional.ipynb']
=========================== short test summary info ============================
FAILED tests/test_external_cluster.py::test_04_on_the_existing_cluster - {CELL_ERROR}
FAILED tools/run_notebooks.py::run_notebooks
2 failed in 1.00s
"""


def test_a_failed_cell_and_a_failed_doctest_get_their_own_errors() -> None:
    cell, doctest = canary.pytest_failures(SECTIONS)
    assert cell == (
        "FAILED tests/test_external_cluster.py::test_04_on_the_existing_cluster - "
        "CellExecutionError in a cell: ModuleNotFoundError: No module named 'pkg_resources'"
    )
    assert doctest == (
        "FAILED tools/run_notebooks.py::run_notebooks - "
        "the doctest got: ['01_python_parallelism.ipynb', '01b_optional.ipynb']"
    )


def test_pipenv_is_checked_against_the_makefiles_pin() -> None:
    makefile = "PYTHON ?= python3\nPIPENV_VERSION := 2026.10.3\n"
    assert canary.pipenv_pin(makefile) == {"pipenv": "2026.10.3"}
    assert canary.pipenv_pin("no pin here\n") == {}
