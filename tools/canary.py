"""Maintainers' tool: the course on the newest releases of its direct dependencies.

``make canary`` runs ``python tools/canary.py``. It builds a separate environment in
``.canary/venv`` with the newest release of every package that ``Pipfile`` names
(``[packages]`` and ``[dev-packages]``, without the lock), installs the course package into it,
runs the unit tests (not nbval's comparison of the twins' outputs) and executes every notebook
at the ``ci`` profile (an error fails; outputs are not compared). It writes a short report,
``build/canary.md``: each direct dependency's version against ``Pipfile.lock``, and each step
that failed with its first error line. The exit code is 1 when any step failed.

It checks the last commit (``HEAD``, exported to ``.canary/course``), so that work in progress
in the working tree does not pass for drift; ``--working-tree`` checks the working tree instead.
It runs on demand, never inside ``make test``. Logs of every step go to ``build/canary/``.

Example:
    >>> sorted(direct_dependencies('[packages]\\npandas = "==3.1.1"\\n[dev-packages]\\nruff = "*"'))
    ['pandas', 'ruff']
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV = REPO_ROOT / ".canary" / "venv"
EXPORT = REPO_ROOT / ".canary" / "course"
OUT = REPO_ROOT / "build" / "canary"
REPORT = REPO_ROOT / "build" / "canary.md"
# The unit tests: everything pytest collects except what compares stored outputs (the twins,
# and notebook 01's twin under each start method) and the real-browser test.
UNIT_TEST_OPTIONS = [
    "-o",
    "addopts=",
    "-p",
    "no:cacheprovider",
    "--doctest-modules",
    "-q",
    "-rfEs",
    "--continue-on-collection-errors",  # a module that fails to import stops only its own tests
]
UNIT_TEST_ARGS = [
    *UNIT_TEST_OPTIONS,
    "chapter05_helpers",
    "tools",
    "tests",
    "--ignore=tests/notebooks",
    "--ignore=tests/test_browser.py",
    "--deselect=tests/test_notebooks.py::test_notebook_01_under_every_start_method",
]
NOTEBOOK_TIMEOUT = 1800  # seconds; a notebook that hangs is a failure, not a stuck canary
ERROR_MARK = "canary: first error: "


@dataclass
class Step:
    """One step of the canary and how it ended (``ok`` is None when it did not run).

    Example:
        >>> Step("unit tests", ok=False, failures=["FAILED tests/test_x.py::test_y"]).status
        'FAILED'
    """

    name: str
    ok: bool | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # a skip can hide a failure: listed too

    @property
    def status(self) -> str:
        return {True: "ok", False: "FAILED", None: "not run"}[self.ok]


def canonical(name: str) -> str:
    """A package name as PyPI compares names (PEP 503).

    Example:
        >>> canonical("Dask_ML")
        'dask-ml'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_dependencies(pipfile_text: str) -> dict[str, str]:
    """The packages ``Pipfile`` names, each with what ``pip install`` gets for its newest release.

    The course's own packages (``path`` entries) are left out: see ``local_packages``.

    Example:
        >>> direct_dependencies('[packages]\\ndask = {version = "==1", extras = ["complete"]}')
        {'dask': 'dask[complete]'}
    """
    pipfile = tomllib.loads(pipfile_text)
    found: dict[str, str] = {}
    for section in ("packages", "dev-packages"):
        for name, spec in pipfile.get(section, {}).items():
            if isinstance(spec, dict) and "path" in spec:
                continue
            extras = spec.get("extras", []) if isinstance(spec, dict) else []
            found[canonical(name)] = name + (f"[{','.join(extras)}]" if extras else "")
    return found


def local_packages(pipfile_text: str, course: Path) -> list[list[str]]:
    """The ``pip install`` arguments for each of the course's own packages (``path`` entries).

    Example:
        >>> local_packages('[packages]\\nx = {path = ".", editable = true}', Path("/c"))
        [['--editable', '/c']]
    """
    pipfile = tomllib.loads(pipfile_text)
    found = []
    for section in ("packages", "dev-packages"):
        for spec in pipfile.get(section, {}).values():
            if isinstance(spec, dict) and "path" in spec:
                where = str((course / spec["path"]).resolve())
                found.append(["--editable", where] if spec.get("editable") else [where])
    return found


