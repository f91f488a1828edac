import multiprocessing
import os
import subprocess
import sys

import pytest

from chapter05_helpers import setup
from chapter05_helpers.setup import (
    GRAPHVIZ_HINT,
    START_METHOD_ENV_VAR,
    apply_start_method,
    check_versions,
    notebook_setup,
)


def test_check_versions_reports_installed_versions():
    found = check_versions("dask", "pandas")
    assert set(found) == {"dask", "pandas"}
    assert found["pandas"].startswith("3.")


def test_missing_package_fails_with_what_to_do():
    with pytest.raises(
        RuntimeError,
        match=r"not-a-real-package is not installed; the course needs not-a-real-package\. Rebuild",
    ):
        check_versions("not-a-real-package")


def test_too_old_package_fails(monkeypatch):
    monkeypatch.setitem(setup.MINIMUM_VERSIONS, "pandas", "99.0")
    with pytest.raises(RuntimeError, match=r"pandas 3\S* found; the course needs pandas >= 99.0"):
        check_versions("pandas")


def test_notebook_setup_prints_profile_and_versions(monkeypatch, capsys):
    monkeypatch.setenv("CHAPTER05_PROFILE", "book")
    profile = notebook_setup("dask")
    out = capsys.readouterr().out.splitlines()
    assert profile.name == "book"
    assert out[0].startswith("Profile: book (")
    assert out[1].startswith("Python 3.") and ", dask 20" in out[1]


@pytest.fixture
def restore_start_method():
    before = multiprocessing.get_start_method()
    yield
    multiprocessing.set_start_method(before, force=True)


def test_start_method_from_env(monkeypatch, restore_start_method):
    monkeypatch.setenv(START_METHOD_ENV_VAR, "spawn")
    assert apply_start_method() == "spawn"
    assert multiprocessing.get_start_method() == "spawn"


def test_unknown_start_method_is_refused(monkeypatch, restore_start_method):
    monkeypatch.setenv(START_METHOD_ENV_VAR, "teleport")
    with pytest.raises(ValueError, match="teleport.*choose one of"):
        apply_start_method()


def test_graphviz_check_without_dot_prints_one_hint_line(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH with no `dot` on it
    result = subprocess.run(
        [sys.executable, "-m", "chapter05_helpers.setup", "--check-graphviz"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == GRAPHVIZ_HINT
    assert len(result.stderr.strip().splitlines()) == 1
    for system in ("apt-get", "brew", "winget", "conda"):
        assert system in GRAPHVIZ_HINT


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in `dot` is a shell script")
def test_graphviz_check_with_dot(tmp_path):
    fake_dot = tmp_path / "dot"
    fake_dot.write_text("#!/bin/sh\n")
    fake_dot.chmod(0o755)
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "chapter05_helpers.setup", "--check-graphviz"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
