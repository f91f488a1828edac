"""The claims of notebook 01 (processes, pools, start methods, pickle), shown on this Python.

Each test carries the id that a markdown cell of ``notebooks/01_python_parallelism.ipynb``
lists in its metadata. What cannot run here (macOS, Windows) is read from the installed
source, at the lines that decide it.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import io
import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import psutil
import pytest

from chapter05_helpers import pool_functions
from chapter05_helpers.pool_functions import say, sleep_for, sleep_func
from chapter05_helpers.timing import timer

FORK = multiprocessing.get_context("fork")
SPAWN = multiprocessing.get_context("spawn")


def fresh_python(code: str, stdin: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter (no ``__main__`` file, like a notebook's kernel)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def nap(seconds: float) -> None:
    time.sleep(seconds)


def nap_then_write(seconds: float, path: str, text: str) -> None:
    time.sleep(seconds)
    with open(path, "a", encoding="utf-8") as out:
        out.write(text + "\n")


def burn(cpu_seconds: float) -> int:
    """Compute until this process has used ``cpu_seconds`` of CPU time; return the loop count."""
    end, count = time.process_time() + cpu_seconds, 0
    while time.process_time() < end:
        count += 1
    return count


def pid_and_times(seconds: float) -> tuple[int, float, float]:
    start = time.perf_counter()
    time.sleep(seconds)
    return os.getpid(), start, time.perf_counter()


def give_back(value: int) -> int:
    return value


def fail() -> None:
    raise ValueError("from the child")


def nap_in_main() -> None:
    time.sleep(0.1)


# --- Timing ---------------------------------------------------------------------------------


@pytest.mark.claim("timer-prints-time-magic-lines")
def test_timer_prints_the_two_lines_of_the_time_magic(capsys):
    """IPython's %%time prints "CPU times: user .., sys: .., total: .." and "Wall time: ..";
    the course's timer prints lines that start the same way."""
    from IPython.core.magics import execution

    source = inspect.getsource(execution.ExecutionMagics.time)
    assert 'f"CPU times: user {_format_time(cpu_user)}, sys: {_format_time(cpu_sys)}, ' in source
    assert 'print(f"Wall time: {_format_time(wall_time)}")' in source
    with timer():
        pass
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("CPU times: user ") and ", sys: " in first and ", total: " in first
    assert second.startswith("Wall time: ")


@pytest.mark.claim("sleeping-uses-no-cpu")
def test_a_sleeping_program_uses_wall_time_but_almost_no_cpu_time():
    me = psutil.Process()
    cpu_before, wall_before = sum(me.cpu_times()[:2]), time.perf_counter()
    time.sleep(0.3)
    cpu, wall = sum(me.cpu_times()[:2]) - cpu_before, time.perf_counter() - wall_before
    assert wall >= 0.3
    assert cpu < 0.05, f"{cpu:.3f} s of CPU time while sleeping"


@pytest.mark.claim("children-cpu-time-linux-only")
def test_children_cpu_time_is_counted_on_linux_only():
    """On Linux, a child's CPU time counts once it has ended and been joined. psutil sets it
    to 0 on macOS and Windows: its code for those systems says so."""
    assert sys.platform.startswith("linux")
    me = psutil.Process()
    before = me.cpu_times().children_user + me.cpu_times().children_system
    child = FORK.Process(target=burn, args=(0.2,))
    child.start()
    child.join()
    after = me.cpu_times().children_user + me.cpu_times().children_system
    assert after - before >= 0.19, f"child CPU time counted: {after - before:.2f} s"
    psutil_dir = Path(psutil.__file__).parent  # the macOS and Windows code cannot import here
    mac = (psutil_dir / "_psosx.py").read_text(encoding="utf-8")
    mac = mac[mac.index("    def cpu_times(self):") :][:400]
    assert "# children user / system times are not retrievable (set to 0)" in mac
    assert "(set to 0)\n            0.0,\n            0.0,\n        )" in mac
    windows = (psutil_dir / "_pswindows.py").read_text(encoding="utf-8")
    windows = windows[windows.index("    def cpu_times(self):") :][:800]
    assert "return ntp.pcputimes(user, system, 0.0, 0.0)" in windows


