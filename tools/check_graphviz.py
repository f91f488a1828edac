"""``make run`` and ``make test`` start here: is Graphviz's ``dot`` program installed?

``graph.visualize()`` (notebooks 03 and 05) needs it. When it is missing and this machine can
install it without asking (root or password-less sudo with apt-get, or Homebrew), it is
installed, with one line saying so; otherwise the command stops with one line giving the
install command for each system. ``CHAPTER05_NO_INSTALL=1`` turns the installing off.

Example:
    >>> install_command(which=lambda name: None, is_root=True) is None
    True
    >>> install_command(which=lambda name: "/usr/bin/apt-get" if name == "apt-get" else None,
    ...                 is_root=True)[-1]
    'apt-get update -qq && apt-get install -y -qq graphviz'
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
APT = "apt-get update -qq && apt-get install -y -qq graphviz"


def _sudo_without_password() -> bool:
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def install_command(
    which: Callable[[str], str | None] = shutil.which, is_root: bool | None = None
) -> list[str] | None:
    """The command that installs Graphviz here without asking for anything, or ``None``."""
    if is_root is None:
        is_root = getattr(os, "geteuid", lambda: -1)() == 0
    if which("apt-get"):
        if is_root:
            return ["sh", "-c", APT]
        if _sudo_without_password():
            return ["sudo", "-n", "sh", "-c", APT]
    if which("brew"):
        return ["brew", "install", "graphviz"]
    return None


def main() -> int:
    """Exit 0 when ``dot`` is (or has just been) installed, 1 with the hint otherwise."""
    if shutil.which("dot"):
        return 0
    command = None if os.environ.get("CHAPTER05_NO_INSTALL") == "1" else install_command()
    if command:
        print(f"Graphviz's dot is missing; installing it: {' '.join(command[-1:])}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode == 0 and shutil.which("dot"):
            return 0
        print(done.stdout + done.stderr, file=sys.stderr)  # why the install failed
    print(HINT, file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
