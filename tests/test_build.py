import nbformat
import pytest
from conftest import NOTEBOOKS
from nbclient.exceptions import CellExecutionError
from run_notebooks import (
    add_navigation,
    execute_notebook,
    notebook_paths,
    notebook_title,
    write_index,
)


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


def test_index_links_every_notebook(tmp_path):
    entries = [
        (NOTEBOOKS / "01_a.ipynb", "Section 1", 12.0),
        (NOTEBOOKS / "03_b.ipynb", "Section 3", 3.0),
    ]
    index = write_index(tmp_path, entries, "demo")
    page = index.read_text()
    assert '<a href="01_a.html">Section 1</a>' in page
    assert '<a href="03_b.html">Section 3</a>' in page
    assert "<code>demo</code>" in page


def test_pages_link_previous_and_next_and_the_index_shows_screenshots(tmp_path):
    for stem in ("01_a", "02_b", "03_c"):
        (tmp_path / f"{stem}.html").write_text("<html><body class='x'><p>lesson</p></body></html>")
    add_navigation(tmp_path, ["01_a", "02_b", "03_c"])
    middle = (tmp_path / "02_b.html").read_text()
    assert middle.count('<a href="01_a.html">&larr; previous</a>') == 2  # top and bottom
    assert middle.count('<a href="03_c.html">next &rarr;</a>') == 2
    assert "<p>lesson</p>" in middle
    assert "previous" not in (tmp_path / "01_a.html").read_text()
    assert "next" not in (tmp_path / "03_c.html").read_text()
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshots" / "dashboard-status-during-fit.png").write_bytes(b"png")
    page = write_index(tmp_path, [], "ci").read_text()
    assert '<img src="screenshots/dashboard-status-during-fit.png"' in page
    assert "lab-instructor-layout.png" not in page  # only the screenshots that exist
