"""tools/system_programs.py: installs what the machine allows, else one hint line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import REPO
from system_programs import BROWSER_HINT, HINT

TOOL = REPO / "tools" / "system_programs.py"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="stand-in programs are scripts")


def stand_in(folder, name: str, body: str) -> None:
    program = folder / name
    program.write_text(f"#!/bin/sh\n{body}\n")
    program.chmod(0o755)


def check(path, program="dot", **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), program],
        env={**os.environ, "PATH": str(path), **env},
        capture_output=True,
        text=True,
    )


def test_dot_present_says_nothing(tmp_path):
    stand_in(tmp_path, "dot", "")
    result = check(tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_nothing_to_install_with_gives_the_one_line_hint(tmp_path):
    result = check(tmp_path)  # a PATH with no dot, apt-get, sudo or brew
    assert result.returncode == 1
    assert result.stderr.strip() == HINT
    for system in ("apt-get", "brew", "winget", "conda"):
        assert system in HINT


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() != 0, reason="needs root")
def test_as_root_with_apt_get_it_installs_and_says_so_in_one_line(tmp_path):
    # a stand-in apt-get that "installs" a stand-in dot beside itself and logs its calls
    stand_in(
        tmp_path,
        "apt-get",
        f'echo "$@" >> {tmp_path}/log\n[ "$1" = install ] && '
        f'printf "#!/bin/sh\\n" > {tmp_path}/dot && /bin/chmod +x {tmp_path}/dot; exit 0',
    )
    stand_in(tmp_path, "sh", 'exec /bin/sh "$@"')
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "dot is missing; installing it: apt-get update -qq && apt-get install -y -qq graphviz"
    ]
    assert (tmp_path / "log").read_text().splitlines() == ["update -qq", "install -y -qq graphviz"]


def test_installing_can_be_turned_off(tmp_path):
    stand_in(tmp_path, "apt-get", f"touch {tmp_path}/called")
    stand_in(tmp_path, "brew", f"touch {tmp_path}/called")
    result = check(tmp_path, CHAPTER05_NO_INSTALL="1")
    assert result.returncode == 1 and result.stderr.strip() == HINT
    assert not (tmp_path / "called").exists()


def test_a_missing_browser_is_installed_or_explained_but_never_fails(tmp_path):
    result = check(tmp_path, "chromium", CHAPTER05_NO_INSTALL="1")
    assert (result.returncode, result.stderr.strip()) == (0, BROWSER_HINT)
    stand_in(tmp_path, "chromium", "")
    assert check(tmp_path, "chromium").returncode == 0
