"""The instructor's stage, in a real browser: JupyterLab, the Dask extension and the dashboard.

The stage, as an instructor on JupyterHub or Binder meets it: JupyterLab started through
binder/start (what Binder runs, and what `make lab` does here), under a base URL with
JUPYTERHUB_SERVICE_PREFIX set, on a copy of the course folder: the course's settings
(jupyter-config/labconfig) and the instructor's workspace (jupyter-config/instructor.jupyterlab-
workspace). Debian's headless Chromium, driven by Playwright, clears notebook 04's outputs and runs
all its cells at `ci` from the menus. It checks that

- no cell fails or writes to stderr (the notebook is saved from the browser and read back);
- the printed dashboard link goes through the Jupyter server's proxy, and the dashboard's /status
  page served there shows tasks in its task stream while TPOT fits;
- the Dask sidebar connects to the course's cluster by itself (nobody types a URL), and the docked
  Task Stream panel shows the same tasks;
- after Kernel > Restart Kernel and Run up to Selected Cell (the cluster cell), the dashboard is on
  the same port, 8787, and the sidebar connects again; the closing cell then closes the cluster.

Screenshots go to build/screenshots/ (the course site shows them). Set CHAPTER05_BROWSER_NOTEBOOK to
run another copy of the notebook. Without /usr/bin/chromium or the playwright package the tests
skip (in CI they fail).

A second, shorter test starts a plain `jupyter lab` (no JUPYTER_CONFIG_PATH, no workspace, no hub):
the settings installed in the environment itself (<prefix>/etc/jupyter/labconfig, by make env or
environment.yml) are enough for the sidebar to connect and the layout's panels to show tasks; the
status bar shows the kernel's memory (jupyter-resource-usage).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import psutil
import pytest
from support import CHROMIUM, CHROMIUM_ARGS, REPO, free_port, require_chromium, write_notebook

require_chromium("browser test")

from playwright.sync_api import Frame, Page, sync_playwright  # noqa: E402

NOTEBOOK = Path(
    os.environ.get("CHAPTER05_BROWSER_NOTEBOOK", REPO / "notebooks" / "04_tpot_with_dask.ipynb")
)
START = REPO / "binder" / "start"
SHOTS = REPO / "build" / "screenshots"
PREFIX = "/user/chapter05/"  # as on JupyterHub: the server's base URL is the user's prefix
DASHBOARD_PORT = 8787
BIN = Path(sys.executable).parent
RUN_TIMEOUT_S = 420  # one Run All at ci: about a minute on 2 cores with the browser
CLUSTER_CELL = "connect_to_scheduler(address)"  # prints the cluster and the dashboard link

# The number of tasks in a Bokeh page's task stream (the dashboard's "task_stream" figure; its
# source starts with one placeholder row keyed "start"); -1 until the figure is there.
TASKS_IN_STREAM = """() => {
  for (const doc of (window.Bokeh && window.Bokeh.documents) || []) {
    const figure = doc.get_model_by_name("task_stream");
    for (const renderer of (figure && figure.renderers) || []) {
      const data = renderer.data_source && renderer.data_source.data;
      const keys = data && (data instanceof Map ? data.get("key") : data.key);
      if (keys) return Array.from(keys).filter((k) => k !== "start").length;
    }
  }
  return -1;
}"""

# Each code cell's prompt: "[3]:" done, "[*]:" running or queued, "[ ]:" not run.
PROMPTS = """() => Array.from(document.querySelectorAll(
  ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt"
)).map((p) => p.textContent.trim())"""
KERNEL_IDLE = """() => Array.from(document.querySelectorAll(".jp-StatusBar-TextItem"))
  .some((e) => /\\|\\s*Idle/.test(e.textContent))"""
RUN_FINISHED = f"""() => {{
  const prompts = ({PROMPTS})();
  return prompts.length > 0 && !prompts.some((p) => p.includes("*"))
    && prompts.some((p) => /\\d/.test(p)) && ({KERNEL_IDLE})();
}}"""
DASHBOARD_LINK = """() => {
  for (const out of document.querySelectorAll(".jp-OutputArea-output")) {
    const m = out.textContent.match(/dashboard: (\\S+)/);
    if (m) return m[1];
  }
  return null;
}"""


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_dashboard_port_free(timeout: float = 60) -> None:
    """An earlier test's cluster may still be closing; anything else on 8787 fails the test."""
    deadline = time.monotonic() + timeout
    while port_in_use(DASHBOARD_PORT):
        if time.monotonic() > deadline:
            holders = [
                c.pid
                for c in psutil.net_connections("tcp")
                if c.laddr and c.laddr.port == DASHBOARD_PORT and c.status == "LISTEN"
            ]
            pytest.fail(f"port {DASHBOARD_PORT} is taken (pid {holders}): the test needs it free")
        time.sleep(0.5)


