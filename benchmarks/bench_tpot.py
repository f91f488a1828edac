"""Benchmark: where TPOT's worker time goes, generational search against steady-state search.

Run from the repository root, one repeat per hold of the lock (each case runs in a fresh
process with a fresh cluster; the results are appended to a JSON-lines file):

    flock /tmp/heavy.lock .venv/bin/python benchmarks/bench_tpot.py --repeat 1 \\
        --results build/bench_tpot_demo.jsonl
    .venv/bin/python benchmarks/bench_tpot.py --table-only --results build/bench_tpot_demo.jsonl

Cases, on the digits halves of notebook 04, with the profile's search space (inner classifiers
left out, one search-space object for both kinds), population, ``cv``, cap and ``random_state=42``:

- ``first-generation`` on 1 and on all workers: the first generation only. TPOT draws it from
  ``random_state``, so both runs evaluate the same pipelines: the one like-for-like wall time.
- ``generational`` (``TPOTClassifier``) and ``steady-state`` (``TPOTEstimatorSteadyState``) on 1
  and on all workers, each for the profile's time budget (``--budget-mins`` to change it).

For each case the task stream is split by :func:`chapter05_helpers.tpot_timing.worker_time`:
utilization (the share of the workers' time spent evaluating), then the idle time by cause, all
over the window from the first evaluation's start to the last one's stop. Pipelines per minute
count the evaluations in that window. The table shows the median and the range of the repeats.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

KINDS = ["first-generation", "generational", "steady-state"]


def cases(n_cores: int) -> list[str]:
    """Every case name, ``<kind>-<workers>``: one worker, then all of them; then the dispatch.

    Example:
        >>> cases(2)[:2], cases(2)[-1]
        (['first-generation-1', 'first-generation-2'], 'dispatch-stand-in')
    """
    counts = [1, n_cores] if n_cores > 1 else [1]
    return [f"{kind}-{n}" for kind in KINDS for n in counts] + [
        "dispatch-real",
        "dispatch-stand-in",
    ]


def pipeline_text(individual: object) -> str:
    """A pipeline as text, without the memory addresses its functions print with.

    Example:
        >>> class Pipeline:
        ...     def __repr__(self):
        ...         return "Agglomeration(pooling_func=<function max at 0x7efe095ffe70>)"
        >>> class Individual:
        ...     def export_pipeline(self):
        ...         return Pipeline()
        >>> pipeline_text(Individual())
        'Agglomeration(pooling_func=<function max>)'
    """
    return re.sub(r" at 0x[0-9a-f]+", "", repr(individual.export_pipeline()))


def time_the_client(evolver: type, record: dict) -> None:
    """Record the client's CPU seconds and wall seconds inside ``evolver.optimize``: the search."""
    import psutil

    original = evolver.optimize

    def optimize(self, *args, **kwargs):
        before, start = psutil.Process().cpu_times(), time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            after = psutil.Process().cpu_times()
            record["client_cpu"] = after.user - before.user + after.system - before.system
            record["search_seconds"] = time.perf_counter() - start

    evolver.optimize = optimize


def dispatch_gaps(real: bool) -> dict:
    """TPOT's generational loop on one worker, 12 pipelines that only sleep 0.5 s: the gaps.

    ``real``: TPOT's own pipelines drawn from the demo search space (the evaluation ignores
    them), else the course's stand-ins, which carry nothing.
    """
    import logging

    from chapter05_helpers.tpot_support import silence_tpot_warnings

    silence_tpot_warnings()
    import numpy as np
    from dask.distributed import Client, LocalCluster, get_task_stream
    from tpot.config.template_search_spaces import get_template_search_spaces
    from tpot.utils.eval_utils import parallel_eval_objective_list

    from chapter05_helpers.tpot_timing import SleepingPipeline, sleep_then_score, worker_time

    if real:
        space = get_template_search_spaces(
            "linear", inner_predictors=False, n_classes=10, n_samples=898, n_features=64
        )
        rng = np.random.default_rng(42)
        pipelines = [space.generate(rng) for _ in range(12)]
        for pipeline in pipelines:
            pipeline.seconds = 0.5
    else:
        pipelines = [SleepingPipeline(str(i), 0.5) for i in range(12)]
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
        get_task_stream(client) as stream,
    ):
        parallel_eval_objective_list(
            pipelines, [sleep_then_score], max_eval_time_mins=1, n_expected_columns=1, client=client
        )
    gaps = worker_time(stream.data).gaps
    return {
        "case": f"dispatch-{'real' if real else 'stand-in'}",
        "kind": "dispatch",
        "median_gap": statistics.median(gaps),
        "gaps": list(gaps),
    }


