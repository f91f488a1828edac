"""tools/run_notebooks.py: the course's notebooks in order, each executed into .ipynb and HTML."""

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError
from run_notebooks import execute_notebook, notebook_paths, notebook_title
from support import write_notebook


def test_companions_sort_after_their_section(tmp_path):
    for name in ("02b_optional_x.ipynb", "02_main.ipynb", "01_first.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    names = [path.name for path in notebook_paths(tmp_path)]
    assert names == ["01_first.ipynb", "02_main.ipynb", "02b_optional_x.ipynb"]


def test_the_title_is_the_first_heading_in_plain_text(tmp_path):
    source = write_notebook(tmp_path / "01_tiny.ipynb", "x = 1", title="A tiny `lesson`")
    assert notebook_title(source) == "A tiny lesson"
    assert notebook_title(write_notebook(tmp_path / "02_untitled.ipynb")) == "02_untitled"


@pytest.mark.notebooks
def test_execute_writes_notebook_and_html(tmp_path):
    source = write_notebook(tmp_path / "01_tiny.ipynb", "print(6 * 7)", title="A tiny lesson")
    execute_notebook(source, tmp_path / "out")
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    assert executed.cells[1].outputs[0].text == "42\n"
    assert "42" in (tmp_path / "out" / "01_tiny.html").read_text()


@pytest.mark.notebooks
def test_a_failing_cell_fails_the_build_and_keeps_the_evidence(tmp_path):
    source = write_notebook(tmp_path / "02_broken.ipynb", "print('before')", "1 / 0", title="B")
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute_notebook(source, tmp_path / "out")
    partial = nbformat.read(tmp_path / "out" / "02_broken.ipynb", as_version=4)
    assert partial.cells[1].outputs[0].text == "before\n"
    assert partial.cells[2].outputs[0].ename == "ZeroDivisionError"
