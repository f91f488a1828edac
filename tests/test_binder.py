"""Binder (binder/) and dev containers (.devcontainer/): checked as far as this machine can.

No Docker engine here: repo2docker's build is not run. What can be checked is: the pins Binder
installs are the lock's, Graphviz is asked for, and binder/start does what `make lab` does
(tests/test_jupyterlab_in_browser.py starts JupyterLab through it in a real browser).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from support import REPO

BINDER = REPO / "binder"
BIN = Path(sys.executable).parent
spec = importlib.util.spec_from_file_location("binder_pins", BINDER / "pins.py")
pins = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pins)


def lock() -> dict:
    return json.loads((REPO / "Pipfile.lock").read_text())


def test_binder_environment_is_written_from_the_lock():
    written = (BINDER / "environment.yml").read_text()
    assert written == pins.environment_yml(lock()), "stale: run .venv/bin/python binder/pins.py"


def test_binder_installs_every_locked_package_at_its_version_and_python_311():
    env = yaml.safe_load((BINDER / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]  # repo2docker then runs Jupyter in this env
    [pip] = [item["pip"] for item in env["dependencies"] if isinstance(item, dict)]
    binder = {}
    for line in pip:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?==([^;\s]+)(;.*)?", line)
        if match:
            binder[match.group(1).lower()] = "==" + match.group(3)
    locked = {
        name: spec["version"] for name, spec in lock()["default"].items() if "version" in spec
    }
    assert binder == locked
    assert {"tpot", "dask", "distributed", "pandas", "jupyterlab", "jupyter-resource-usage"} <= set(
        binder
    )
    # the course's package and its JupyterLab settings, from the course folder (pip runs in binder/)
    assert {"-e ..", "../jupyter-config"} <= set(pip)
    assert (BINDER / ".." / "jupyter-config" / "pyproject.toml").exists()


def test_binder_installs_graphviz():
    packages = [
        line.partition("#")[0].strip() for line in (BINDER / "apt.txt").read_text().splitlines()
    ]
    assert "graphviz" in packages


def run_start(tmp_path: Path, *command: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("CHAPTER05_PROFILE", "JUPYTER_CONFIG_PATH")
    }
    environ = {
        **environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        **env,
    }
    return subprocess.run(
        [str(BINDER / "start"), *command], env=environ, capture_output=True, text=True, check=True
    )


def test_start_sets_the_stage_then_runs_the_command(tmp_path):
    probe = (
        "import os, dask, distributed.utils as u; "
        "print(os.environ['CHAPTER05_PROFILE']); print(os.environ['JUPYTER_CONFIG_PATH']); "
        "print(u.format_dashboard_link('127.0.0.1', 8787))"
    )
    done = run_start(tmp_path, sys.executable, "-c", probe, JUPYTERHUB_SERVICE_PREFIX="/user/ada/")
    profile, config_path, link = done.stdout.splitlines()
    assert profile == "ci"  # Binder: about 2 GB and 1-2 cores
    assert config_path.split(os.pathsep)[0] == str(REPO / "jupyter-config")
    assert link == "/user/ada/proxy/8787/status"
    [imported] = (tmp_path / "workspaces").glob("*")
    workspace = json.loads(imported.read_text())
    assert workspace["metadata"]["id"] == "instructor"
    paths = [v["data"]["path"] for k, v in workspace["data"].items() if k.startswith("notebook:")]
    assert paths == ["notebooks/04_tpot_with_dask.ipynb"]  # the server's root: the course folder
    assert (REPO / paths[0]).exists()


def test_start_keeps_a_profile_chosen_and_works_without_a_hub(tmp_path):
    probe = (
        "import os, distributed.utils as u; "
        "print(os.environ['CHAPTER05_PROFILE'], u.format_dashboard_link('h', 8787))"
    )
    done = run_start(tmp_path, sys.executable, "-c", probe, CHAPTER05_PROFILE="demo")
    assert done.stdout.split() == ["demo", "/proxy/8787/status"]


def test_devcontainer_has_what_the_spec_requires_and_the_courses_commands():
    text = (REPO / ".devcontainer" / "devcontainer.json").read_text()
    config = json.loads(text)  # plain JSON (the spec allows comments; this file has none)
    assert "image" in config or "build" in config or "dockerComposeFile" in config
    assert re.search(r"python:3\.11", config["image"]), config["image"]
    assert "graphviz" in config["onCreateCommand"]
    assert config["postCreateCommand"] == "make env"
    assert config["forwardPorts"] == [8888, 8787]
    labels = {port: attrs["label"] for port, attrs in config["portsAttributes"].items()}
    assert set(labels) == {"8888", "8787"} and all(labels.values())
    assert {"ms-python.python", "ms-toolsai.jupyter"} <= set(
        config["customizations"]["vscode"]["extensions"]
    )
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    readme = set(re.findall(r"\bmake ([a-z][a-z-]*)\b", (REPO / "README.md").read_text()))
    container = set(re.findall(r"\bmake ([a-z][a-z-]*)\b", text))
    assert container <= targets, (
        f"the devcontainer runs make targets that do not exist: {container}"
    )
    # the README's commands: what a student types in the container's terminal
    assert {"env", "run", "test", "lab"} <= readme & targets, f"README: {sorted(readme)}"
    assert container <= readme, f"the devcontainer runs what the README does not say: {container}"