def pipenv_pin(makefile_text: str) -> dict[str, str]:
    """The pipenv version the Makefile installs (``make env`` uses it; one test calls it).

    Example:
        >>> pipenv_pin("PIPENV_VERSION := 2026.10.3\\n")
        {'pipenv': '2026.10.3'}
    """
    found = re.search(r"^PIPENV_VERSION\s*:?=\s*(\S+)", makefile_text, re.MULTILINE)
    return {"pipenv": found.group(1)} if found else {}


def locked_versions(lock: dict) -> dict[str, str]:
    """Package -> version, from the parsed ``Pipfile.lock`` (both its sections).

    Example:
        >>> locked_versions({"default": {"pandas": {"version": "==3.1.1"}}, "develop": {}})
        {'pandas': '3.1.1'}
    """
    versions = {}
    for section in ("default", "develop"):
        for name, entry in lock.get(section, {}).items():
            if "version" in entry:
                versions[canonical(name)] = entry["version"].removeprefix("==")
    return versions


def installed_versions(pip_list_json: str) -> dict[str, str]:
    """Package -> version, from the output of ``pip list --format=json``.

    Example:
        >>> installed_versions('[{"name": "Dask", "version": "2026.9.0"}]')
        {'dask': '2026.9.0'}
    """
    return {canonical(p["name"]): p["version"] for p in json.loads(pip_list_json)}


def version_table(
    direct: dict[str, str], locked: dict[str, str], installed: dict[str, str]
) -> list[tuple[str, str, str, str]]:
    """Rows (package, locked, canary, change) for each direct dependency, sorted by name.

    Example:
        >>> version_table({"dask": "dask"}, {"dask": "2026.8.0"}, {"dask": "2026.9.0"})
        [('dask', '2026.8.0', '2026.9.0', 'newer')]
    """
    rows = []
    for name in sorted(direct):
        old, new = locked.get(name, "not locked"), installed.get(name, "not installed")
        if new == "not installed":
            change = "missing"
        elif old == new:
            change = "same"
        else:
            change = "not locked" if old == "not locked" else "newer"
        rows.append((name, old, new, change))
    return rows