@pytest.mark.claim("perf-counter-for-intervals")
def test_perf_counter_is_the_clock_for_intervals():
    """time.time() follows the system clock, which can be set (it can jump). perf_counter(),
    "performance counter for benchmarking", only moves forward."""
    wall_clock, interval_clock = time.get_clock_info("time"), time.get_clock_info("perf_counter")
    assert wall_clock.adjustable and not wall_clock.monotonic
    assert interval_clock.monotonic and not interval_clock.adjustable
    assert interval_clock.resolution <= wall_clock.resolution
    assert "Performance counter for benchmarking." in time.perf_counter.__doc__


# --- Processes ------------------------------------------------------------------------------


@pytest.mark.claim("start-launches-a-child-join-waits")
def test_start_launches_a_new_process_and_join_waits_for_it():
    child = FORK.Process(target=nap, args=(0.3,))
    began = time.perf_counter()
    child.start()
    assert child.pid != os.getpid() and psutil.Process(child.pid).ppid() == os.getpid()
    assert time.perf_counter() - began < 0.25, "start() waited for the child"
    assert child.is_alive(), "the child should still be sleeping"
    child.join()
    assert time.perf_counter() - began >= 0.3, "join() returned before the child ended"
    assert not child.is_alive() and child.exitcode == 0


@pytest.mark.claim("children-print-in-any-order")
def test_a_child_started_later_can_print_first(tmp_path):
    out = tmp_path / "lines.txt"
    first = FORK.Process(target=nap_then_write, args=(0.4, str(out), "first started"))
    second = FORK.Process(target=nap_then_write, args=(0.0, str(out), "second started"))
    first.start()
    second.start()
    first.join()
    second.join()
    assert out.read_text(encoding="utf-8").splitlines() == ["second started", "first started"]


@pytest.mark.claim("process-exit-code-and-no-return-value")
def test_exit_code_zero_is_normal_one_is_an_error_and_the_value_is_lost():
    good, bad = FORK.Process(target=give_back, args=(42,)), FORK.Process(target=fail)
    for child in (good, bad):
        child.start()
        child.join()
    assert (good.exitcode, bad.exitcode) == (0, 1)
    assert not hasattr(good, "result") and not hasattr(good, "value")
    # run() calls the target and drops what it returns: nothing carries it back
    run = inspect.getsource(multiprocessing.process.BaseProcess.run)
    assert "self._target(*self._args, **self._kwargs)" in run
    assert "return" not in run.replace("Method to be run", "")
    queue = FORK.Queue()  # a queue (or a pipe) does
    child = FORK.Process(target=queue.put, args=(42,))
    child.start()
    assert queue.get(timeout=30) == 42
    child.join()


# --- Pools ----------------------------------------------------------------------------------


@pytest.mark.claim("pool-submit-as-completed-result")
def test_submit_returns_a_future_at_once_as_completed_yields_in_finish_order():
    with concurrent.futures.ProcessPoolExecutor(max_workers=3, mp_context=FORK) as pool:
        pool.submit(give_back, 0).result()  # the workers have started
        began = time.perf_counter()
        futures = [pool.submit(pid_and_times, s) for s in (0.5, 0.1, 0.3)]
        assert time.perf_counter() - began < 0.1, "submit() waited for the task"
        assert all(isinstance(f, concurrent.futures.Future) for f in futures)
        order = [futures.index(f) for f in concurrent.futures.as_completed(futures)]
        failing = pool.submit(sleep_for, "no number")
        with pytest.raises(TypeError):  # result() raises what the function raised
            failing.result()
        workers = list(pool._processes.values())
    assert order == [1, 2, 0]
    assert all(w.exitcode is not None for w in workers), "the with block joined the workers"


@pytest.mark.claim("process-pool-built-on-multiprocessing")
def test_a_process_pool_runs_multiprocessing_processes():
    import concurrent.futures.process as pool_module

    assert "import multiprocessing as mp" in inspect.getsource(pool_module)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=FORK) as pool:
        pool.submit(give_back, 1).result()
        workers = list(pool._processes.values())
    assert workers and all(isinstance(w, multiprocessing.process.BaseProcess) for w in workers)


