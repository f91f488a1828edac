"""Where a TPOT search's worker time goes, read from a Dask task stream.

A task stream (``get_task_stream().data``) lists each finished task with the worker that ran it
and when it computed. One TPOT evaluation is one task. Between a search's first start and its
last stop, every worker's time falls into exactly one of four parts:

- **evaluating**: the worker computes a pipeline;
- **between a result and the next start**: the worker waits while the client collects a result
  and sends the next pipeline (and, for a steady-state search, breeds it);
- **at the end of a generation**: the worker has nothing left to do and waits for the others
  (at the end of a search, this also holds evaluations the search dropped when it stopped);
- **between generations**: every worker waits while the client breeds the next generation.

So the four parts add up to the wall time times the workers. A worker's *utilization* is the
evaluating share of that.

Example (two workers, two generations; the second starts at 10.0):
    >>> def task(worker, start, stop):
    ...     return {"worker": worker, "key": "eval-0", "startstops": [
    ...         {"action": "compute", "start": start, "stop": stop}]}
    >>> stream = [task("a", 0.0, 4.0), task("a", 4.5, 6.0), task("b", 0.0, 8.0),
    ...           task("a", 10.0, 14.0), task("b", 10.5, 14.0)]
    >>> parts = worker_time(stream, generation_starts=[9.0])
    >>> parts.wall, parts.workers, parts.evaluating, parts.utilization
    (14.0, 2, 21.0, 0.75)
    >>> parts.between_results, parts.end_of_generation, parts.between_generations
    (1.0, 2.0, 4.0)
    >>> parts.total == parts.wall * parts.workers, parts.evaluations
    (True, 5)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from chapter05_helpers.i18n import _

ROWS = {
    "evaluating": "evaluating",
    "between_results": "idle between a result and the next start",
    "end_of_generation": "idle at the end of a generation or search",
    "between_generations": "idle together while the client breeds",
}


@dataclass(frozen=True)
class WorkerTime:
    """Worker-seconds of a search by what the workers did, over ``wall`` seconds.

    ``longest`` is the longest evaluation; ``gaps`` holds each wait between one result and the
    next start on the same worker.

    Example:
        >>> parts = WorkerTime(wall=10.0, workers=2, evaluating=18.0, between_results=2.0)
        >>> parts.total, parts.utilization
        (20.0, 0.9)
    """

    wall: float
    workers: int
    evaluating: float = 0.0
    between_results: float = 0.0
    end_of_generation: float = 0.0
    between_generations: float = 0.0
    evaluations: int = 0
    longest: float = 0.0
    gaps: tuple[float, ...] = field(default=(), repr=False)

    @property
    def total(self) -> float:
        """The four parts summed: the wall time times the workers, when nothing overlaps."""
        return sum(getattr(self, name) for name in ROWS)

    @property
    def utilization(self) -> float:
        """The share of the workers' time spent evaluating (0 to 1)."""
        capacity = self.wall * self.workers
        return self.evaluating / capacity if capacity > 0 else float("nan")

    def summary(self) -> str:
        """One line: evaluations, wall time, utilization, the mean and the longest evaluation.

        Example:
            >>> parts = WorkerTime(wall=10.0, workers=2, evaluating=18.0, evaluations=6, longest=5)
            >>> parts.summary()
            '6 pipelines in 10.0 s, utilization 90.0%, mean evaluation 3.0 s, longest 5.0 s'
        """
        mean = self.evaluating / self.evaluations if self.evaluations else float("nan")
        return (
            f"{self.evaluations} pipelines in {self.wall:.1f} s, utilization "
            f"{self.utilization:.1%}, mean evaluation {mean:.1f} s, longest {self.longest:.1f} s"
        )

    def as_row(self) -> dict[str, float]:
        """The parts as shares of the wall time times the workers, utilization first.

        Example:
            >>> WorkerTime(wall=10.0, workers=2, evaluating=18.0, between_results=2.0).as_row()
            ... # doctest: +NORMALIZE_WHITESPACE
            {'utilization': 0.9, 'between_results': 0.1, 'end_of_generation': 0.0,
             'between_generations': 0.0}
        """
        capacity = self.wall * self.workers
        shares = {name: getattr(self, name) / capacity for name in ROWS if name != "evaluating"}
        return {"utilization": self.utilization, **shares}