@contextmanager
def jupyter_lab(
    tmp_path: Path, root: Path, env: dict, command: list, prefix: str
) -> Iterator[dict]:
    """JupyterLab on ``root`` started by ``command`` (+ its options); nothing left running."""
    wait_for_dashboard_port_free()
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            *command,
            "--no-browser",
            "--allow-root",  # CI runs as root
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={token}",
            f"--ServerApp.base_url={prefix}",
            f"--ServerApp.root_dir={root}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            try:
                request = urllib.request.Request(
                    f"{origin}{prefix}api/status", headers={"Authorization": f"token {token}"}
                )
                urllib.request.urlopen(request, timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.3)
        yield {"origin": origin, "token": token, "root": root, "log": tmp_path / "server.log"}
    finally:
        family = [server]
        try:
            family += psutil.Process(server.pid).children(recursive=True)
        except psutil.Error:
            pass
        server.terminate()  # the server shuts its kernels down
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        procs = []
        for p in family:
            try:
                procs.append(psutil.Process(p.pid))
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(procs, timeout=20)
        for p in alive:
            p.kill()
        log.close()
        assert not alive, f"left running after JupyterLab stopped: {[p.pid for p in alive]}"


def own_jupyter_dirs(tmp_path: Path) -> dict:
    """The environment without the user's own Jupyter settings (~/.jupyter) or the course's."""
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH")}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    env.pop("DASK_DISTRIBUTED__DASHBOARD__LINK", None)
    return {
        **env,
        "PATH": f"{BIN}{os.pathsep}{env['PATH']}",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict]:
    """JupyterLab as Binder runs it (binder/start, a hub prefix) on a copy of the course folder."""
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(NOTEBOOK, root / "notebooks" / "04_tpot_with_dask.ipynb")
    env = {**own_jupyter_dirs(tmp_path), "JUPYTERHUB_SERVICE_PREFIX": PREFIX}
    env.pop("CHAPTER05_PROFILE", None)  # binder/start chooses it
    command = [str(START), str(BIN / "jupyter"), "lab"]
    with jupyter_lab(tmp_path, root, env, command, PREFIX) as server:
        yield server


def menu(page: Page, title: str, command: str) -> None:
    """Click a menu bar entry, then one of its items (by the command it runs)."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{title}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def run_all(page: Page) -> None:
    """Edit > Clear Outputs of All Cells, then Run > Run All Cells; return once it runs."""
    menu(page, "Edit", "editmenu:clear-all")
    page.wait_for_function(f"() => ({PROMPTS})().every((p) => !/\\d/.test(p))")
    menu(page, "Run", "runmenu:run-all")
    page.wait_for_function(f"() => ({PROMPTS})().some((p) => p.includes('*'))")


def select_cell(page: Page, text: str | None = None) -> None:
    """Select the code cell that shows ``text`` (the last code cell if None) by its prompt."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
    cell = cells.last if text is None else cells.filter(has_text=text).first
    cell.locator(".jp-InputPrompt").click()


def saved_notebook(page: Page, path: Path) -> nbformat.NotebookNode:
    """File > Save Notebook, and read the notebook back once it is on disk."""
    before = path.stat().st_mtime_ns
    menu(page, "File", "docmanager:save")
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, "the notebook was not saved within 30 s"
        time.sleep(0.2)
    time.sleep(0.5)
    return nbformat.read(path, as_version=4)


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Each code cell's error and stderr output: a clean run has none."""
    return [
        f"cell {i}: " + (f"{o.ename}: {o.evalue}" if o.output_type == "error" else o.text[:300])
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "error" or o.get("name") == "stderr"
    ]


def not_run(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.execution_count]


