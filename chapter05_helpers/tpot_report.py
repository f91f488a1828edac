"""Reading TPOT 1.1's ``evaluated_individuals``: invalid pipelines, best score over time, speed.

TPOT 1.1 keeps one row per pipeline it tried. The score column is named after the scorer's
function (``accuracy`` -> ``accuracy_score``); ``Eval Error`` is ``"INVALID"`` when the
pipeline raised, ``"TIMEOUT"`` when it ran over ``max_eval_time_mins``, and empty otherwise;
``Submitted Timestamp`` and ``Completed Timestamp`` are ``time.time()`` seconds.

Example:
    >>> import pandas as pd
    >>> rows = pd.DataFrame({
    ...     "accuracy_score": [0.9, None, 0.95, None],
    ...     "Eval Error": [None, "INVALID", None, None],
    ...     "Submitted Timestamp": [0.0, 0.0, 10.0, 50.0],
    ...     "Completed Timestamp": [30.0, 5.0, 60.0, None],
    ... })
    >>> summary = evaluation_summary(rows)
    >>> summary["finished"], summary["invalid"], summary["per_minute"]
    (3, 1, 3.0)
"""

from __future__ import annotations

import pandas as pd

SCORE = "accuracy_score"
ERROR = "Eval Error"
SUBMITTED = "Submitted Timestamp"
COMPLETED = "Completed Timestamp"


def evaluation_summary(evaluated: pd.DataFrame, score: str = SCORE) -> dict[str, float]:
    """Counts and speed of a TPOT run.

    ``finished``: pipelines that got a score or an error (those cut off by the time budget
    did not finish); ``invalid`` and ``timeout``: the two kinds of error; ``per_minute``:
    finished pipelines per minute from the first submission to the last completion;
    ``best``: the best score.

    Example:
        >>> rows = pd.DataFrame({SCORE: [0.5], ERROR: [None], SUBMITTED: [0.0], COMPLETED: [60.0]})
        >>> evaluation_summary(rows)["per_minute"]
        1.0
    """
    finished = evaluated[score].notna() | evaluated[ERROR].notna()
    span_minutes = (evaluated[COMPLETED].max() - evaluated[SUBMITTED].min()) / 60
    return {
        "tried": len(evaluated),
        "finished": int(finished.sum()),
        "invalid": int((evaluated[ERROR] == "INVALID").sum()),
        "timeout": int((evaluated[ERROR] == "TIMEOUT").sum()),
        "per_minute": float(finished.sum() / span_minutes) if span_minutes > 0 else float("nan"),
        "best": float(evaluated[score].max()),
    }


def best_score_over_time(evaluated: pd.DataFrame, score: str = SCORE) -> pd.Series:
    """The best score found so far, indexed by minutes since the run's first submission.

    Example:
        >>> rows = pd.DataFrame({SCORE: [0.9, 0.8, 0.95], ERROR: [None] * 3,
        ...                      SUBMITTED: [0.0, 0.0, 0.0], COMPLETED: [30.0, 60.0, 90.0]})
        >>> best_score_over_time(rows).tolist()
        [0.9, 0.9, 0.95]
    """
    scored = evaluated.dropna(subset=[score]).sort_values(COMPLETED)
    minutes = (scored[COMPLETED] - evaluated[SUBMITTED].min()) / 60
    return pd.Series(scored[score].cummax().to_numpy(), index=minutes.to_numpy(), name="best")
