"""chapter05_helpers.tpot_timing on synthetic task streams: the parts add up, each to its cause."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest
from support import small_cluster

from chapter05_helpers.tpot_timing import (
    WorkerTime,
    breakdown_table,
    by_generation,
    compute_intervals,
    generation_starts,
    plot_search_stream,
    wait_until_idle,
    worker_time,
)

matplotlib.use("Agg")


def stream(*tasks: tuple[str, float, float], transfer: float = 0.0) -> list[dict]:
    """Task-stream records, one per ``(worker, start, stop)``; ``transfer`` s of fetching first."""
    records = []
    for worker, start, stop in tasks:
        parts = [{"action": "compute", "start": start, "stop": stop}]
        if transfer:
            parts.insert(0, {"action": "transfer", "start": start - transfer, "stop": start})
        records.append(
            {"worker": worker, "key": f"eval_objective_list-{start}", "startstops": parts}
        )
    return records


def adds_up(parts: WorkerTime) -> bool:
    return math.isclose(parts.total, parts.wall * parts.workers, abs_tol=1e-9)


def test_one_busy_worker_is_fully_utilized():
    parts = worker_time(stream(("a", 0.0, 2.0), ("a", 2.0, 5.0)))
    assert (parts.wall, parts.workers, parts.evaluating, parts.utilization) == (5.0, 1, 5.0, 1.0)
    assert parts.between_results == parts.end_of_generation == parts.between_generations == 0.0


def test_gaps_between_results_on_one_worker():
    parts = worker_time(stream(("a", 0.0, 2.0), ("a", 2.5, 4.0), ("a", 4.25, 5.0)))
    assert parts.gaps == (0.5, 0.25)
    assert parts.between_results == 0.75 and parts.utilization == pytest.approx(4.25 / 5.0)
    assert adds_up(parts)


def test_a_worker_waiting_for_the_slowest_counts_as_end_of_generation():
    parts = worker_time(stream(("a", 0.0, 1.0), ("a", 1.0, 2.0), ("b", 0.0, 6.0)))
    assert parts.end_of_generation == 4.0  # worker a, from 2.0 to 6.0
    assert parts.between_results == 0.0 and parts.between_generations == 0.0
    assert parts.utilization == pytest.approx(8.0 / 12.0) and adds_up(parts)


def test_the_shared_gap_between_generations_counts_once_per_worker():
    tasks = [("a", 0.0, 4.0), ("b", 0.0, 3.0), ("a", 7.0, 9.0), ("b", 7.5, 9.0)]
    parts = worker_time(stream(*tasks), generation_starts=[6.9])
    assert parts.between_generations == 6.0  # 4.0 to 7.0, both workers
    assert parts.end_of_generation == 1.0  # b, 3.0 to 4.0
    assert parts.between_results == 0.5  # b starts the second generation 0.5 s after a
    assert adds_up(parts)


def test_without_generation_starts_the_same_gap_is_a_wait_between_results():
    """A steady-state search has no generations: a shared pause is each worker's wait."""
    tasks = [("a", 0.0, 4.0), ("b", 0.0, 4.0), ("a", 7.0, 9.0), ("b", 7.0, 9.0)]
    parts = worker_time(stream(*tasks))
    assert parts.between_generations == 0.0 and parts.between_results == 6.0
    assert adds_up(parts)


def test_a_worker_with_nothing_to_do_in_a_generation_waits_the_whole_generation():
    tasks = [("a", 0.0, 1.0), ("b", 0.0, 1.0), ("a", 2.0, 5.0)]
    parts = worker_time(stream(*tasks), generation_starts=[1.5])
    assert parts.end_of_generation == 3.0 and parts.between_generations == 2.0
    assert adds_up(parts)


def test_a_generation_start_after_every_task_changes_nothing():
    tasks = [("a", 0.0, 1.0), ("b", 0.0, 2.0)]
    assert worker_time(stream(*tasks), generation_starts=[10.0]) == worker_time(stream(*tasks))


def test_data_transfers_are_not_evaluating():
    parts = worker_time(stream(("a", 1.0, 2.0), ("a", 3.0, 4.0), transfer=0.5))
    assert parts.evaluating == 2.0 and parts.wall == 3.0 and parts.evaluations == 2


def test_overlapping_tasks_on_one_worker_are_counted_once():
    intervals = compute_intervals(stream(("a", 0.0, 2.0), ("a", 1.0, 3.0), ("a", 4.0, 5.0)))
    assert intervals == {"a": [(0.0, 3.0), (4.0, 5.0)]}
    assert adds_up(worker_time(stream(("a", 0.0, 2.0), ("a", 1.0, 3.0), ("a", 4.0, 5.0))))


def test_an_empty_stream_says_what_is_wrong():
    with pytest.raises(ValueError, match="no computing"):
        worker_time([])


def test_generation_starts_come_from_tpots_table():
    table = pd.DataFrame(
        {
            "Generation": [0, 0, 1, 1, 2, 2],
            "Submitted Timestamp": [10.0, 10.1, 30.0, 30.2, 55.0, float("nan")],
        }
    )
    assert generation_starts(table) == [30.0, 55.0]
    unsent = table.assign(**{"Submitted Timestamp": [10.0, 10.1, 30.0, 30.2, None, None]})
    assert generation_starts(unsent) == [30.0]


def test_the_table_rows_add_up_to_the_last_row():
    parts = worker_time(
        stream(("a", 0.0, 4.0), ("b", 0.0, 3.0), ("a", 7.0, 9.0), ("b", 7.5, 9.0)),
        generation_starts=[6.9],
    )
    shown = breakdown_table({"generational": parts, "steady-state": parts})
    seconds = shown["generational (s)"]
    assert seconds.iloc[:-1].sum() == pytest.approx(seconds.iloc[-1]) == 18.0
    assert shown["steady-state (%)"].iloc[:-1].sum() == pytest.approx(100.0)
    assert shown.index[0] == "evaluating"


def test_as_row_puts_utilization_first_and_the_shares_sum_to_one():
    parts = worker_time(stream(("a", 0.0, 1.0), ("a", 1.5, 2.0), ("b", 0.0, 2.0)))
    row = parts.as_row()
    assert list(row)[0] == "utilization"
    assert sum(row.values()) == pytest.approx(1.0)


def test_the_plot_shades_only_the_shared_gap():
    tasks = [("a", 0.0, 4.0), ("b", 0.0, 3.0), ("a", 7.0, 9.0), ("b", 7.5, 9.0)]
    ax = plot_search_stream(stream(*tasks), "two generations", generation_starts=[6.9])
    shaded = [(p.get_x(), p.get_width()) for p in ax.patches if p.get_alpha()]
    assert shaded == [(4.0, 3.0)]


def test_by_generation_splits_where_worker_time_does():
    tasks = [("a", 0.0, 4.0), ("b", 0.0, 3.0), ("a", 7.0, 9.0), ("b", 7.5, 9.0)]
    first, second = by_generation(stream(*tasks), [6.9])
    assert [r["worker"] for r in first] == ["a", "b"] and len(second) == 2
    assert worker_time(first).wall == 4.0


def test_wait_until_idle_waits_for_a_cancelled_task():
    import time

    with small_cluster(1) as (cluster, client):
        assert wait_until_idle(client) < 0.5
        future = client.submit(time.sleep, 0.8, pure=False)
        time.sleep(0.2)  # running
        future.cancel()
        assert 0.3 < wait_until_idle(client, poll=0.05) < 2.0