@pytest.mark.claim("default-pool-size-is-os-cpu-count")
def test_a_pool_without_arguments_has_os_cpu_count_workers():
    """Python 3.11: ``max_workers`` defaults to ``os.cpu_count()``."""
    import concurrent.futures.process as pool_module

    source = inspect.getsource(pool_module.ProcessPoolExecutor.__init__)
    assert "if max_workers is None:\n            self._max_workers = os.cpu_count() or 1" in source
    pool = concurrent.futures.ProcessPoolExecutor(mp_context=FORK)
    try:
        assert pool._max_workers == os.cpu_count()
    finally:
        pool.shutdown()


@pytest.mark.claim("cpu-count-counts-logical-cpus")
def test_os_cpu_count_counts_every_logical_cpu_even_those_the_process_may_not_use():
    """Each hardware thread is a logical CPU; /proc/cpuinfo lists one "processor" per logical
    CPU. A process allowed to run on one CPU only still reads the machine's count."""
    assert "not equivalent to the number of CPUs the current process can\nuse" in (
        os.cpu_count.__doc__
    )
    assert os.cpu_count() == os.sysconf("SC_NPROCESSORS_ONLN")  # online logical CPUs
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    logical = sum(line.startswith("processor") for line in cpuinfo.splitlines())
    assert os.cpu_count() == logical == psutil.cpu_count(logical=True)
    assert os.cpu_count() >= psutil.cpu_count(logical=False)
    allowed = sorted(os.sched_getaffinity(0))
    assert len(allowed) >= 2, "needs a machine with two CPUs or more"
    pinned = fresh_python(
        f"import os; os.sched_setaffinity(0, {{{allowed[0]}}}); "
        "print(os.cpu_count(), len(os.sched_getaffinity(0)))"
    )
    assert pinned.stdout.decode().split() == [str(os.cpu_count()), "1"]


@pytest.mark.claim("more-workers-than-cores-for-waiting")
def test_a_pool_may_have_more_workers_than_cores_and_they_all_wait_at_once():
    workers = os.cpu_count() + 3
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=FORK) as pool:
        pool.submit(give_back, 0).result()  # the workers have started
        began = time.perf_counter()
        list(pool.map(nap, [0.3] * workers))
        elapsed = time.perf_counter() - began
    assert elapsed < 0.3 * 2, f"{workers} naps of 0.3 s took {elapsed:.2f} s: not all at once"


@pytest.mark.claim("pool-worker-takes-next-task-when-free")
def test_two_workers_take_the_next_task_as_soon_as_they_are_free():
    """Tasks of 1-2-3-1-2-3 units on two workers: A runs 1, 3, 3 and B runs 2, 1, 2."""
    unit = 0.15
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=FORK) as pool:
        list(pool.map(give_back, [0, 1]))  # both workers have started
        runs = list(pool.map(pid_and_times, [unit * n for n in (1, 2, 3, 1, 2, 3)]))
    pid_a = runs[0][0]
    assert [i for i, run in enumerate(runs) if run[0] == pid_a] == [0, 2, 5]
    ends = [stop - runs[0][1] for _, _, stop in runs]
    assert max(ends) == ends[5] and ends[5] > 6.5 * unit  # A: 1 + 3 + 3 units


# --- Start methods, pickle ------------------------------------------------------------------


@pytest.mark.claim("default-start-method-per-system")
def test_fork_is_the_default_on_linux_spawn_on_macos_and_windows():
    """Python 3.11's multiprocessing/context.py picks the default context per system."""
    assert sys.platform.startswith("linux")
    source = inspect.getsource(multiprocessing.context)
    darwin = source.index("if sys.platform == 'darwin':")
    assert (
        "_default_context = DefaultContext(_concrete_contexts['spawn'])\n    else:\n"
        "        _default_context = DefaultContext(_concrete_contexts['fork'])"
    ) in source[darwin:]
    windows = source.rindex("class SpawnProcess(process.BaseProcess):")  # the win32 branch
    assert "from .popen_spawn_win32 import Popen" in source[windows : windows + 500]
    windows_contexts = source[windows:].split("_concrete_contexts = {", 1)[1]
    assert windows_contexts.startswith("\n        'spawn': SpawnContext(),\n    }\n")
    assert "_default_context = DefaultContext(_concrete_contexts['spawn'])" in windows_contexts
    fresh = fresh_python("import multiprocessing; print(multiprocessing.get_start_method())")
    assert fresh.stdout.decode().strip() == "fork"


