"""The three sizes of the course, ``ci``, ``demo`` (the default) and ``book``.

Every size-dependent number the notebooks use lives in one :class:`Profile` per size; pick
one with ``CHAPTER05_PROFILE=ci|demo|book``.

Example:
    >>> get_profile("huge")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chapter05_helpers.profiles.UnknownProfileError: Unknown profile 'huge'. Valid profiles: ci...
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from chapter05_helpers.i18n import _

ENV_VAR = "CHAPTER05_PROFILE"
DEFAULT_PROFILE = "demo"


@dataclass(frozen=True)
class Profile:
    """All the size-dependent numbers of one course size."""

    name: str
    # Section 1: the CPU-bound function is timed on this many numbers per task.
    cpu_task_size: int
    # Section 2: the NumPy vs Dask array side (the array is side**3 float64 values).
    array_side: int
    array_chunk_side: int
    # Section 2: the yearly CSV files' rows (None: every second of the whole year).
    rows_per_year: int | None
    # Section 2: memory limit per worker in the larger-than-memory demo.
    small_worker_memory: str
    # Section 4: TPOT's budget and search size.
    tpot_max_time_mins: float
    tpot_max_eval_time_mins: float
    tpot_population_size: int
    tpot_cv: int
    tpot_search_space: str
    # Section 4: memory limit per worker of the course's LocalCluster.
    worker_memory_limit: str
    # Section 2: the years of the data set, the book's at every size.
    first_year: int = 2010
    last_year: int = 2019

    @property
    def years(self) -> list[int]:
        """The years of the CSV data set, first to last inclusive.

        Example:
            >>> PROFILES["ci"].years[0], len(PROFILES["book"].years)
            (2010, 10)
        """
        return list(range(self.first_year, self.last_year + 1))


PROFILES: dict[str, Profile] = {
    # the smallest size: every notebook in a few minutes on 2 cores
    "ci": Profile(
        name="ci",
        cpu_task_size=4_000_000,
        array_side=200,
        array_chunk_side=50,
        rows_per_year=6 * 3600,  # the first 6 hours of each year
        small_worker_memory="700MiB",
        tpot_max_time_mins=0.4,
        tpot_max_eval_time_mins=0.25,
        tpot_population_size=8,
        tpot_cv=3,
        tpot_search_space="linear-light",
        worker_memory_limit="2GiB",
    ),
    # a lesson on a laptop
    "demo": Profile(
        name="demo",
        cpu_task_size=10_000_000,
        array_side=500,
        array_chunk_side=125,
        rows_per_year=7 * 24 * 3600,  # the first week of each year
        small_worker_memory="800MiB",
        tpot_max_time_mins=2,
        tpot_max_eval_time_mins=1,
        tpot_population_size=20,
        tpot_cv=5,
        tpot_search_space="linear",
        worker_memory_limit="4GiB",
    ),
    # the chapter's full scale (10 x ~1 GB CSVs, 10-minute TPOT run)
    "book": Profile(
        name="book",
        cpu_task_size=20_000_000,
        array_side=1000,
        array_chunk_side=250,
        rows_per_year=None,
        small_worker_memory="1GiB",
        tpot_max_time_mins=10,
        tpot_max_eval_time_mins=2,
        tpot_population_size=50,
        tpot_cv=5,
        tpot_search_space="linear",
        worker_memory_limit="6GiB",
    ),
}


class UnknownProfileError(ValueError):
    """A profile name that is not one of :data:`PROFILES`."""


def get_profile(name: str | None = None) -> Profile:
    """Return the profile called ``name``, or the one ``CHAPTER05_PROFILE`` names.

    With neither, the ``demo`` profile is returned.

    Example:
        >>> get_profile(" Book ").name  # as an environment variable may spell it
        'book'
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or DEFAULT_PROFILE
    key = name.strip().lower()
    if key not in PROFILES:
        valid = ", ".join(PROFILES)
        message = _(
            "Unknown profile {name!r}. Valid profiles: {valid}. "
            "Set {env_var} to one of them (for example {env_var}=demo)."
        )
        raise UnknownProfileError(message.format(name=name, valid=valid, env_var=ENV_VAR))
    return PROFILES[key]
