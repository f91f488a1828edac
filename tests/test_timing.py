import concurrent.futures
import re
import sys
import time

import pytest

from chapter05_helpers import timing
from chapter05_helpers.pool_functions import sum_of_squares
from chapter05_helpers.timing import plot_bars, timer

LINES = r"CPU times: user \d+\.\d\d s, sys: \d+\.\d\d s, total: \d+\.\d\d s\nWall time: 0\.2\d s\n"


@pytest.fixture
def fake_clocks(monkeypatch):
    walls = iter([100.0, 102.5])
    cpus = iter([(1.0, 0.5, 0.0), (1.25, 0.75, 3.0)])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(walls))
    monkeypatch.setattr(timing, "_cpu", lambda: next(cpus))


def test_prints_cpu_and_wall_time_like_percent_time_and_records(fake_clocks, capsys):
    results = {}
    with timer("nap", results) as t:
        pass
    assert capsys.readouterr().out == (
        "CPU times: user 0.25 s, sys: 0.25 s, total: 0.50 s; child processes: 3.00 s\n"
        "Wall time: 2.50 s\n"
    )
    assert (t.wall, t.cpu, t.children) == (2.5, 0.5, 3.0)
    assert results == {"nap": 2.5}


def test_records_even_when_the_block_raises(fake_clocks, capsys):
    results = {}
    with pytest.raises(ZeroDivisionError):
        with timer("boom", results):
            raise ZeroDivisionError
    assert results == {"boom": 2.5}
    assert "Wall time: 2.50 s" in capsys.readouterr().out


def test_sleeping_costs_wall_time_not_cpu_time(capsys):
    with timer() as t:
        time.sleep(0.2)
    assert t.wall >= 0.2 and t.cpu < 0.1
    assert re.fullmatch(LINES, capsys.readouterr().out)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux reports child processes' CPU time")
def test_a_process_pools_cpu_time_is_counted_as_child_processes(capsys):
    with timer() as t:
        with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(sum_of_squares, [2_000_000] * 2))
    assert t.children > 0.1
    assert "; child processes: " in capsys.readouterr().out


def test_plot_bars_draws_one_labelled_bar_per_measurement():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = plot_bars({"slow": 2.0, "fast": 0.5}, "Naps", color="tab:red")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow", "fast"]
    assert [round(p.get_width(), 2) for p in ax.patches] == [2.0, 0.5]
    assert [t.get_text() for t in ax.texts] == [" 2.00 s", " 0.50 s"]
    assert ax.get_xlabel() == "wall-clock seconds"
    ax = plot_bars({"1 worker": 10.0}, "Speed", unit="pipelines per minute")
    assert ax.get_xlabel() == "pipelines per minute" and ax.texts[0].get_text() == " 10.00"
    plt.close("all")


def test_plot_task_stream_names_transfers_only_when_there_are_some():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    def red_bars(ax):
        return sum(tuple(c.get_facecolor()[0]) == to_rgba("tab:red") for c in ax.collections)

    cube = {"action": "compute", "start": 10.0, "stop": 11.0}
    move = {"action": "transfer", "start": 11.0, "stop": 11.5}
    product = {"action": "compute", "start": 11.5, "stop": 11.6}
    records = [
        {"worker": "tcp://a:1", "key": "cube-1", "startstops": [cube]},
        {"worker": "tcp://b:2", "key": ("multiply-2", 0), "startstops": [move, product]},
    ]
    ax = timing.plot_task_stream(records, "With a transfer")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["cube", "multiply", "data transfer"] and red_bars(ax) == 1
    records[1]["startstops"] = [product]
    ax = timing.plot_task_stream(records, "Without")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["cube", "multiply"] and red_bars(ax) == 0
    plt.close("all")