@pytest.mark.claim("spawn-child-cannot-find-main-function")
def test_a_spawned_child_cannot_find_a_function_of_main_and_nothing_is_raised(monkeypatch, capfd):
    """Under spawn, a function of ``__main__`` kills the child (exit code 1) while the parent
    sees no exception; the same function from a module runs (exit code 0)."""
    monkeypatch.setattr(nap_in_main, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "nap_in_main", nap_in_main, raising=False)
    children = [SPAWN.Process(target=nap_in_main), SPAWN.Process(target=sleep_for, args=(0,))]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [1, 0]
    assert "Can't get attribute 'nap_in_main' on <module '__main__'" in capfd.readouterr().err


@pytest.mark.claim("fork-child-copies-the-parent")
def test_a_forked_child_runs_a_function_of_main_it_got_as_a_copy(monkeypatch):
    monkeypatch.setattr(nap_in_main, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "nap_in_main", nap_in_main, raising=False)
    child = FORK.Process(target=nap_in_main)
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0


@pytest.mark.claim("forkserver-children-come-from-a-fresh-server")
def test_forkserver_children_are_forked_from_a_fresh_interpreter_not_from_the_parent(
    monkeypatch, capfd
):
    """The server starts as a new interpreter (``python -c ...``); a function of the parent's
    ``__main__`` is as unknown to its children as to a spawned child."""
    from multiprocessing import forkserver

    source = inspect.getsource(forkserver.ForkServer.ensure_running)
    assert "args += ['-c', cmd]\n                    pid = util.spawnv_passfds(exe, args" in source
    monkeypatch.setattr(nap_in_main, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "nap_in_main", nap_in_main, raising=False)
    try:
        child = multiprocessing.get_context("forkserver").Process(target=nap_in_main)
        child.start()
        child.join(timeout=60)
    finally:
        forkserver._forkserver._stop()
    assert child.exitcode == 1
    assert "Can't get attribute 'nap_in_main'" in capfd.readouterr().err


@pytest.mark.claim("broken-pool-raises-in-the-parent")
def test_a_spawn_pool_whose_worker_dies_raises_broken_process_pool(monkeypatch, capfd):
    monkeypatch.setattr(nap_in_main, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "nap_in_main", nap_in_main, raising=False)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=SPAWN) as pool:
        future = pool.submit(nap_in_main)
        with pytest.raises(concurrent.futures.process.BrokenProcessPool):
            future.result(timeout=60)
    assert "Can't get attribute 'nap_in_main'" in capfd.readouterr().err


@pytest.mark.claim("ipykernel-shows-child-output-on-linux-and-macos")
def test_ipykernel_forwards_what_child_processes_write_on_linux_and_macos_only():
    """The kernel's output streams watch the file descriptors 1 and 2 (which child processes
    inherit) only on Linux and macOS. On Windows the children's text reaches the terminal."""
    from ipykernel import iostream, kernelapp

    init = inspect.getsource(iostream.OutStream.__init__)
    assert '(sys.platform.startswith("linux") or sys.platform.startswith("darwin"))' in init
    assert "self._should_watch = True\n            self._setup_stream_redirects(name)" in init
    assert "def _setup_stream_redirects" in inspect.getsource(iostream.OutStream)
    assert "os.dup2" in inspect.getsource(iostream.OutStream._setup_stream_redirects)
    app = inspect.getsource(kernelapp.IPKernelApp.init_io)
    assert 'outstream_factory(self.session, self.iopub_thread, "stderr"' in app


