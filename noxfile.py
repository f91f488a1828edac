"""`make canary`: the course on the newest releases of its direct dependencies, without the lock.

A fresh environment (.nox/canary) gets the newest release of each package pyproject.toml declares
(the package's dependencies, its `course` and `dev` extras; setuptools stays below 81 there, as
TPOT 1.1.0 needs pkg_resources), and pipenv (a test runs `pipenv verify`). In it run the unit
and claim tests, then every notebook's twin at ci under nbval-lax (a cell that raises fails;
outputs are not compared, as new releases print new versions). build/canary.md lists each direct
dependency's version against Pipfile.lock (from `pip freeze`) and each failure (from pytest's
JUnit XML). `nox -s canary -R` runs the tests again in the same environment, without installing.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "build" / "canary"
REPORT = ROOT / "build" / "canary.md"
RUNS = {  # pytest's JUnit XML report -> what it runs
    "tests": ["-m", "not browser and not notebooks"],  # the unit and claim tests
    "notebooks": ["tests/notebooks", "--nbval-lax"],  # every twin, executed at ci
}
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b")
COLOUR = re.compile(r"(\x1b|#x1B)\[[0-9;]*m")  # colours of nbval and IPython; XML writes #x1B
nox.options.sessions = ["canary"]
nox.options.default_venv_backend = "venv"


def direct_dependencies() -> list[str]:
    """The names of the packages pyproject.toml declares, as PyPI compares names."""
    project = nox.project.load_toml(ROOT / "pyproject.toml")["project"]
    extras = project["optional-dependencies"]
    declared = project["dependencies"] + extras["course"] + extras["dev"]
    return sorted(canonicalize_name(Requirement(line).name) for line in declared)


def version_rows(freeze: str, lock: dict, names: list[str]) -> list[str]:
    """One Markdown row per name: its version in the lock, in ``pip freeze``, and the change.

    >>> lock = {"default": {"dask": {"version": "==2026.8.0"}}, "develop": {}}
    >>> version_rows("Dask==2026.9.0\\n-e /course\\n", lock, ["dask", "tpot"])
    ['| dask | 2026.8.0 | 2026.9.0 | newer |', '| tpot | - | - | not installed |']
    """
    pairs = (line.split("==") for line in freeze.splitlines() if "==" in line)
    installed = {canonicalize_name(name): version for name, version in pairs}
    sections = lock["default"] | lock["develop"]
    locked = {canonicalize_name(n): e["version"][2:] for n, e in sections.items() if "version" in e}
    rows = []
    for name in names:
        old, new = locked.get(name, "-"), installed.get(name, "-")
        if new == "-" or old == "-":
            change = "not installed" if new == "-" else "not locked"
        elif Version(new) == Version(old):
            change = "same"
        else:
            change = "newer" if Version(new) > Version(old) else "older"
        rows.append(f"| {name} | {old} | {new} | {change} |")
    return rows


def problems(junit: Path) -> tuple[str, list[str]]:
    """pytest's counts, and each test that failed, erred or was skipped, from its JUnit XML.

    A line each: the kind, the test, and the last line of its message that names an exception
    (a notebook cell's error comes after its source), else the message's first line.
    """
    suite = ET.parse(junit).getroot().find("testsuite")
    keys = ("tests", "failures", "errors", "skipped")
    counts = ", ".join(f"{suite.get(key)} {key}" for key in keys)
    found = []
    for case in suite.iter("testcase"):
        for problem in (p for p in case if p.tag in ("failure", "error", "skipped")):
            text = COLOUR.sub("", problem.get("message", ""))
            message = [line.strip() for line in text.splitlines() if line.strip()]
            named = [line for line in message if EXCEPTION.match(line)] or message or [""]
            why = named[-1] if problem.tag != "skipped" else message[0]
            found.append(f"{problem.tag}: `{case.get('classname')}::{case.get('name')}`: {why}")
    return counts, found


@nox.session
def canary(session: nox.Session) -> None:
    """The newest releases; the unit, claim and notebook tests; build/canary.md."""
    session.install("--upgrade", "pip")
    session.install("--editable", ".[course,dev]", "./jupyter-config", "pipenv")
    freeze = session.run("python", "-m", "pip", "freeze", "--all", silent=True)
    if not freeze:  # nox --install-only
        return
    OUT.mkdir(parents=True, exist_ok=True)
    session.env["CHAPTER05_PROFILE"] = "ci"
    git = ["git", "describe", "--always", "--dirty"]
    commit = subprocess.run(git, cwd=ROOT, capture_output=True, text=True)
    lock = json.loads((ROOT / "Pipfile.lock").read_text(encoding="utf-8"))
    lines = [
        "# Canary: the course on the newest releases of its direct dependencies",
        "",
        f"Commit {commit.stdout.strip() or '?'}, Python {platform.python_version()}, profile ci.",
        "",
        "| package | Pipfile.lock | canary | change |",
        "|---|---|---|---|",
        *version_rows(freeze, lock, direct_dependencies()),
    ]
    failed = 0
    for name, args in RUNS.items():
        junit = OUT / f"{name}.xml"
        junit.unlink(missing_ok=True)
        start = time.perf_counter()
        pytest = ["python", "-m", "pytest", *args, "-q", f"--junitxml={junit}"]
        session.run(*pytest, success_codes=range(6))  # failures go to the report
        seconds = time.perf_counter() - start
        counts, found = problems(junit) if junit.exists() else ("no report", ["error: pytest"])
        failed += sum(not line.startswith("skipped") for line in found)
        lines += ["", f"## {name}: {counts} ({seconds:.0f} s)", ""] + [f"- {x}" for x in found]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    session.log(f"report: {REPORT}")
    if failed:
        session.error(f"{failed} failures: see {REPORT}")
