import concurrent.futures
import multiprocessing

import pytest

from chapter05_helpers import pool_functions
from chapter05_helpers.pool_functions import sleep_for, sleep_func, sum_of_squares


@pytest.fixture
def no_sleep(monkeypatch):
    naps = []
    monkeypatch.setattr(pool_functions.time, "sleep", naps.append)
    return naps


def test_sleep_func(no_sleep, capsys):
    assert sleep_func() == "Done."
    assert no_sleep == [1]
    assert capsys.readouterr().out == "Sleeping for a 1 second\n"


def test_sleep_for(no_sleep, capsys):
    assert sleep_for(3) == "Finished sleeping for 3 seconds."
    assert no_sleep == [3]
    assert capsys.readouterr().out == "Sleeping for 3 seconds\n"


@pytest.mark.parametrize("n", [0, 1, 2, 10, 12345])
def test_sum_of_squares_matches_the_formula(n):
    assert sum_of_squares(n) == (n - 1) * n * (2 * n - 1) // 6


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_they_run_in_a_pool_under_every_start_method(method):
    context = multiprocessing.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        assert pool.submit(sleep_for, 0).result() == "Finished sleeping for 0 seconds."
        assert list(pool.map(sum_of_squares, [3, 4])) == [5, 14]
