"""The one setup cell every notebook opens with, and the Graphviz check.

Example:
    >>> from chapter05_helpers.setup import notebook_setup
    >>> profile = notebook_setup("numpy")  # doctest: +ELLIPSIS
    Profile: ...
    Python 3..., numpy 2...
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import shutil
import sys
from importlib.metadata import PackageNotFoundError, version

from chapter05_helpers.profiles import Profile, get_profile

START_METHOD_ENV_VAR = "CHAPTER05_START_METHOD"

GRAPHVIZ_HINT = (
    "Graphviz's 'dot' program is missing (graph.visualize() needs it). Install it: "
    "Debian/Ubuntu 'sudo apt-get install graphviz' | Fedora 'sudo dnf install graphviz' | "
    "macOS 'brew install graphviz' | "
    "Windows 'winget install graphviz' (then open a new terminal) | "
    "conda 'conda install -c conda-forge graphviz'."
)

# The oldest releases the notebooks are written for (the lock pins newer or equal ones).
MINIMUM_VERSIONS = {
    "dask": "2025.1",
    "distributed": "2025.1",
    "pandas": "3.0",
    "scikit-learn": "1.6",
    "tpot": "1.1",
}


def _as_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def package_version(name: str) -> str:
    """Return the installed version of ``name``, or ``'not installed'``.

    Example:
        >>> package_version("surely-not-a-package-name")
        'not installed'
    """
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def check_versions(*packages: str) -> dict[str, str]:
    """Return ``{package: version}`` and fail clearly when one is missing or too old.

    Example:
        >>> check_versions()
        {}
    """
    if not (3, 11) <= sys.version_info[:2] < (3, 14):
        raise RuntimeError(
            f"Python {platform.python_version()} found; the course needs 3.11-3.13 "
            "(TPOT 1.1 does not install on 3.14). See README.md, 'Installing, per system'."
        )
    found = {}
    for name in packages:
        installed = package_version(name)
        minimum = MINIMUM_VERSIONS.get(name)
        if installed == "not installed" or (minimum and _as_tuple(installed) < _as_tuple(minimum)):
            found_text = (
                "is not installed" if installed == "not installed" else f"{installed} found"
            )
            needed = f"{name} >= {minimum}" if minimum else name
            raise RuntimeError(
                f"{name} {found_text}; the course needs {needed}. "
                "Rebuild the environment from the lock: `make env` (or `pipenv sync --dev`)."
            )
        found[name] = installed
    return found


def apply_start_method() -> str:
    """Use the start method named by ``CHAPTER05_START_METHOD``, if set; return the one in use.

    The test suite sets it to run notebook 01 under fork, spawn and forkserver.

    Example:
        >>> apply_start_method() in {"fork", "spawn", "forkserver"}
        True
    """
    wanted = os.environ.get(START_METHOD_ENV_VAR, "").strip()
    if wanted:
        valid = multiprocessing.get_all_start_methods()
        if wanted not in valid:
            raise ValueError(
                f"{START_METHOD_ENV_VAR}={wanted!r} is not available here; "
                f"choose one of {', '.join(valid)} or unset it."
            )
        multiprocessing.set_start_method(wanted, force=True)
    return multiprocessing.get_start_method()


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` executable is on the PATH.

    Example:
        >>> isinstance(graphviz_available(), bool)
        True
    """
    return shutil.which("dot") is not None


def notebook_setup(*packages: str) -> Profile:
    """Check versions, print the profile and versions in use, and return the profile.

    Example:
        >>> profile = notebook_setup("dask")  # doctest: +ELLIPSIS
        Profile: ...
        Python 3..., dask 20...
    """
    profile = get_profile()
    found = check_versions(*packages)
    print(f"Profile: {profile.name} ({profile.description})")
    listed = ", ".join(f"{name} {ver}" for name, ver in found.items())
    print(f"Python {platform.python_version()}" + (f", {listed}" if listed else ""))
    return profile


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--check-graphviz`` exits 1 with the install hint when ``dot`` is missing."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check-graphviz"]:
        if graphviz_available():
            return 0
        print(GRAPHVIZ_HINT, file=sys.stderr)
        return 1
    print("usage: python -m chapter05_helpers.setup --check-graphviz", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
