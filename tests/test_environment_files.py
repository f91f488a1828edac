"""pyproject.toml, Pipfile, Pipfile.lock and environment.yml describe the same environment."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from support import REPO, canonical, locked_versions

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"python-graphviz": "graphviz"}
# Declared in pyproject.toml but not named in the Pipfile, which pins it all the same through
# pandas. Naming it there changes the lock's hash: do it at the next `pipenv lock`.
NOT_IN_PIPFILE = {"numpy"}


def pipfile_pins() -> dict[str, str]:
    pipfile = tomllib.loads((REPO / "Pipfile").read_text())
    pins = {}
    for section in ("packages", "dev-packages"):
        for name, spec in pipfile[section].items():
            version = spec if isinstance(spec, str) else spec.get("version")
            if version:
                pins[canonical(name)] = version.removeprefix("==")
    return pins


def declared(*groups: str) -> set[str]:
    """The names pyproject.toml declares: ``dependencies`` and the extras called ``groups``."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = {**project["optional-dependencies"], "dependencies": project["dependencies"]}
    lines = [line for group in groups for line in extras[group]]
    return {canonical(Requirement(line).name) for line in lines}


def test_the_pipfile_names_what_pyproject_declares():
    """The Pipfile pins the course's direct dependencies; pyproject.toml declares them once,
    for the canary (noxfile.py). The course's own folders (``path`` entries) are left out."""
    pipfile = tomllib.loads((REPO / "Pipfile").read_text())
    named = {
        section: {canonical(n) for n, spec in pipfile[section].items() if "path" not in spec}
        for section in ("packages", "dev-packages")
    }
    assert named["packages"] == declared("dependencies", "course") - NOT_IN_PIPFILE
    assert named["dev-packages"] == declared("dev")
    assert NOT_IN_PIPFILE <= set(locked_versions(("default",)))


def test_the_dependencies_are_what_the_helpers_import():
    """pyproject.toml's ``dependencies``: each package chapter05_helpers imports, no other."""
    modules = set()
    for path in (REPO / "chapter05_helpers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    modules -= {*sys.stdlib_module_names, "chapter05_helpers"}
    distributions = importlib.metadata.packages_distributions()
    imported = {canonical(name) for module in modules for name in distributions[module]}
    assert imported == declared("dependencies")


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = {}
    for item in env["dependencies"]:
        entries = item["pip"] if isinstance(item, dict) else [item]
        separator = "==" if isinstance(item, dict) else "="
        for entry in entries:
            if separator in entry and not entry.startswith("-"):
                name, version = entry.split(separator, 1)
                name = re.sub(r"\[.*\]", "", name.strip())
                pins[canonical(CONDA_TO_PYPI.get(name, name))] = version.strip()
    return pins


def test_environment_yml_and_pipfile_agree():
    pip_side, conda_side = pipfile_pins(), environment_pins()
    shared = set(pip_side) & set(conda_side)
    assert {"tpot", "dask", "pandas", "scikit-learn", "jupyterlab"} <= shared
    disagreements = {
        name: (pip_side[name], conda_side[name])
        for name in shared
        if pip_side[name] != conda_side[name]
    }
    assert disagreements == {}, f"Pipfile vs environment.yml: {disagreements}"
    missing = set(pip_side) - set(conda_side)
    assert missing == set(), f"pinned in the Pipfile, absent from environment.yml: {missing}"


def test_conda_and_binder_bring_the_pipfiles_python_and_graphviz():
    python = tomllib.loads((REPO / "Pipfile").read_text())["requires"]["python_version"]
    for path in (REPO / "environment.yml", REPO / "binder" / "environment.yml"):
        env = yaml.safe_load(path.read_text())
        assert f"python={python}" in env["dependencies"], path
    conda = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    assert "graphviz" in conda  # Binder's comes from apt (tests/test_binder.py)


def test_lock_pins_what_the_pipfile_pins():
    lock = json.loads((REPO / "Pipfile.lock").read_text())
    locked = {
        canonical(name): spec.get("version", "").removeprefix("==")
        for section in ("default", "develop")
        for name, spec in lock[section].items()
    }
    for name, version in pipfile_pins().items():
        assert locked.get(name) == version, f"{name}: Pipfile {version}, lock {locked.get(name)}"


def test_lock_is_up_to_date_with_the_pipfile():
    beside = Path(sys.executable).with_name("pipenv")
    pipenv = str(beside) if beside.exists() else shutil.which("pipenv")
    if pipenv is None:
        pytest.fail("pipenv is not installed: `make env` (or `pip install pipenv`) installs it")
    result = subprocess.run(
        [pipenv, "verify"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PIPENV_VERBOSITY": "-1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dask_labextension_is_installed_and_enabled():
    jupyter = Path(sys.executable).with_name("jupyter")
    result = subprocess.run(
        [str(jupyter), "labextension", "list"], capture_output=True, text=True, check=True
    )
    listing = result.stdout + result.stderr
    line = next((x for x in listing.splitlines() if "dask-labextension" in x), "")
    assert "enabled" in line and "OK" in line, listing


def test_the_courses_lab_settings_are_installed_in_the_environment():
    """Every JupyterLab of the environment reads <prefix>/etc/jupyter/labconfig (plain
    `jupyter lab`, `pipenv run lab`, an editor): there, the course's file as it is now."""
    source = REPO / "jupyter-config" / "labconfig" / "default_setting_overrides.json"
    installed = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / source.name
    assert installed.exists(), "not installed: run make env (the Pipfile installs jupyter-config/)"
    assert json.loads(installed.read_text()) == json.loads(source.read_text()), (
        "the installed copy is older than jupyter-config/: run "
        ".venv/bin/pip install --force-reinstall --no-deps ./jupyter-config"
    )
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    [pip] = [item["pip"] for item in env["dependencies"] if isinstance(item, dict)]
    assert "./jupyter-config" in pip  # conda users get the same settings
    pipfile = tomllib.loads((REPO / "Pipfile").read_text())
    assert pipfile["packages"]["chapter05-lab-settings"] == {"path": "./jupyter-config"}


@pytest.mark.claim("jupyterlab-interface-in-chinese")
def test_jupyterlab_offers_its_interface_in_chinese():
    """The Chinese language pack is installed, and JupyterLab lists it where the guides say:
    Settings > Language > Chinese (Simplified, China). It translates the Dask sidebar too."""
    from jupyterlab_server.translation_utils import get_language_pack, get_language_packs

    packs, problems = get_language_packs()  # what JupyterLab's /lab/api/translations answers
    assert problems == "", problems
    assert packs.get("zh_CN", {}).get("displayName") == "Chinese (Simplified, China)", packs
    data, problems = get_language_pack("zh_CN")
    assert problems == "", problems
    assert data["jupyterlab"]["menu\x04Language"] == ["语言"]  # the Settings > Language menu
    assert "dask_labextension" in data
    english, _ = get_language_packs("zh_CN")  # the menu's names, once the interface is Chinese
    assert english["en"]["displayName"] == "英语", english  # the way back the guide names
