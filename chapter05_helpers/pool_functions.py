"""The functions section 1 runs in process pools.

They live in a module, not in the notebook, on purpose: a process started with the *spawn*
method (Python 3.11's default on macOS and Windows) or the *forkserver* method comes from a
fresh interpreter. The pool sends it each task as a reference such as
``chapter05_helpers.pool_functions.sleep_func``, which the child can import from this module
but cannot find in a notebook's ``__main__``. Notebook 01 shows the failure.

Example:
    >>> sleep_for(0)
    Sleeping for 0 seconds
    'Finished sleeping for 0 seconds.'
"""

from __future__ import annotations

import sys
import time


def say(line: str) -> None:
    """Print ``line`` in one write and flush it, so lines from several processes stay whole
    (``print()`` writes the text and the newline separately: they can glue together).

    Example:
        >>> say("hello")
        hello
    """
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def sleep_func() -> str:
    """The book's first function: announce a one-second nap, take it, return ``'Done.'``.

    Example:
        >>> sleep_func()
        Sleeping for a 1 second
        'Done.'
    """
    say("Sleeping for a 1 second")
    time.sleep(1)
    return "Done."


def sleep_for(how_long: float) -> str:
    """The book's function with an argument: sleep ``how_long`` seconds and say so.

    Example:
        >>> sleep_for(0.01)
        Sleeping for 0.01 seconds
        'Finished sleeping for 0.01 seconds.'
    """
    say(f"Sleeping for {how_long} seconds")
    time.sleep(how_long)
    return f"Finished sleeping for {how_long} seconds."


def sum_of_squares(n: int) -> int:
    """Add up ``i * i`` for ``i`` below ``n`` in pure Python: busy CPU work, no waiting.

    Example:
        >>> sum_of_squares(4), sum_of_squares(10)
        (14, 285)
    """
    total = 0
    for i in range(n):
        total += i * i
    return total