def dashboard_port(link: str) -> int:
    match = re.fullmatch(re.escape(PREFIX) + r"proxy/(\d+)/status", link)
    assert match, f"dashboard link {link!r} does not go through {PREFIX}proxy/<port>/status"
    return int(match.group(1))


def wait_for_frame(page: Page, route: str, timeout: float) -> Frame:
    deadline = time.monotonic() + timeout
    while True:
        for frame in page.frames:
            if route in frame.url:
                return frame
        if time.monotonic() > deadline:
            pytest.fail(
                f"no docked panel showed {route} in {timeout} s: the extension is not connected"
            )
        page.wait_for_timeout(250)


def open_dask_sidebar(page: Page) -> None:
    tab = page.locator('.jp-SideBar .lm-TabBar-tab[data-id="dask-dashboard-launcher"]')
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()


def sidebar_url_once_connected(page: Page) -> str:
    """The URL the Dask sidebar shows once it lists the dashboard's plots (it has connected)."""
    open_dask_sidebar(page)
    page.locator(".dask-DashboardListing-item").first.wait_for(timeout=120_000)
    return page.locator(".dask-URLInput input").input_value()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_instructor_stage_in_chromium(lab):
    SHOTS.mkdir(parents=True, exist_ok=True)
    notebook = lab["root"] / "notebooks" / "04_tpot_with_dask.ipynb"
    base = f"{lab['origin']}{PREFIX}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 900})
        page = context.new_page()
        try:
            page.goto(f"{base}lab/workspaces/instructor?token={lab['token']}")
            page.wait_for_function(KERNEL_IDLE, timeout=90_000)
            page.wait_for_function(f"() => ({PROMPTS})().length > 0")
            panels = page.locator(".dask-DaskDashboard-widget")
            assert panels.count() == 3, "the workspace docks three dashboard panels"

            # Run All: the link, the /status page during the fit, the sidebar and the panels.
            run_all(page)
            link = page.wait_for_function(DASHBOARD_LINK, timeout=90_000).json_value()
            assert dashboard_port(link) == DASHBOARD_PORT
            status = context.new_page()
            response = status.goto(lab["origin"] + link)
            assert response is not None and response.ok, f"{link}: {response and response.status}"
            # TPOT's evaluations: one task per pipeline (16 or so in the ci budget)
            status.wait_for_function(f"({TASKS_IN_STREAM})() >= 5", timeout=180_000, polling=500)
            status.screenshot(path=SHOTS / "dashboard-status-during-fit.png")
            status.close()  # its plots cost CPU the fit needs

            # The docked panels get their address from the extension once it has connected.
            task_frame = wait_for_frame(page, "individual-task-stream", timeout=120)
            assert f"{PREFIX}proxy/{DASHBOARD_PORT}/" in task_frame.url, task_frame.url
            task_frame.wait_for_function(f"({TASKS_IN_STREAM})() > 0", timeout=60_000)
            fit_cell = page.locator(".jp-CodeCell", has_text="performance_report(filename=")
            fit_cell.first.evaluate("(cell) => cell.scrollIntoView({block: 'center'})")
            page.screenshot(path=SHOTS / "lab-instructor-layout.png")

            url = sidebar_url_once_connected(page)
            assert url == f"proxy/{DASHBOARD_PORT}", f"the sidebar's URL: {url!r}"
            page.screenshot(path=SHOTS / "lab-sidebar-connected.png")

            page.wait_for_function(RUN_FINISHED, timeout=RUN_TIMEOUT_S * 1000, polling=1000)
            saved = saved_notebook(page, notebook)
            assert (problems(saved), not_run(saved)) == ([], []), "Run All"
            # the last cell closed the cluster: the sidebar notices
            page.locator(".dask-DashboardListing-inactive").wait_for(timeout=60_000)

            # Kernel > Restart Kernel and Run up to Selected Cell (the cluster cell): the same
            # port, and the sidebar connects again; then the closing cell.
            select_cell(page, CLUSTER_CELL)
            menu(page, "Edit", "editmenu:clear-all")
            menu(page, "Kernel", "notebook:restart-and-run-to-selected")
            page.locator(".jp-Dialog .jp-mod-accept").click()
            link_2 = page.wait_for_function(DASHBOARD_LINK, timeout=90_000).json_value()
            assert dashboard_port(link_2) == DASHBOARD_PORT, f"the restart moved it: {link_2}"
            assert sidebar_url_once_connected(page) == f"proxy/{DASHBOARD_PORT}"
            select_cell(page)
            menu(page, "Run", "notebook:run-cell")
            page.locator(".dask-DashboardListing-inactive").wait_for(timeout=60_000)
            page.wait_for_function(RUN_FINISHED, timeout=60_000, polling=500)
            saved = saved_notebook(page, notebook)
            ran = [i for i, c in enumerate(saved.cells) if c.cell_type == "code"]
            ran = [i for i in ran if i not in not_run(saved)]
            cluster = [i for i, c in enumerate(saved.cells) if CLUSTER_CELL in c.source]
            assert problems(saved) == [], "after the restart"
            assert cluster[0] in ran and ran[-1] == len(saved.cells) - 1, ran
        except Exception:
            page.screenshot(path=SHOTS / "browser-test-failure.png")
            print(lab["log"].read_text()[-5000:])
            raise
        finally:
            browser.close()


