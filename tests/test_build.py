import importlib.util

import nbformat
import pytest
from conftest import REPO
from nbclient.exceptions import CellExecutionError
from run_notebooks import execute_notebook, notebook_paths, notebook_title


def make_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A tiny `lesson`")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def test_companions_sort_after_their_section(tmp_path):
    for name in ("02b_optional_x.ipynb", "02_main.ipynb", "01_first.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    names = [path.name for path in notebook_paths(tmp_path)]
    assert names == ["01_first.ipynb", "02_main.ipynb", "02b_optional_x.ipynb"]


def test_execute_writes_notebook_and_html(tmp_path):
    source = make_notebook(tmp_path / "01_tiny.ipynb", "print(6 * 7)")
    seconds = execute_notebook(source, tmp_path / "out")
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    assert executed.cells[1].outputs[0].text == "42\n"
    assert "42" in (tmp_path / "out" / "01_tiny.html").read_text()
    assert seconds > 0
    assert notebook_title(source) == "A tiny lesson"


def test_a_failing_cell_fails_the_build_and_keeps_the_evidence(tmp_path):
    source = make_notebook(tmp_path / "02_broken.ipynb", "print('before')", "1 / 0")
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute_notebook(source, tmp_path / "out")
    partial = nbformat.read(tmp_path / "out" / "02_broken.ipynb", as_version=4)
    assert partial.cells[2].outputs[0].ename == "ZeroDivisionError"


def load_site_build():
    spec = importlib.util.spec_from_file_location("site_build", REPO / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_maps_every_notebook_companions_included(tmp_path):
    site_build = load_site_build()
    executed = [make_notebook(tmp_path / n) for n in ("01_a.ipynb", "01b_optional_x.ipynb")]
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "dashboard-status-during-fit.png").write_bytes(b"png")
    staged = site_build.stage(executed, shots, tmp_path / "src")
    index = (staged / "index.md").read_text()
    assert "| 1 | [A tiny lesson](01_a.ipynb) |" in index
    assert "|  | [A tiny lesson](01b_optional_x.ipynb) |" in index  # a companion: no number
    assert "\n01_a\n01b_optional_x\n" in index  # the toctree: previous / next in this order
    assert "screenshots/dashboard-status-during-fit.png" in index
    assert "lab-instructor-layout.png" not in index  # only the screenshots that exist
    assert (staged / "instructors.md").read_text() == (REPO / "docs" / "instructors.md").read_text()
    assert "%" not in index.replace("100%", "")  # every placeholder filled


def test_the_site_executes_only_what_make_run_has_not(tmp_path):
    site_build = load_site_build()
    source = make_notebook(tmp_path / "01_tiny.ipynb", "print(6 * 7)")
    out = tmp_path / "build"
    [copy] = site_build.executed_copies([source], out)
    assert nbformat.read(copy, as_version=4).cells[1].outputs[0].text == "42\n"
    before = copy.stat().st_mtime_ns
    assert site_build.executed_copies([source], out) == [copy]
    assert copy.stat().st_mtime_ns == before  # up to date: not executed again