def compute_intervals(stream: Iterable[Mapping[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    """Each worker's computing intervals ``(start, stop)`` in a task stream, sorted by start.

    Overlapping intervals on one worker (a worker with several threads) are merged, so a
    worker is never counted twice at the same moment. Data transfers are not computing.

    Example:
        >>> compute_intervals([{"worker": "a", "startstops": [
        ...     {"action": "transfer", "start": 0.0, "stop": 0.5},
        ...     {"action": "compute", "start": 0.5, "stop": 2.0}]},
        ...     {"worker": "a", "startstops": [{"action": "compute", "start": 1.0, "stop": 3.0}]}])
        {'a': [(0.5, 3.0)]}
    """
    raw: dict[str, list[tuple[float, float]]] = {}
    for record in stream:
        for part in record["startstops"]:
            if part["action"] == "compute":
                raw.setdefault(record["worker"], []).append((part["start"], part["stop"]))
    merged: dict[str, list[tuple[float, float]]] = {}
    for worker in sorted(raw):
        intervals: list[tuple[float, float]] = []
        for start, stop in sorted(raw[worker]):
            if intervals and start <= intervals[-1][1]:
                intervals[-1] = (intervals[-1][0], max(intervals[-1][1], stop))
            else:
                intervals.append((start, stop))
        merged[worker] = intervals
    return merged


def worker_time(
    stream: Iterable[Mapping[str, Any]], generation_starts: Sequence[float] = ()
) -> WorkerTime:
    """Split the workers' time in a search's task stream into its four parts.

    The window runs from the first evaluation's start to the last one's stop. Pass
    ``generation_starts`` (see :func:`generation_starts`) for a generational search: an
    evaluation belongs to the generation in which it started. Without them, the whole search is
    one generation, as for a steady-state search. Every worker in the stream counts.

    Example (one worker: a gap of 1 s between two evaluations):
        >>> run = [{"worker": "a", "startstops": [{"action": "compute", "start": s, "stop": e}]}
        ...        for s, e in [(0.0, 2.0), (3.0, 5.0)]]
        >>> parts = worker_time(run)
        >>> parts.wall, parts.evaluating, parts.between_results, parts.gaps
        (5.0, 4.0, 1.0, (1.0,))
    """
    records = list(stream)
    intervals = compute_intervals(records)
    if not intervals:
        raise ValueError(
            _("the task stream holds no computing: was it recorded around the search?")
        )
    bounds = sorted(generation_starts)
    generations: dict[int, dict[str, list[tuple[float, float]]]] = {}
    for worker, spans in intervals.items():
        for span in spans:
            index = sum(1 for bound in bounds if bound <= span[0])
            generations.setdefault(index, {}).setdefault(worker, []).append(span)
    evaluating = between_results = end_wait = between = 0.0
    gaps: list[float] = []
    previous_end = None
    for index in sorted(generations):
        by_worker = generations[index]
        start = min(s for spans in by_worker.values() for s, _ in spans)
        end = max(e for spans in by_worker.values() for _, e in spans)
        if previous_end is not None:
            between += max(0.0, start - previous_end) * len(intervals)
        previous_end = end
        for worker in intervals:
            spans = by_worker.get(worker, [])
            if not spans:  # nothing to do in this generation
                end_wait += end - start
                continue
            evaluating += sum(e - s for s, e in spans)
            first_wait = spans[0][0] - start
            inner = [nxt[0] - prev[1] for prev, nxt in zip(spans, spans[1:], strict=False)]
            gaps.extend(inner)
            between_results += first_wait + sum(inner)
            end_wait += end - spans[-1][1]
    wall = max(e for spans in intervals.values() for _, e in spans) - min(
        s for spans in intervals.values() for s, _ in spans
    )
    return WorkerTime(
        wall=wall,
        workers=len(intervals),
        evaluating=evaluating,
        between_results=between_results,
        end_of_generation=end_wait,
        between_generations=between,
        evaluations=sum(
            1 for r in records if any(p["action"] == "compute" for p in r["startstops"])
        ),
        longest=max(e - s for spans in intervals.values() for s, e in spans),
        gaps=tuple(gaps),
    )


def generation_starts(evaluated: pd.DataFrame) -> list[float]:
    """When the client sent each generation after the first: TPOT's own table, per generation.

    ``evaluated`` is a fitted TPOT estimator's ``evaluated_individuals``. Its
    ``Submitted Timestamp`` is the client's clock, which the task stream shares on one machine.

    Example:
        >>> table = pd.DataFrame({"Generation": [0.0, 0.0, 1.0, 1.0],
        ...                       "Submitted Timestamp": [0.0, 0.1, 9.0, 9.2]})
        >>> generation_starts(table)
        [9.0]
    """
    firsts = evaluated.groupby("Generation")["Submitted Timestamp"].min().dropna().sort_index()
    return [float(t) for t in firsts.iloc[1:]]


def by_generation(
    stream: Iterable[Mapping[str, Any]], generation_starts: Sequence[float]
) -> list[list[Mapping[str, Any]]]:
    """The task stream's records, one list per generation, by when each started computing.

    Example:
        >>> run = [{"worker": "a", "startstops": [{"action": "compute", "start": s, "stop": s}]}
        ...        for s in (0.0, 1.0, 5.0)]
        >>> [len(records) for records in by_generation(run, [4.0])]
        [2, 1]
    """
    bounds = sorted(generation_starts)
    generations: list[list[Mapping[str, Any]]] = [[] for _ in range(len(bounds) + 1)]
    for record in stream:
        starts = [p["start"] for p in record["startstops"] if p["action"] == "compute"]
        if starts:
            generations[sum(1 for bound in bounds if bound <= min(starts))].append(record)
    return generations


def breakdown_table(searches: Mapping[str, WorkerTime]) -> pd.DataFrame:
    """The parts of each search side by side, in worker-seconds and as shares of the total.

    The last row, the wall time times the workers, is what the four rows above it add up to.

    Example:
        >>> one = WorkerTime(wall=10.0, workers=2, evaluating=18.0, between_results=2.0)
        >>> breakdown_table({"search": one})  # doctest: +NORMALIZE_WHITESPACE
                                                   search (s) search (%)
        evaluating                                       18.0       90.0
        idle between a result and the next start          2.0       10.0
        idle at the end of a generation or search         0.0        0.0
        idle together while the client breeds             0.0        0.0
        wall time x workers                              20.0      100.0
    """
    columns = {}
    for label, parts in searches.items():
        seconds = [getattr(parts, name) for name in ROWS] + [parts.wall * parts.workers]
        capacity = parts.wall * parts.workers
        columns[f"{label} (s)"] = [round(value, 1) for value in seconds]
        columns[f"{label} (%)"] = [round(100 * value / capacity, 1) for value in seconds]
    return pd.DataFrame(columns, index=[*ROWS.values(), "wall time x workers"])


def plot_search_stream(
    stream: list[dict], title: str, generation_starts: Sequence[float] = ()
) -> Any:
    """The task stream of a search, with the times every worker waits for a new generation shaded.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> run = [{"worker": "a", "key": "eval-1", "startstops": [
        ...     {"action": "compute", "start": s, "stop": e}]} for s, e in [(0.0, 2.0), (5.0, 6.0)]]
        >>> ax = plot_search_stream(run, "Two generations", generation_starts=[4.0])
        >>> [(round(p.get_x(), 1), round(p.get_width(), 1)) for p in ax.patches if p.get_alpha()]
        [(2.0, 3.0)]
    """
    from chapter05_helpers.timing import plot_task_stream

    ax = plot_task_stream(stream, title)
    intervals = compute_intervals(stream)
    t0 = min(s for spans in intervals.values() for s, _ in spans)
    spans = [span for worker_spans in intervals.values() for span in worker_spans]
    bounds = sorted(generation_starts)
    for bound in bounds:
        before = [e for s, e in spans if s < bound]
        after = [s for s, _ in spans if s >= bound]
        if before and after:
            ax.axvspan(max(before) - t0, min(after) - t0, color="grey", alpha=0.3, lw=0)
    if bounds:
        ax.text(
            1.01, 0.02, "grey: all idle,\nthe client breeds", transform=ax.transAxes, va="bottom"
        )
    return ax


class SleepingPipeline:
    """A stand-in for a TPOT pipeline in TPOT's own evaluation loop: evaluating it only sleeps.

    TPOT's loop needs ``unique_id()``; :func:`sleep_then_score` is its evaluation.

    Example:
        >>> stand_in = SleepingPipeline("quick", 0.01)
        >>> stand_in.unique_id(), sleep_then_score(stand_in, X=None, y=None)
        ('quick', 1.0)
    """

    def __init__(self, name: str, seconds: float) -> None:
        self.name, self.seconds = name, seconds

    def unique_id(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"SleepingPipeline({self.name!r}, {self.seconds})"


def sleep_then_score(pipeline: SleepingPipeline, **data: Any) -> float:
    """Evaluate a stand-in: sleep for its seconds (one step in compiled code), then score 1.0."""
    time.sleep(pipeline.seconds)
    return 1.0


def _executing(dask_worker: Any) -> int:
    """Tasks occupying a worker's threads, cancelled ones included."""
    return dask_worker.state.executing_count


def wait_until_idle(client: Any, timeout: float = 600.0, poll: float = 0.2) -> float:
    """Wait until no worker runs a task, cancelled ones included; return the seconds waited.

    A search that stops cancels the evaluations still running, but each runs on to its end in
    its worker. Call this before timing the next search on the same cluster.

    Example (a one-thread worker in this process, a cancelled task of 0.5 s)::

        future = client.submit(time.sleep, 0.5)
        future.cancel()
        wait_until_idle(client)  # about 0.5
    """
    start = time.perf_counter()
    while any(client.run(_executing).values()):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(
                _("the workers still run tasks after {timeout:.0f} s").format(timeout=timeout)
            )
        time.sleep(poll)
    return time.perf_counter() - start