def first_error_line(output: str) -> str:
    """The line of a failed command's output that says what went wrong.

    In order: the notebook driver's own line, pip's first ``ERROR:`` line, the last line that
    names an exception, the last line that is not blank.

    Example:
        >>> first_error_line("Traceback (most recent call last):\\n...\\nValueError: bad\\n")
        'ValueError: bad'
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(ERROR_MARK):
            return line.removeprefix(ERROR_MARK)
    for line in lines:
        if line.startswith("ERROR:"):
            return line
    exception = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")
    for line in reversed(lines):
        if exception.match(line):
            return line
    return lines[-1] if lines else "(no output)"


def pytest_failures(output: str) -> list[str]:
    """Each failed or erroring test of pytest's ``-rfE`` summary, once; else the first error line.

    A module that failed to import has no message in the summary: its first ``E`` line is added.

    Example:
        >>> pytest_failures("x\\nFAILED tests/t.py::test_a - AssertionError: 1 != 2\\n1 failed")
        ['FAILED tests/t.py::test_a - AssertionError: 1 != 2']
    """
    lines = output.splitlines()
    found: list[str] = []
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")) and line not in found:
            found.append(line)
    # "ERROR collecting <path>" headers: the path from pytest's rootdir, the summary's from cwd
    headers = [
        (n, m.group(1))
        for n, text in enumerate(lines)
        if (m := re.search(r"ERROR collecting (\S+)", text))
    ]
    for i, line in enumerate(found):
        path = line.removeprefix("ERROR ")
        if not line.startswith("ERROR ") or " - " in line:
            continue
        for start, collected in headers:
            if f"/{path}".endswith(f"/{collected}") or f"/{collected}".endswith(f"/{path}"):
                first = next((text for text in lines[start:] if text.startswith("E ")), None)
                if first:
                    found[i] = f"{line} - {first[1:].strip()}"
                break
    return [explain_cell_error(line, lines) for line in found] or [first_error_line(output)]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def explain_cell_error(summary: str, lines: list[str]) -> str:
    """A failed test's summary line, with the error that pytest's summary leaves out.

    For an ``nbclient`` ``CellExecutionError`` the summary says only that a cell failed: the
    error the cell raised is the last exception line of that test's section of the log. For a
    doctest the summary has no message: the line after ``Got:`` is added.

    Example:
        >>> log = ["____ test_nb ____", "E   CellExecutionError: ...", "E   KeyError: 'x'", "____"]
        >>> explain_cell_error("FAILED t.py::test_nb - CellExecutionError: An error", log)
        "FAILED t.py::test_nb - CellExecutionError in a cell: KeyError: 'x'"
    """
    doctest = summary.startswith("FAILED ") and " - " not in summary
    if ("CellExecutionError" not in summary and not doctest) or "::" not in summary:
        return summary
    name = summary.split(" - ")[0].split("::")[-1]
    header = re.compile(rf"_+ (\[doctest\] )?{re.escape(name)} _+")
    start = next((n for n, text in enumerate(lines) if header.match(text)), None)
    if start is None:
        return summary
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("____")), len(lines))
    section = [ANSI.sub("", text) for text in lines[start:end]]
    if doctest:
        got = next((n for n, text in enumerate(section) if text.strip() == "Got:"), None)
        if got is None or got + 1 >= len(section):
            return summary
        return f"{summary} - the doctest got: {section[got + 1].strip()}"
    exception = re.compile(r"E\s+([A-Za-z_][\w.]*(?:Error|Exception)\b.*)")
    raised = [m.group(1) for text in section if (m := exception.match(text))]
    raised = [text for text in raised if "CellExecutionError" not in text]
    if not raised:
        return summary
    return f"{summary.split(' - ')[0]} - CellExecutionError in a cell: {raised[-1]}"


def pytest_skips(output: str) -> list[str]:
    """Each skip of pytest's ``-rs`` summary.

    Example:
        >>> pytest_skips("SKIPPED [1] tests/t.py:3: no browser\\n1 passed, 1 skipped")
        ['SKIPPED [1] tests/t.py:3: no browser']
    """
    return [line for line in output.splitlines() if line.startswith("SKIPPED ")]


def run_command(
    name: str,
    command: list[str],
    log: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    failures: Callable[[str], list[str]] = lambda output: [first_error_line(output)],
    cwd: Path = REPO_ROOT,
) -> Step:
    """Run ``command`` in ``cwd``, its output into ``log``; a non-zero exit fails the step.

    Example:
        >>> import tempfile
        >>> log = Path(tempfile.mkdtemp()) / "x.log"
        >>> step = run_command("boom", [sys.executable, "-c", "raise SystemExit('boom')"], log)
        >>> step.ok, step.failures
        (False, ['boom'])
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: a timeout ends all of it
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
    seconds = time.perf_counter() - start
    output = log.read_text(encoding="utf-8", errors="replace")
    if code is None:
        return Step(name, False, seconds, [f"timed out after {timeout:.0f} s"])
    skipped = pytest_skips(output)
    if code != 0:
        return Step(name, False, seconds, failures(output) or [f"exit code {code}"], skipped)
    return Step(name, True, seconds, skipped=skipped)


def execute_one(source: Path, out_dir: Path) -> int:
    """Execute one notebook with this Python's kernel; print its first error; 1 if it failed.

    This is what the canary runs inside its environment, once per notebook.

    Example (takes as long as the notebook)::

        execute_one(Path("notebooks/03_dask_delayed.ipynb"), Path("build/canary/notebooks"))
    """
    from nbclient.exceptions import CellExecutionError

    sys.path.insert(0, str(REPO_ROOT / "tools"))
    from run_notebooks import execute_notebook

    try:
        seconds = execute_notebook(source, out_dir, html_too=False)
    except CellExecutionError as error:
        import nbformat

        nb = nbformat.read(out_dir / source.name, as_version=4)
        outputs = [cell.get("outputs", []) for cell in nb.cells]
        cells = [i for i, out in enumerate(outputs) if any(o.output_type == "error" for o in out)]
        where = f"cell {cells[0]}: " if cells else ""
        evalue = (error.evalue or "").strip().splitlines()
        print(f"{ERROR_MARK}{where}{error.ename}: {evalue[0] if evalue else ''}", flush=True)
        return 1
    print(f"{source.name}: {seconds:.1f} s", flush=True)
    return 0


