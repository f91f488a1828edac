import re

import pytest

from chapter05_helpers import timing
from chapter05_helpers.timing import timer


@pytest.fixture
def fake_clock(monkeypatch):
    ticks = iter([100.0, 102.5])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))


def test_prints_like_the_book_and_records(fake_clock, capsys):
    results = {}
    with timer("nap", results) as t:
        pass
    assert capsys.readouterr().out == "Took 2.50 seconds to execute!\n"
    assert t.seconds == 2.5
    assert float(t) == 2.5
    assert results == {"nap": 2.5}


def test_records_even_when_the_block_raises(fake_clock, capsys):
    results = {}
    with pytest.raises(ZeroDivisionError):
        with timer("boom", results):
            raise ZeroDivisionError
    assert results == {"boom": 2.5}
    assert "Took 2.50 seconds" in capsys.readouterr().out


def test_real_clock_measures_the_block(capsys):
    import time

    with timer() as t:
        time.sleep(0.05)
    assert t.seconds >= 0.05
    assert re.fullmatch(r"Took \d+\.\d\d seconds to execute!\n", capsys.readouterr().out)


def test_plot_times_draws_one_labelled_bar_per_measurement():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chapter05_helpers.timing import plot_times

    ax = plot_times({"slow": 2.0, "fast": 0.5}, "Naps", color="tab:red")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow", "fast"]
    assert [round(p.get_width(), 2) for p in ax.patches] == [2.0, 0.5]
    assert [t.get_text() for t in ax.texts] == [" 2.00 s", " 0.50 s"]
    assert ax.get_title() == "Naps"
    plt.close(ax.figure)