@pytest.mark.claim("pickle-stores-functions-by-reference")
def test_pickle_writes_a_function_as_module_and_name_and_a_fresh_python_cannot_load_it():
    def sleep_in_notebook():
        time.sleep(1)

    sleep_in_notebook.__module__, sleep_in_notebook.__qualname__ = "__main__", "sleep_in_notebook"
    sys.modules["__main__"].sleep_in_notebook = sleep_in_notebook
    try:
        pickled = pickle.dumps(sleep_in_notebook)
    finally:
        del sys.modules["__main__"].sleep_in_notebook
    assert b"__main__" in pickled and b"sleep_in_notebook" in pickled
    assert sleep_in_notebook.__code__.co_code not in pickled and len(pickled) < 100
    load = "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"
    fresh = fresh_python(load, stdin=pickled)
    assert fresh.returncode == 1
    last = fresh.stderr.decode().strip().splitlines()[-1]
    assert last == (
        "AttributeError: Can't get attribute 'sleep_in_notebook' on <module '__main__' (built-in)>"
    )


@pytest.mark.claim("spawn-child-imports-module-functions")
def test_a_function_from_a_module_is_pickled_by_its_import_path_and_loads_anywhere():
    pickled = pickle.dumps(sleep_func)
    assert b"chapter05_helpers.pool_functions" in pickled and b"sleep_func" in pickled
    load = "import pickle, sys; print(pickle.loads(sys.stdin.buffer.read()).__name__)"
    fresh = fresh_python(load, stdin=pickled)
    assert fresh.returncode == 0 and fresh.stdout.decode().strip() == "sleep_func"


@pytest.mark.claim("spawn-child-imports-the-main-script")
def test_under_spawn_the_child_runs_the_script_again_and_the_guard_stops_it(tmp_path):
    """The child runs the parent's script again as a module named ``__mp_main__``. Without the
    ``if __name__ == '__main__':`` guard, the child would start processes of its own:
    Python stops it with a RuntimeError. A notebook's ``__main__`` has no file to run."""
    fixup = " ".join(inspect.getsource(multiprocessing.spawn._fixup_main_from_path).split())
    assert 'runpy.run_path(main_path, run_name="__mp_main__")' in fixup
    # a notebook's __main__ is no file: the child gets nothing to run again
    notebook_main = types.ModuleType("__main__")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "__main__", notebook_main)
        prepared = multiprocessing.spawn.get_preparation_data("child")
    assert "init_main_from_path" not in prepared and "init_main_from_name" not in prepared
    body = (
        "import multiprocessing, time\n"
        "print('script runs as', __name__, flush=True)\n"
        "{guard}\n"
        "    child = multiprocessing.get_context('spawn').Process(target=time.sleep, args=(0,))\n"
        "    child.start()\n"
        "    child.join()\n"
        "    print('exit code', child.exitcode, flush=True)\n"
    )
    results = {}
    for name, guard in (("guarded", "if __name__ == '__main__':"), ("unguarded", "if True:")):
        script = tmp_path / f"{name}.py"
        script.write_text(body.format(guard=guard), encoding="utf-8")
        results[name] = subprocess.run(
            [sys.executable, str(script)], capture_output=True, timeout=60, check=False
        )
    guarded, unguarded = results["guarded"], results["unguarded"]
    assert guarded.stdout.decode().splitlines() == [
        "script runs as __main__",
        "script runs as __mp_main__",  # the child imported the script
        "exit code 0",
    ]
    assert "script runs as __mp_main__" in unguarded.stdout.decode()
    assert "before the\n        current process has finished its bootstrapping phase" in (
        unguarded.stderr.decode()
    )
    assert "exit code 1" in unguarded.stdout.decode()


@pytest.mark.claim("print-writes-text-and-newline-separately")
def test_print_writes_the_text_and_the_newline_in_two_writes_say_in_one(monkeypatch):
    class Recorder(io.StringIO):
        def __init__(self):
            super().__init__()
            self.writes: list[str] = []

        def write(self, text):
            self.writes.append(text)
            return super().write(text)

    printed = Recorder()
    print("cube(3) called!", file=printed)
    assert printed.writes == ["cube(3) called!", "\n"]
    said = Recorder()
    monkeypatch.setattr(pool_functions.sys, "stdout", said)
    say("cube(3) called!")
    assert said.writes == ["cube(3) called!\n"]