def run_case(case: str, profile_name: str, budget_mins: float) -> dict:
    """Run one case in this process, on a fresh cluster; return its breakdown."""
    import logging

    from chapter05_helpers.tpot_support import silence_tpot_warnings

    silence_tpot_warnings()
    from dask.distributed import Client, LocalCluster, get_task_stream
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from tpot import TPOTClassifier
    from tpot.config.template_search_spaces import get_template_search_spaces
    from tpot.evolvers import BaseEvolver, SteadyStateEvolver
    from tpot.tpot_estimator.steady_state_estimator import TPOTEstimatorSteadyState

    from chapter05_helpers.profiles import get_profile
    from chapter05_helpers.tpot_timing import generation_starts, worker_time

    if case.startswith("dispatch-"):
        return dispatch_gaps(real=case == "dispatch-real")
    profile = get_profile(profile_name)
    kind, workers = case.rsplit("-", 1)
    record: dict = {}
    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.5, random_state=42
    )
    space = get_template_search_spaces(
        profile.tpot_search_space,
        classification=True,
        inner_predictors=False,
        n_classes=10,
        n_samples=len(y_train),
        n_features=X_train.shape[1],
        random_state=42,
    )
    common = dict(
        search_space=space,
        scorers=["accuracy"],
        scorers_weights=[1],
        cv=profile.tpot_cv,
        population_size=profile.tpot_population_size,
        max_eval_time_mins=profile.tpot_max_eval_time_mins,
        random_state=42,
        verbose=0,
    )
    with (
        LocalCluster(
            n_workers=int(workers),
            threads_per_worker=1,
            dashboard_address=":0",
            memory_limit=profile.worker_memory_limit,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(silence_tpot_warnings)
        time_the_client(SteadyStateEvolver if kind == "steady-state" else BaseEvolver, record)
        if kind == "first-generation":
            search = TPOTClassifier(**common, generations=1, max_time_mins=None, client=client)
        elif kind == "generational":
            search = TPOTClassifier(**common, max_time_mins=budget_mins, client=client)
        else:
            search = TPOTEstimatorSteadyState(
                **common,
                classification=True,
                initial_population_size=profile.tpot_population_size,
                max_time_mins=budget_mins,
                client=client,
            )
        start = time.perf_counter()
        with get_task_stream(client) as stream:
            search.fit(X_train, y_train)
        fit_seconds = time.perf_counter() - start
        closing = time.perf_counter()
    close_seconds = time.perf_counter() - closing
    table = search.evaluated_individuals
    starts = generation_starts(table) if kind == "generational" else []
    parts = worker_time(stream.data, generation_starts=starts)
    finished = table["accuracy_score"].notna() | table["Eval Error"].notna()
    pipelines = sorted(table["Individual"].map(pipeline_text))
    return {
        "case": case,
        "kind": kind,
        "workers": parts.workers,
        "wall": parts.wall,
        "fit_seconds": fit_seconds,
        "evaluating": parts.evaluating,
        "between_results": parts.between_results,
        "end_of_generation": parts.end_of_generation,
        "between_generations": parts.between_generations,
        "evaluations": parts.evaluations,
        "finished": int(finished.sum()),
        "generations": len(starts) + 1,
        "median_gap": statistics.median(parts.gaps) if parts.gaps else 0.0,
        "pipelines": hashlib.sha1("\n".join(pipelines).encode()).hexdigest()[:12],
        "close_seconds": close_seconds,
        "mean_evaluation": parts.evaluating / max(parts.evaluations, 1),
        "longest": parts.longest,
        "best_cv_accuracy": float(table["accuracy_score"].max()),
        "test_accuracy": float(search.fitted_pipeline_.score(X_test, y_test)),
        **record,
    }


def spread(values: list[float], digits: int = 1, scale: float = 1.0) -> str:
    """``median (min-max)`` of ``values`` times ``scale``; the median alone for one value.

    Example:
        >>> spread([0.91, 0.95, 0.93], digits=0, scale=100)
        '93 (91-95)'
    """
    shown = [v * scale for v in values]
    text = f"{statistics.median(shown):.{digits}f}"
    if len(shown) > 1:
        text += f" ({min(shown):.{digits}f}-{max(shown):.{digits}f})"
    return text


def table(runs: list[dict]) -> str:
    """The Markdown table of the runs: one row per case, utilization first."""
    lines = [
        "| search | workers | runs | utilization (%) | pipelines per minute | idle between a "
        "result and the next start (%) | idle at the end of a generation or search (%) | idle "
        "together while the client breeds (%) | window (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    order = {kind: i for i, kind in enumerate(KINDS)}
    searches = [r for r in runs if r["kind"] in order]
    keys = sorted({(r["kind"], r["workers"]) for r in searches}, key=lambda k: (order[k[0]], k[1]))
    for kind, workers in keys:
        mine = [r for r in searches if (r["kind"], r["workers"]) == (kind, workers)]

        def share(name: str, mine: list[dict] = mine) -> list[float]:
            return [r[name] / (r["wall"] * r["workers"]) for r in mine]

        per_minute = [r["evaluations"] / (r["wall"] / 60) for r in mine]
        lines.append(
            f"| {kind} | {workers} | {len(mine)} | {spread(share('evaluating'), 1, 100)} | "
            f"{spread(per_minute)} | {spread(share('between_results'), 1, 100)} | "
            f"{spread(share('end_of_generation'), 1, 100)} | "
            f"{spread(share('between_generations'), 1, 100)} | "
            f"{spread([r['wall'] for r in mine])} |"
        )
    return "\n".join(lines)


def first_generation_ratios(runs: list[dict]) -> str:
    """The wall-time ratio of the same first generation on 1 and on all workers, per repeat."""
    ones = [r for r in runs if r["kind"] == "first-generation" and r["workers"] == 1]
    alls = [r for r in runs if r["kind"] == "first-generation" and r["workers"] > 1]
    pairs = [(o, a) for o, a in zip(ones, alls, strict=False)]
    if not pairs:
        return ""
    n = alls[0]["workers"]
    same = all(o["pipelines"] == a["pipelines"] for o, a in pairs)
    ratio = [o["wall"] / a["wall"] for o, a in pairs]
    evaluating = [o["evaluating"] / a["evaluating"] for o, a in pairs]
    like = [
        n * (a["evaluating"] / (a["wall"] * n)) / (o["evaluating"] / o["wall"]) for o, a in pairs
    ]
    return (
        f"First generation, 1 worker against {n} ({len(pairs)} pairs, same pipelines: {same}): "
        f"wall-time ratio {spread(ratio, 2)}; evaluating time, 1 worker over {n}: "
        f"{spread(evaluating, 2)}; {n} x utilization ratio (the ratio at equal cost): "
        f"{spread(like, 2)}"
    )


def details(runs: list[dict]) -> str:
    """Per case: the mean evaluation, the median gap, the client's CPU per evaluation, accuracy."""
    lines = [
        "| search | workers | mean evaluation (s) | median wait between a result and the next "
        "start (s) | client CPU per evaluation (s) | test accuracy |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    order = {kind: i for i, kind in enumerate(KINDS)}
    searches = [r for r in runs if r["kind"] in order and "client_cpu" in r]
    keys = sorted({(r["kind"], r["workers"]) for r in searches}, key=lambda k: (order[k[0]], k[1]))
    for kind, workers in keys:
        mine = [r for r in searches if (r["kind"], r["workers"]) == (kind, workers)]
        lines.append(
            f"| {kind} | {workers} | {spread([r['mean_evaluation'] for r in mine], 2)} | "
            f"{spread([r['median_gap'] for r in mine], 2)} | "
            f"{spread([r['client_cpu'] / r['evaluations'] for r in mine], 2)} | "
            f"{spread([r['test_accuracy'] for r in mine], 3)} |"
        )
    for case in ("dispatch-real", "dispatch-stand-in"):
        gaps = [r["median_gap"] for r in runs if r["case"] == case]
        if gaps:
            lines.append(
                f"\n{case}: median wait between a result and the next start {spread(gaps, 3)} s"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case")
    parser.add_argument("--budget-mins", type=float, help="the searches' time budget")
    parser.add_argument("--results", type=Path, help="JSON-lines file the runs are appended to")
    parser.add_argument("--table-only", action="store_true", help="print the table of --results")
    parser.add_argument("--cases", nargs="*", help="a subset of the cases (default: all)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from chapter05_helpers.profiles import get_profile

    profile = get_profile(args.profile)
    budget = args.budget_mins or profile.tpot_max_time_mins
    if args.case:  # the child process
        print(json.dumps(run_case(args.case, profile.name, budget)))
        return

    import dask

    runs: list[dict] = []
    if args.results and args.results.exists():
        runs = [json.loads(line) for line in args.results.read_text().splitlines() if line]
        runs = [r for r in runs if r.get("profile") == profile.name]
    if not args.table_only:
        for _ in range(args.repeat):
            for case in args.cases or cases(dask.system.CPU_COUNT):
                command = [sys.executable, __file__, "--profile", profile.name, "--case", case]
                command += ["--budget-mins", str(budget)]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                run = {**json.loads(done.stdout.strip().splitlines()[-1]), "profile": profile.name}
                run["error_logs"] = sum(" - ERROR - " in line for line in done.stderr.splitlines())
                run["budget_mins"] = budget
                runs.append(run)
                if run["kind"] == "dispatch":
                    print(f"{case}: median gap {run['median_gap']:.3f} s", flush=True)
                else:
                    print(
                        f"{case}: {run['evaluations']} evaluations in {run['wall']:.1f} s, "
                        f"closed in {run['close_seconds']:.1f} s, {run['error_logs']} error logs",
                        flush=True,
                    )
                if args.results:
                    args.results.parent.mkdir(parents=True, exist_ok=True)
                    with args.results.open("a") as f:
                        f.write(json.dumps(run) + "\n")
    print(
        f"\nMachine: {os.cpu_count()} CPUs ({dask.system.CPU_COUNT} usable), Python "
        f"{platform.python_version()}; profile {profile.name}: search space "
        f"{profile.tpot_search_space}, population {profile.tpot_population_size}, "
        f"cv={profile.tpot_cv}, budget {sorted({r['budget_mins'] for r in runs})} min\n"
    )
    print(table(runs))
    print()
    print(first_generation_ratios(runs))
    print()
    print(details(runs))


if __name__ == "__main__":
    main()
