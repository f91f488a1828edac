"""``make run`` and ``make test`` start here: the system programs the course needs.

* ``dot`` (Graphviz), for ``graph.visualize()`` in notebooks 03 and 05: required;
* ``chromium`` (Debian's), for the browser tests (``-m browser``): optional (without it they are
  skipped, with a line saying how to get it).

A missing program is installed when this machine can do it without asking (root or
password-less sudo with apt-get; Homebrew for Graphviz), with one line saying so; otherwise
one line says how to install it, and for ``dot`` the command fails. ``CHAPTER05_NO_INSTALL=1``
turns the installing off. Usage: ``python tools/system_programs.py dot`` (or ``chromium``).

Example:
    >>> install_command("dot", which=lambda name: None, is_root=True) is None
    True
    >>> install_command("chromium", which=lambda name: "/usr/bin/" + name, is_root=True)[-1]
    'apt-get update -qq && apt-get install -y -qq chromium'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable

HINT = (
    "Graphviz's 'dot' program is missing (graph.visualize() needs it). Install it: "
    "Debian/Ubuntu 'sudo apt-get install graphviz' | Fedora 'sudo dnf install graphviz' | "
    "macOS 'brew install graphviz' | Windows 'winget install graphviz' (then open a new "
    "terminal) | conda 'conda install -c conda-forge graphviz'."
)
BROWSER_HINT = (
    "Chromium is missing: the browser tests will be skipped. To run them (Debian/Ubuntu): "
    "'sudo apt-get install chromium'."
)
# program -> (Debian package, Homebrew formula or None, hint, required)
PROGRAMS = {
    "dot": ("graphviz", "graphviz", HINT, True),
    "chromium": ("chromium", None, BROWSER_HINT, False),
}


def _sudo_without_password() -> bool:
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def install_command(
    program: str, which: Callable[[str], str | None] = shutil.which, is_root: bool | None = None
) -> list[str] | None:
    """The command that installs ``program`` here without asking for anything, or ``None``."""
    package, formula, _, _ = PROGRAMS[program]
    apt = f"apt-get update -qq && apt-get install -y -qq {package}"
    if is_root is None:
        is_root = getattr(os, "geteuid", lambda: -1)() == 0
    if which("apt-get"):
        if is_root:
            return ["sh", "-c", apt]
        if _sudo_without_password():
            return ["sudo", "-n", "sh", "-c", apt]
    if formula and which("brew"):
        return ["brew", "install", formula]
    return None


def main(program: str = "dot") -> int:
    """Exit 0 when ``program`` is (or has just been) installed, or is optional; 1 otherwise."""
    if shutil.which(program):
        return 0
    _, _, hint, required = PROGRAMS[program]
    command = None if os.environ.get("CHAPTER05_NO_INSTALL") == "1" else install_command(program)
    if command:
        print(f"{program} is missing; installing it: {command[-1]}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode == 0 and shutil.which(program):
            return 0
        print(done.stdout + done.stderr, file=sys.stderr)  # why the install failed
    print(hint, file=sys.stderr)
    return 1 if required else 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:2]))
