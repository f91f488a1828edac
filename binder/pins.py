"""Write binder/environment.yml from Pipfile.lock: the lock's packages, each at its locked version.

Binder (repo2docker) reads ``binder/environment.yml`` before any Pipfile, and its Pipfile path
uses an old pipenv, so the lock's ``default`` packages (not the maintainers' ``develop`` ones)
are written out as exact pip pins. Run it after every change of the lock:
``.venv/bin/python binder/pins.py``. ``tests/test_binder.py`` fails while the file is stale.

Example:
    >>> lines = pip_lines({"default": {"dask": {"version": "==2026.8.0"}}})
    >>> lines
    ['dask==2026.8.0']
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HEADER = """\
# Binder's environment (repo2docker), written by binder/pins.py from Pipfile.lock: do not edit.
# conda gives Python 3.11 (repo2docker's JupyterLab then runs in this same environment); pip
# gives every package of the lock at its locked version. Local paths are relative to binder/.
name: chapter05
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""
# the lock's path entries, as pip sees them from binder/ (conda runs pip there)
LOCAL = {"chapter05-helpers": "-e ..", "chapter05-lab-settings": "../jupyter-config"}


def pip_lines(lock: dict) -> list[str]:
    """One pip requirement per package of the lock's ``default`` section, in the lock's order.

    Example:
        >>> pip_lines({"default": {"chapter05-helpers": {"path": ".", "editable": True}}})
        ['-e ..']
    """
    lines = []
    for name, spec in lock["default"].items():
        if name in LOCAL:
            lines.append(LOCAL[name])
            continue
        extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
        markers = f"; {spec['markers']}" if spec.get("markers") else ""
        lines.append(f"{name}{extras}{spec['version']}{markers}")
    return lines


def environment_yml(lock: dict) -> str:
    """The text of ``binder/environment.yml`` for ``lock``.

    Example:
        >>> environment_yml({"default": {"tpot": {"version": "==1.1.0"}}}).splitlines()[-1]
        '      - "tpot==1.1.0"'
    """
    return HEADER + "".join(f"      - {json.dumps(line)}\n" for line in pip_lines(lock))


if __name__ == "__main__":
    lock = json.loads((REPO / "Pipfile.lock").read_text(encoding="utf-8"))
    (HERE / "environment.yml").write_text(environment_yml(lock), encoding="utf-8")
    print(f"wrote {HERE / 'environment.yml'}: {len(lock['default'])} packages")
