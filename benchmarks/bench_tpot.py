"""Benchmark: TPOT 1.1 on the digits, 50/50 split, on a local Dask cluster, per profile.

Run from the repository root:

    .venv/bin/python benchmarks/bench_tpot.py --profile ci
    .venv/bin/python benchmarks/bench_tpot.py --profile book              # 2 x 10 minutes
    .venv/bin/python benchmarks/bench_tpot.py --profile ci --inner        # the INVALID defect

For each worker count (default: 1 and one per core) it runs the notebook's search with the
profile's settings and reports the fit time, the test accuracy of the fitted pipeline, the
pipelines tried / finished / INVALID, and the pipelines finished per minute. ``--inner``
runs with TPOT's default ``allow_inner_classifiers`` (inner classifiers on) instead of
``False``, to measure how many pipelines the defect throws away. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

warnings.filterwarnings("ignore")


def run(profile, workers: int, inner: bool) -> dict:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from tpot import TPOTClassifier

    from chapter05_helpers.cluster import start_local_client
    from chapter05_helpers.tpot_report import evaluation_summary

    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.5, random_state=42
    )
    with start_local_client(profile, n_workers=workers) as client:
        estimator = TPOTClassifier(
            search_space=profile.tpot_search_space,
            scorers=["accuracy"],
            scorers_weights=[1],
            cv=profile.tpot_cv,
            population_size=profile.tpot_population_size,
            max_time_mins=profile.tpot_max_time_mins,
            max_eval_time_mins=profile.tpot_max_eval_time_mins,
            allow_inner_classifiers=None if inner else False,
            random_state=42,
            verbose=0,
            client=client,
        )
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    summary = evaluation_summary(estimator.evaluated_individuals)
    summary.update(
        workers=workers,
        seconds=seconds,
        accuracy=estimator.fitted_pipeline_.score(X_test, y_test),
        pipeline=type(estimator.fitted_pipeline_.steps[-1][1]).__name__,
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument(
        "--inner", action="store_true", help="inner classifiers on (TPOT's default)"
    )
    args = parser.parse_args()

    from chapter05_helpers.profiles import get_profile

    profile = get_profile(args.profile)
    counts = args.workers or sorted({1, os.cpu_count() or 1})
    results = [run(profile, w, args.inner) for w in counts]
    print(
        f"profile {profile.name}: search {profile.tpot_search_space!r}, population "
        f"{profile.tpot_population_size}, cv={profile.tpot_cv}, budget "
        f"{profile.tpot_max_time_mins} min, inner classifiers {'on' if args.inner else 'off'}\n"
    )
    print(
        "| workers | fit s | test accuracy | final step | tried | finished | INVALID | per minute |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['workers']} | {r['seconds']:.0f} | {r['accuracy']:.3f} | {r['pipeline']} | "
            f"{r['tried']} | {r['finished']} | {r['invalid']} | {r['per_minute']:.1f} |"
        )
    if len(results) > 1:
        ratio = results[-1]["per_minute"] / results[0]["per_minute"]
        print(f"\n{results[-1]['workers']} workers vs 1: {ratio:.2f}x the pipelines per minute")


if __name__ == "__main__":
    main()
