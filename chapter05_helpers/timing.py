"""Timing the lessons' cells the way the book prints them.

Example:
    >>> import time
    >>> from chapter05_helpers.timing import timer
    >>> with timer() as t:
    ...     time.sleep(0.01)  # doctest: +ELLIPSIS
    Took ... seconds to execute!
    >>> t.seconds > 0
    True
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    """The elapsed wall-clock time of one ``with timer():`` block, in seconds."""

    label: str = ""
    seconds: float = field(default=float("nan"))

    def __float__(self) -> float:
        return self.seconds


@contextmanager
def timer(label: str = "", results: dict[str, float] | None = None) -> Iterator[Timing]:
    """Time the ``with`` block with :func:`time.perf_counter`.

    On exit it prints ``Took N seconds to execute!`` (as the book does). The
    elapsed time is on the yielded :class:`Timing`, and is also stored as
    ``results[label]`` when a ``results`` dict is given, ready for a bar chart.
    The message is printed and the time recorded even when the block raises.

    Example:
        >>> times = {}
        >>> with timer("nap", times):  # doctest: +ELLIPSIS
        ...     pass
        Took ... seconds to execute!
        >>> list(times)
        ['nap']
    """
    timing = Timing(label=label)
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing.seconds = time.perf_counter() - start
        if results is not None:
            results[label] = timing.seconds
        print(f"Took {timing.seconds:.2f} seconds to execute!")


def plot_times(times: dict[str, float], title: str = "", color: str = "tab:blue") -> Any:
    """Draw the measured seconds as labelled horizontal bars (first label on top); return the Axes.

    Example::

        times = {}
        with timer("nap", times):
            time.sleep(0.1)
        plot_times(times, "One nap")
        plt.show()
    """
    import matplotlib.pyplot as plt

    labels = list(times)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1))
    ax.barh(labels, [times[label] for label in labels], color=color)
    ax.invert_yaxis()
    ax.set_xlabel("seconds (wall clock)")
    ax.set_title(title)
    for y, label in enumerate(labels):
        ax.text(times[label], y, f" {times[label]:.2f} s", va="center")
    ax.set_xlim(0, max(times.values()) * 1.25)
    fig.tight_layout()
    return ax