MEMORY_IN_STATUS_BAR = """() => /Mem: \\d/.test(document.body.innerText)"""
STDERR = "application/vnd.jupyter.stderr"  # how JupyterLab shows stderr and errors
RELEASE = "panels-checked"  # the test writes this file in the notebook's folder when done
# A plain start's notebook: a cluster on the dashboard's usual port; tasks until the test has seen
# them in the panels (a panel shows the tasks that run after it opened; at most a minute); closed.
PLAIN_CELLS = [
    "from dask.distributed import Client, LocalCluster\n"
    "cluster = LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=':8787')\n"
    "client = Client(cluster)",
    "import os, time\nimport dask.array as da\n\n"
    "for _ in range(300):\n"
    f"    if os.path.exists({RELEASE!r}):\n"
    "        break\n"
    "    da.ones((2000, 2000), chunks=250).sum().compute()\n"
    "    time.sleep(0.2)",
    "client.close()\ncluster.close()",
]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_plain_jupyter_lab_connects_with_the_environments_settings(tmp_path):
    installed = (
        Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "default_setting_overrides.json"
    )
    assert installed.exists(), "the course's settings are not in this environment: run make env"
    root = tmp_path / "notebooks"
    root.mkdir()
    write_notebook(root / "stage.ipynb", *PLAIN_CELLS)
    env = own_jupyter_dirs(tmp_path)
    with jupyter_lab(tmp_path, root, env, [str(BIN / "jupyter"), "lab"], "/") as server:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            try:
                page.goto(f"{server['origin']}/lab/tree/stage.ipynb?token={server['token']}")
                page.wait_for_function(KERNEL_IDLE, timeout=90_000)
                page.wait_for_function(f"() => ({PROMPTS})().length === {len(PLAIN_CELLS)}")
                menu(page, "Run", "runmenu:run-all")
                url = sidebar_url_once_connected(page)
                assert url == f"proxy/{DASHBOARD_PORT}", f"the sidebar's URL is {url!r}"
                menu(page, "File", "dask:launch-layout")
                frame = wait_for_frame(page, "individual-task-stream", timeout=60)
                assert f"/proxy/{DASHBOARD_PORT}/" in frame.url, frame.url
                frame.wait_for_function(f"({TASKS_IN_STREAM})() > 0", timeout=60_000)
                panels = page.locator(".dask-DaskDashboard-widget").count()
                assert panels == 3, f"the layout docked {panels} panels, not the course's 3"
                # jupyter-resource-usage: the kernel's memory in the status bar
                page.wait_for_function(MEMORY_IN_STATUS_BAR, timeout=30_000, polling=1000)
                page.screenshot(path=tmp_path / "plain-lab.png")
                (root / RELEASE).touch()
                page.wait_for_function(RUN_FINISHED, timeout=120_000, polling=500)
                stderr = page.locator(f".jp-OutputArea-output[data-mime-type='{STDERR}']")
                assert stderr.all_inner_texts() == [], "error or stderr output"
            except Exception:
                page.screenshot(path=SHOTS / "browser-test-plain-failure.png")
                print(server["log"].read_text()[-5000:])
                raise
            finally:
                browser.close()
