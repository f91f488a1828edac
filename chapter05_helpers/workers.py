"""The functions the lessons run in parallel.

They live in a module, not in the notebooks, on purpose: a process pool started
with the *spawn* or *forkserver* start method (the default on macOS and Windows,
and on Linux from Python 3.14) sends each task to a fresh interpreter by name,
``chapter05_helpers.workers.sleep_func``. A fresh interpreter can import that
module; it cannot find a function that exists only inside a notebook's
``__main__``. The notebooks print the source of each function before using it.

Example:
    >>> from chapter05_helpers.workers import cube, multiply
    >>> multiply([cube(2), cube(3)])
    cube(2) called!
    cube(3) called!
    multiply([[8, 27]]) called!
    216
"""

from __future__ import annotations

import math
import sys
import time


def say(line: str) -> None:
    """Print ``line`` in one write and flush it at once.

    ``print()`` writes the text and the newline separately, so when several
    processes print at the same moment their words can end up glued on one line.
    One write per line keeps each line whole.

    Example:
        >>> say("hello")
        hello
    """
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def sleep_func() -> str:
    """Announce a one-second nap, take it, and return ``'Done.'`` (the book's first function).

    Example:
        >>> sleep_func()
        Sleeping for a 1 second
        'Done.'
    """
    say("Sleeping for a 1 second")
    time.sleep(1)
    return "Done."


def sleep_for(how_long: float) -> str:
    """Sleep ``how_long`` seconds and say so (the book's function with an argument).

    Example:
        >>> sleep_for(0)
        Sleeping for 0 seconds
        'Finished sleeping for 0 seconds.'
    """
    say(f"Sleeping for {how_long} seconds")
    time.sleep(how_long)
    return f"Finished sleeping for {how_long} seconds."


def sum_of_squares(n: int) -> int:
    """Add up ``i * i`` for ``i`` below ``n`` in pure Python: busy CPU work, no waiting.

    Example:
        >>> sum_of_squares(4)
        14
    """
    total = 0
    for i in range(n):
        total += i * i
    return total


def cube(number: int) -> int:
    """Return ``number ** 3`` after a one-second pause (section 3's slow task).

    Example:
        >>> cube(3)
        cube(3) called!
        27
    """
    say(f"cube({number}) called!")
    time.sleep(1)
    return number**3


def multiply(items: list[int]) -> int:
    """Return the product of ``items`` (section 3's final task).

    Example:
        >>> multiply([1, 8, 27])
        multiply([[1, 8, 27]]) called!
        216
    """
    say(f"multiply([{items}]) called!")
    return math.prod(items)
