import nbformat
import pytest
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
