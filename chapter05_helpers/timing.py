"""Timing cells the way IPython's ``%%time`` does, and charts of what was measured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil


@dataclass
class Timing:
    """Wall-clock and CPU seconds of one ``with timer():`` block: ``cpu`` is this process's
    (all threads), as ``%%time`` reports; ``children`` that of child processes that ended in
    the block, such as a pool's workers (Linux reports it; macOS and Windows report 0)."""

    wall: float = float("nan")
    cpu: float = float("nan")
    children: float = 0.0


def _cpu() -> tuple[float, float, float]:
    t = psutil.Process().cpu_times()
    return t.user, t.system, getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)


@contextmanager
def timer(label: str = "", results: dict[str, float] | None = None) -> Iterator[Timing]:
    """Time the ``with`` block; print CPU and wall time like ``%%time``; record the wall time.

    The wall time is stored as ``results[label]`` when a dict is given. Child processes'
    CPU time is printed when there is some. The lines are printed even if the block raises.

    Example:
        >>> import time
        >>> times = {}
        >>> with timer("nap", times) as t:  # doctest: +ELLIPSIS
        ...     time.sleep(0.05)
        CPU times: user ... s, sys: ... s, total: ... s
        Wall time: 0.0... s
        >>> times["nap"] >= 0.05, t.cpu < t.wall
        (True, True)
    """
    timing = Timing()
    user0, sys0, child0 = _cpu()
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing.wall = time.perf_counter() - start
        user1, sys1, child1 = _cpu()
        timing.cpu = (user1 - user0) + (sys1 - sys0)
        timing.children = child1 - child0
        line = f"CPU times: user {user1 - user0:.2f} s, sys: {sys1 - sys0:.2f} s, "
        line += f"total: {timing.cpu:.2f} s"
        if timing.children > 0.005:
            line += f"; child processes: {timing.children:.2f} s"
        print(f"{line}\nWall time: {timing.wall:.2f} s")
        if results is not None:
            results[label] = timing.wall


def plot_bars(values: dict[str, float], title: str, unit: str = "s", color: str = "C0") -> Any:
    """Draw ``values`` as labelled horizontal bars, first label on top; return the Axes.

    ``unit`` names the quantity on the x axis (``"s"`` reads as wall-clock seconds).

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> ax = plot_bars({"slow": 2.0, "fast": 0.5}, "Naps")
        >>> [t.get_text() for t in ax.texts], ax.get_xlabel()
        ([' 2.00 s', ' 0.50 s'], 'wall-clock seconds')
    """
    import matplotlib.pyplot as plt

    labels = list(values)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1))
    ax.barh(labels, [values[label] for label in labels], color=color)
    ax.invert_yaxis()
    ax.set_xlabel("wall-clock seconds" if unit == "s" else unit)
    ax.set_title(title)
    for y, label in enumerate(labels):
        ax.text(
            values[label], y, f" {values[label]:.2f}" + (" s" if unit == "s" else ""), va="center"
        )
    ax.set_xlim(0, max(values.values()) * 1.25)
    fig.tight_layout()
    return ax


def plot_task_stream(records: list[dict], title: str) -> Any:
    """Draw a Dask task stream (``get_task_stream().data``) as the dashboard does; return the Axes.

    One row per worker, one bar per task from its start to its stop, in seconds since the
    first task started. Computing is coloured by task name. Anything else a worker records
    (data moving between workers) is red, and the legend names it only when there is some.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> run = {"action": "compute", "start": 10.0, "stop": 12.0}
        >>> records = [{"worker": "tcp://a:1", "key": "cube-1", "startstops": [run]},
        ...            {"worker": "tcp://b:2", "key": ("sum", 0), "startstops": [run]}]
        >>> ax = plot_task_stream(records, "Two tasks")
        >>> [t.get_text() for t in ax.get_yticklabels()], bool(ax.get_xlim()[1] >= 2.0)
        (['worker 1', 'worker 2'], True)
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['cube', 'sum']
    """
    import matplotlib.pyplot as plt

    workers = sorted({r["worker"] for r in records})
    names = sorted({_task_name(r["key"]) for r in records})
    colors = {name: f"C{i % 10}" for i, name in enumerate(names)}
    t0 = min(s["start"] for r in records for s in r["startstops"])
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(workers) + 1.5))
    for r in records:
        row = workers.index(r["worker"])
        for s in r["startstops"]:
            color = colors[_task_name(r["key"])] if s["action"] == "compute" else "tab:red"
            ax.broken_barh(
                [(s["start"] - t0, s["stop"] - s["start"])],
                (row - 0.4, 0.8),
                color=color,
                edgecolor="white",
                linewidth=0.5,
            )
    ax.set_yticks(range(len(workers)), [f"worker {i + 1}" for i in range(len(workers))])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the first task started")
    ax.set_title(title)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[n]) for n in names]
    labels = list(names)
    if any(s["action"] != "compute" for r in records for s in r["startstops"]):
        handles.append(plt.Rectangle((0, 0), 1, 1, color="tab:red"))
        labels.append("data transfer")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return ax


def _task_name(key: Any) -> str:
    """``'cube-6b90f420-...'`` or ``('cube-6b90...', 0)`` -> ``'cube'``."""
    text = key[0] if isinstance(key, tuple) else str(key)
    return text.split("-")[0]