def export_commit(repo: Path, dest: Path, commit: str = "HEAD") -> None:
    """Write the files of ``commit`` of the git repository ``repo`` into ``dest`` (emptied first).

    Example (in the course's repository)::

        export_commit(REPO_ROOT, REPO_ROOT / ".canary" / "course")
    """
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=repo, capture_output=True, check=True
    ).stdout
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def build_environment(
    venv: Path, direct: dict[str, str], logs: Path, local: list[list[str]]
) -> Step:
    """A fresh ``venv`` with the newest release of every direct dependency and the course's own
    packages (``local``: the arguments that install each)."""
    start = time.perf_counter()
    shutil.rmtree(venv, ignore_errors=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    commands = [
        ("venv", [sys.executable, "-m", "venv", str(venv)]),
        ("pip", [*pip, "install", "--quiet", "--upgrade", "pip"]),
        ("dependencies", [*pip, "install", "--upgrade", *direct.values()]),
        *((f"course-{n}", [*pip, "install", "--no-deps", *args]) for n, args in enumerate(local)),
    ]
    for label, command in commands:
        step = run_command("build the environment", command, logs / f"build-{label}.log")
        if not step.ok:
            step.seconds = time.perf_counter() - start
            step.failures = [f"{label}: {line}" for line in step.failures]
            return step
    return Step("build the environment", True, time.perf_counter() - start)


def run_canary(
    build: Callable[[], Step],
    checks: list[tuple[str, Callable[[], Step]]],
    progress: Callable[[Step], None] = lambda step: None,
) -> list[Step]:
    """Build, then run every check; if the build fails, the checks are listed as not run.

    Example:
        >>> steps = run_canary(lambda: Step("build", False, failures=["no network"]),
        ...                    [("unit tests", lambda: Step("unit tests", True))])
        >>> [(s.name, s.status) for s in steps]
        [('build', 'FAILED'), ('unit tests', 'not run')]
    """
    built = build()
    progress(built)
    if not built.ok:
        return [built, *(Step(name) for name, _ in checks)]
    steps = [built]
    for _, check in checks:
        steps.append(check())
        progress(steps[-1])
    return steps


def exit_code(steps: list[Step]) -> int:
    """0 when every step ran and passed, else 1.

    Example:
        >>> exit_code([Step("a", True), Step("b", None)])
        1
    """
    return 0 if all(step.ok for step in steps) else 1


def render_report(
    steps: list[Step], rows: list[tuple[str, str, str, str]], python: str, state: str
) -> str:
    """The Markdown report: versions against the lock, the steps, and what failed.

    Example:
        >>> text = render_report([Step("unit tests", False, 2.0, ["FAILED t::x - E: y"])],
        ...                      [("dask", "1", "2", "newer")], "3.11.7", "main")
        >>> "FAILED t::x - E: y" in text and "| dask | 1 | 2 | newer |" in text
        True
    """
    failed = [step for step in steps if step.ok is False]
    verdict = "all steps passed" if exit_code(steps) == 0 else f"{len(failed)} step(s) failed"
    lines = [
        "# Canary: the course on the newest releases of its direct dependencies",
        "",
        f"Python {python}; course at {state}; profile ci. Result: **{verdict}**.",
        "",
        "## Direct dependencies (Pipfile) against Pipfile.lock (pipenv: against the Makefile)",
        "",
        "| package | pinned | canary | change |",
        "|---|---|---|---|",
        *(f"| {name} | {old} | {new} | {change} |" for name, old, new, change in rows),
        "",
        "## Steps",
        "",
        "| step | result | seconds |",
        "|---|---|---|",
        *(f"| {s.name} | {s.status} | {s.seconds:.0f} |" for s in steps),
        "",
    ]
    if failed:
        lines += ["## What failed (first error line)", ""]
        for step in failed:
            lines += [f"- {step.name}:", *(f"  - `{line[:300]}`" for line in step.failures)]
        lines.append("")
    skipped = [step for step in steps if step.skipped]
    if skipped:
        lines += ["## What was skipped (check that no skip hides a failure)", ""]
        for step in skipped:
            lines += [f"- {step.name}:", *(f"  - `{line[:300]}`" for line in step.skipped)]
        lines.append("")
    return "\n".join(lines)


def course_state(working_tree: bool = True) -> str:
    """The commit the course is at, and whether the checked working tree has changes.

    Example:
        >>> isinstance(course_state(), str)
        True
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "an unknown commit"
    if not working_tree:
        return f"commit {commit or 'unknown'} (committed files only)"
    return f"commit {commit or 'unknown'}" + (" with uncommitted changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tools/canary.py [--reuse] [--working-tree] [NOTEBOOK ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep an existing .canary/venv")
    parser.add_argument(
        "--working-tree", action="store_true", help="check the working tree, not the last commit"
    )
    parser.add_argument(
        "--execute", nargs=2, type=Path, metavar=("NOTEBOOK", "OUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    args = parser.parse_args(argv)
    if args.execute:  # inside the canary's environment: one notebook
        return execute_one(*args.execute)
    if not (3, 11) <= sys.version_info[:2] < (3, 14):
        sys.exit("The canary needs Python 3.11-3.13 (TPOT 1.1): make canary PYTHON=python3.11")

    sys.path.insert(0, str(REPO_ROOT / "tools"))
    from run_notebooks import notebook_paths

    if args.working_tree:
        course = REPO_ROOT
    else:
        course = EXPORT
        export_commit(REPO_ROOT, course)
    state = course_state(args.working_tree)
    pipfile_text = (course / "Pipfile").read_text(encoding="utf-8")
    direct = direct_dependencies(pipfile_text)
    local = local_packages(pipfile_text, course)
    locked = locked_versions(json.loads((course / "Pipfile.lock").read_text(encoding="utf-8")))
    tools = pipenv_pin((course / "Makefile").read_text(encoding="utf-8"))  # the lock's tool
    locked.update(tools)
    direct.update({name: name for name in tools})
    python = str(VENV / "bin" / "python")
    env = {**os.environ, "CHAPTER05_PROFILE": "ci", "COLUMNS": "400"}  # untruncated summaries
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    env.pop("PYTHONPATH", None)
    env["JUPYTER_DATA_DIR"] = str(VENV.parent / "jupyter-data")  # no user kernel shadows ours

    def build() -> Step:
        if args.reuse and Path(python).exists():  # only the course is installed again
            name = "build the environment (reused, the course installed again)"
            for n, install in enumerate(local):
                command = [python, "-m", "pip", "install", "--quiet", "--no-deps", *install]
                step = run_command(name, command, OUT / f"build-course-{n}.log")
                if not step.ok:
                    return step
            return Step(name, True)
        return build_environment(VENV, direct, OUT, local)

    def unit_tests() -> Step:
        command = [python, "-m", "pytest", *UNIT_TEST_ARGS]
        log = OUT / "unit-tests.log"
        return run_command("unit tests", command, log, env, None, pytest_failures, course)

    def notebook(source: Path) -> Callable[[], Step]:
        driver = course / "tools" / "canary.py"
        command = [python, str(driver), "--execute", str(source), str(OUT / "notebooks")]
        log = OUT / f"{source.stem}.log"
        failures = lambda output: [first_error_line(output)]  # noqa: E731
        return lambda: run_command(
            source.name, command, log, env, NOTEBOOK_TIMEOUT, failures, course
        )

    chosen = [course / "notebooks" / path.name for path in args.notebooks]
    sources = chosen or notebook_paths(course / "notebooks")
    checks = [("unit tests", unit_tests), *((s.name, notebook(s)) for s in sources)]
    print(f"canary: building {VENV} and running {len(checks)} checks; logs in {OUT}", flush=True)
    steps = run_canary(build, checks, lambda s: print(f"canary: {s.name}: {s.status}", flush=True))
    installed = {}
    if Path(python).exists():
        listing = subprocess.run(
            [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
        )
        if listing.returncode == 0:
            installed = installed_versions(listing.stdout)
    rows = version_table(direct, locked, installed)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(render_report(steps, rows, sys.version.split()[0], state), encoding="utf-8")
    for step in (s for s in steps if s.failures):
        print(f"canary: {step.name}:", *step.failures[:3], sep="\n    ")
    print(f"canary: report in {REPORT}")
    return exit_code(steps)


if __name__ == "__main__":
    raise SystemExit(main())
