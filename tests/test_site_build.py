"""site/build.py's staging: the course map from the notebooks, and no notebook executed twice.

(The whole site, in a browser, is tests/test_site.py.)
"""

import importlib.util

import nbformat
import pytest
from support import REPO, write_notebook


def load_site_build():
    """site/build.py, loaded by its path: a folder named ``site`` cannot be imported."""
    spec = importlib.util.spec_from_file_location("site_build", REPO / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_maps_every_notebook_companions_included(tmp_path):
    site_build = load_site_build()
    executed = [
        write_notebook(tmp_path / n, title="A tiny `lesson`")
        for n in ("01_a.ipynb", "01b_optional_x.ipynb")
    ]
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


@pytest.mark.notebooks
def test_the_site_executes_only_what_make_run_has_not(tmp_path):
    site_build = load_site_build()
    source = write_notebook(tmp_path / "01_tiny.ipynb", "print(6 * 7)", title="Tiny")
    out = tmp_path / "build"
    [copy] = site_build.executed_copies([source], out)
    assert nbformat.read(copy, as_version=4).cells[1].outputs[0].text == "42\n"
    before = copy.stat().st_mtime_ns
    assert site_build.executed_copies([source], out) == [copy]
    assert copy.stat().st_mtime_ns == before  # up to date: not executed again
