"""The Chinese edition: catalogs complete and current, markup and terms kept, code once.

The English notebooks hold the only code. Their Chinese prose lives in the gettext catalogs in
``locale/zh_CN/LC_MESSAGES/`` (one per page), the Chinese notebooks in ``notebooks/zh_CN/`` are
made from both by ``make translations`` (``tools/translations.py``), and the helpers' messages
have their own catalog in ``chapter05_helpers/locale/``. Each check reports "notebook X, cell N"
(cells count from 0). Each has a case below that feeds it a broken catalog or notebook.

Run the checks of one catalog with ``pytest tests/test_translations.py -k 05_summary``.
"""

from __future__ import annotations

import ast
import copy
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from babel.messages.catalog import Catalog
from translations import (
    CHINESE_NOTEBOOKS,
    GLOSSARY,
    LOCALE,
    MYST_EXTENSIONS,
    PACKAGE_CATALOG,
    Term,
    catalog_path,
    chinese_notebook,
    code_problems,
    docname,
    english_notebooks,
    extract,
    extract_package,
    glossary,
    incomplete,
    markdown_messages,
    markup_problems,
    message_differences,
    placeholder_problems,
    read_catalog,
    stale_cells,
    term_problems,
    translate_markdown,
    translations,
    wrapping_problems,
    write_catalog,
)

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = english_notebooks()
NAMES = [p.name for p in NOTEBOOKS]
# The pages that have a catalog: every notebook, the landing page, the glossary, the guide.
PAGES = [docname(p) for p in NOTEBOOKS] + ["docs/index", "docs/glossary", "docs/instructors"]
CATALOGS = [catalog_path(page) for page in PAGES]
CATALOG_IDS = [page.split("/")[-1] for page in PAGES]
PROFILE_ERROR = (
    "Unknown profile 'huge'. Valid profiles: ci, demo, book. "
    "Set CHAPTER05_PROFILE to one of them (for example CHAPTER05_PROFILE=demo)."
)


def catalog(tmp_path: Path, *entries: tuple[str, str, int], fuzzy: str = "") -> Path:
    """A small catalog in ``tmp_path`` for notebook 05_x: (English, Chinese, location line)."""
    c = Catalog(locale="zh_CN")
    for english, chinese, line in entries:
        flags = ["fuzzy"] if english == fuzzy else []
        c.add(english, chinese, locations=[("notebooks/05_x.ipynb", line)], flags=flags)
    path = tmp_path / "05_x.po"
    write_catalog(path, c)
    return path


# ----------------------------------------------------------------------------------------------
# Complete


@pytest.mark.parametrize("path", [*CATALOGS, PACKAGE_CATALOG], ids=[*CATALOG_IDS, "helpers"])
def test_catalog_is_complete(path: Path) -> None:
    assert path.exists(), f"{path} is missing: run `make translations`"
    problems = incomplete(path)
    assert not problems, f"{path.relative_to(REPO)}:\n" + "\n".join(problems)


def test_completeness_names_the_cell_of_empty_fuzzy_and_obsolete_entries(tmp_path: Path) -> None:
    path = catalog(tmp_path, ("Setup", "", 20002), ("Summary", "总结", 40002), fuzzy="Summary")
    c = read_catalog(path)
    c.obsolete["Gone"] = copy.copy(c["Summary"])
    c.obsolete["Gone"].id = "Gone"
    write_catalog(path, c)
    problems = incomplete(path)
    assert problems[0] == "notebook 05_x, cell 1, line 1: untranslated: 'Setup'"
    assert problems[1].startswith("notebook 05_x, cell 3, line 1: fuzzy")
    assert "obsolete" in problems[2] and "'Gone'" in problems[2]


# ----------------------------------------------------------------------------------------------
# Current: the catalogs hold exactly what a fresh extraction finds


@pytest.fixture(scope="module")
def fresh_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gettext builder's templates for the pages as they are now (a few seconds)."""
    out = tmp_path_factory.mktemp("gettext")
    assert (REPO / "docs" / "conf.py").exists(), "the site's Sphinx configuration is missing"
    extract(out)
    return out


def test_every_page_has_its_catalog_and_no_more(fresh_templates: Path) -> None:
    """The pages are the ones listed here, and each catalog belongs to a page."""
    templates = fresh_templates.rglob("*.pot")
    extracted = sorted(p.relative_to(fresh_templates).with_suffix("").as_posix() for p in templates)
    assert extracted == sorted(PAGES)
    folder = LOCALE / "zh_CN" / "LC_MESSAGES"
    catalogs = sorted(
        p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.po")
    )
    assert catalogs == sorted(PAGES), "a catalog without its page, or a page without its catalog"


@pytest.mark.parametrize("page", PAGES, ids=CATALOG_IDS)
def test_catalog_is_current(page: str, fresh_templates: Path) -> None:
    template = read_catalog(fresh_templates / f"{page}.pot")
    problems = message_differences(template, read_catalog(catalog_path(page)), page)
    assert not problems, "\n".join(problems)


def test_the_helpers_catalog_is_current() -> None:
    problems = message_differences(extract_package(), read_catalog(PACKAGE_CATALOG), "helpers")
    assert not problems, "\n".join(problems)


def test_currency_names_the_cell_of_a_new_paragraph(tmp_path: Path) -> None:
    pot = Catalog()
    pot.add("Setup", locations=[("notebooks/05_x.ipynb", 20002)])
    pot.add("A new paragraph.", locations=[("notebooks/05_x.ipynb", 30004)])
    po = read_catalog(catalog(tmp_path, ("Setup", "准备", 20002), ("Old.", "旧。", 30004)))
    problems = message_differences(pot, po, "notebooks/05_x")
    assert any(p.startswith("notebook 05_x, cell 2, line 3: not in the catalog") for p in problems)
    assert any("no longer in the English: 'Old.'" in p for p in problems)


def test_the_notebooks_messages_are_the_ones_sphinx_extracts(fresh_templates: Path) -> None:
    """Block for block, the Chinese notebooks are made from the messages the site translates."""
    for notebook in NOTEBOOKS:
        template = read_catalog(fresh_templates / f"{docname(notebook)}.pot")
        nb = nbformat.read(notebook, as_version=4)
        mine = set()
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                mine |= set(markdown_messages(cell.source))
        sphinx = {m.id for m in template if m.id}
        assert mine == sphinx, (
            f"{notebook.name}: only Sphinx {sphinx - mine}, only here {mine - sphinx}"
        )


def test_myst_extensions_are_the_sites() -> None:
    tree = ast.parse((REPO / "docs" / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
            "myst_enable_extensions"
        ):
            assert sorted(ast.literal_eval(node.value)) == sorted(MYST_EXTENSIONS)
            return
    assert not MYST_EXTENSIONS, "docs/conf.py sets no myst_enable_extensions"


# ----------------------------------------------------------------------------------------------
# Markup parity and terms


@pytest.mark.parametrize("path", CATALOGS, ids=CATALOG_IDS)
def test_translations_keep_the_markup(path: Path) -> None:
    problems = markup_problems(path) if path.exists() else []
    assert not problems, "\n".join(problems)


def test_markup_parity_names_the_cell(tmp_path: Path) -> None:
    path = catalog(
        tmp_path,
        ("Call `f()` ([docs](https://x.org)).", "调用 `f()`（[文档](https://x.org)）。", 20004),
        ("Call `g()` ([docs](https://x.org)).", "调用 g()（[文档](https://y.org)）。", 30002),
    )
    [problem] = markup_problems(path)
    assert problem.startswith("notebook 05_x, cell 2, line 1: markup lost:")
    assert "code `g()`" in problem and "link https://y.org" in problem
    path = catalog(
        tmp_path, ("**Note:** this.", "**注意：**这个。", 10003), ("1. Define", "1. 定义", 20002)
    )
    first, second = markup_problems(path)
    assert first.startswith("notebook 05_x, cell 0, line 2: markup lost: ['bold **...**']")
    assert second.startswith("notebook 05_x, cell 1, line 1: the translation is not one paragraph")


@pytest.mark.parametrize(
    "path", [p for p in CATALOGS if p.stem != "glossary"], ids=lambda p: p.stem
)  # the glossary's own table names the terms in English
def test_translations_use_the_glossary_terms(path: Path) -> None:
    problems = term_problems(path, glossary()) if path.exists() else []
    assert not problems, "\n".join(problems)


def test_terms_whole_words_plurals_longest_first_and_exemptions(tmp_path: Path) -> None:
    terms = [
        Term(("task",), "任务", "", ""),
        Term(("task graph",), "计算图", "", ""),
        Term(("worker",), "工作进程", "", ""),
    ]
    path = catalog(
        tmp_path,
        ("The Task Graphs.", "计算图。", 10002),  # task graph wins over task
        ("Two workers.", "两个工人。", 20002),  # plural, any case: missing 工作进程
        (
            "The `worker` code and [a link](https://x.org/worker).",
            "代码和[链接](https://x.org/worker)。",
            30002,
        ),
        ("A networker.", "一个网民。", 40002),  # not a whole word
        ("The book *Worker Bees*.", "《*Worker Bees*》一书。", 50002),  # kept in English
    )
    assert term_problems(path, terms) == [
        "notebook 05_x, cell 1, line 1: 'worker' is 工作进程 (glossary): 'Two workers.'"
    ]
    c = read_catalog(path)
    c["Two workers."].user_comments = ["terms: ok worker"]
    write_catalog(path, c)
    assert term_problems(path, terms) == []


def test_the_glossary_gives_each_term_one_chinese_term() -> None:
    terms = glossary(GLOSSARY)
    assert len(terms) >= 20
    chosen = {t.english[0]: t.chinese for t in terms}
    assert chosen["dashboard"] == "仪表板" and chosen["cluster"] == "集群"
    for term in terms:
        assert term.chinese and term.meaning, term
        assert term.origin in ("the chapter", "our choice"), term
    forms = [form.lower() for t in terms for form in t.english]
    assert len(forms) == len(set(forms)), "an English term appears twice"
    chinese = [t.chinese for t in terms]
    assert len(chinese) == len(set(chinese)), "a Chinese term appears twice"


# ----------------------------------------------------------------------------------------------
# The Chinese notebooks: current, code once


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chinese_notebook_is_current(notebook: Path) -> None:
    problems = stale_cells(notebook, CHINESE_NOTEBOOKS / notebook.name, siblings=NAMES)
    assert not problems, "\n".join(problems) + "\nRun `make translations`."


def test_no_chinese_notebook_without_an_english_one() -> None:
    orphans = {p.name for p in CHINESE_NOTEBOOKS.glob("*.ipynb")} - set(NAMES)
    assert not orphans, f"Chinese notebooks without an English one: {sorted(orphans)}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chinese_notebook_has_the_english_code_and_metadata(notebook: Path) -> None:
    english = nbformat.read(notebook, as_version=4)
    chinese = nbformat.read(CHINESE_NOTEBOOKS / notebook.name, as_version=4)
    problems = code_problems(english, chinese, notebook.stem)
    assert not problems, "\n".join(problems)
    assert chinese.metadata.chapter05.language == "zh_CN"


def test_stale_and_changed_code_name_the_cell(tmp_path: Path) -> None:
    english = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Setup"),
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-input"]}),
        ]
    )
    (tmp_path / "notebooks" / "zh_CN").mkdir(parents=True)
    source = tmp_path / "notebooks" / "05_x.ipynb"
    nbformat.write(english, source)
    po = catalog_path("notebooks/05_x", tmp_path / "locale")
    po.parent.mkdir(parents=True)
    write_catalog(po, read_catalog(catalog(tmp_path, ("Setup", "准备", 10002))))
    zh = chinese_notebook(english, {"Setup": "准备"}, "05_x.ipynb", [])
    target = tmp_path / "notebooks" / "zh_CN" / "05_x.ipynb"
    nbformat.write(zh, target)
    assert stale_cells(source, target, tmp_path / "locale", tmp_path) == []
    english.cells[0].source = "# Set-up"  # the English changed, the Chinese notebook did not
    nbformat.write(english, source)
    assert stale_cells(source, target, tmp_path / "locale", tmp_path) == [
        "notebook 05_x, cell 0: its source differs from a fresh one"
    ]
    zh.cells[1].source = "x = 2"
    zh.cells[1].metadata = {}
    assert code_problems(english, zh, "05_x") == [
        "notebook 05_x, cell 1: its code differs from the English notebook",
        "notebook 05_x, cell 1: its metadata differs from the English notebook's",
    ]


def test_untranslated_blocks_fall_back_to_english_and_links_are_relinked() -> None:
    english = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "## Next\n\nSee [notebook 03](03_x.ipynb) and "
                "[the benchmarks](../benchmarks/README.md).\n\n"
                "| a | b \\| c |\n|---|---|\n| one | two |"
            )
        ]
    )
    lookup = {
        "Next": "下一步",
        "one": "一 | 壹",
        "b | c": "乙 | 丙",
    }
    zh = chinese_notebook(english, lookup, "05_x.ipynb", ["03_x.ipynb", "05_x.ipynb"])
    assert zh.cells[0].source == (
        "## 下一步\n\nSee [notebook 03](03_x.ipynb) and "
        "[the benchmarks](../../benchmarks/README.md).\n\n"
        "| a | 乙 \\| 丙 |\n|---|---|\n| 一 \\| 壹 | two |"
    )
    assert markdown_messages(zh.cells[0].source)[-4:] == ["a", "乙 | 丙", "一 | 壹", "two"]


def test_every_block_of_every_notebook_takes_its_translation() -> None:
    """A stand-in translation of every message lands in its block, and nothing else moves."""
    for notebook in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
            if cell.cell_type != "markdown":
                continue
            messages = markdown_messages(cell.source)
            lookup = {m: f"译{m}文" for m in messages}
            translated = markdown_messages(translate_markdown(cell.source, lookup))
            assert translated == [lookup[m] for m in messages], f"{notebook.stem}, cell {i}"


def test_admonitions_are_translated_inside_their_fence() -> None:
    text = ":::{admonition} A title\n:class: tip\nInside, **bold**.\n:::\n\n```{note}\nA note.\n```"
    lookup = {"A title": "标题", "Inside, **bold**.": "里面，**粗体**。", "A note.": "注。"}
    assert translate_markdown(text, lookup) == (
        ":::{admonition} 标题\n:class: tip\n里面，**粗体**。\n:::\n\n```{note}\n注。\n```"
    )


# ----------------------------------------------------------------------------------------------
# The helpers' messages in Chinese


def test_the_helpers_messages_can_be_extracted() -> None:
    problems = wrapping_problems()
    assert not problems, "\n".join(problems)


def test_the_helpers_catalog_keeps_its_fields() -> None:
    problems = placeholder_problems(PACKAGE_CATALOG)
    assert not problems, "\n".join(problems)


def test_placeholder_check_names_the_line(tmp_path: Path) -> None:
    c = Catalog(locale="zh_CN")
    c.add("Hi {name}.", "你好 {nom}。", locations=[("chapter05_helpers/x.py", 7)])
    write_catalog(tmp_path / "x.po", c)
    assert placeholder_problems(tmp_path / "x.po")[0].startswith("chapter05_helpers/x.py, line 7")


def _profile_error(cwd: Path, language: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CHAPTER05_LANG"}
    if language is not None:
        env["CHAPTER05_LANG"] = language
    code = "from chapter05_helpers.profiles import get_profile\nget_profile('huge')"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )
    return run.stderr.strip().splitlines()[-1]


def test_the_helpers_speak_english_by_default() -> None:
    expected = f"chapter05_helpers.profiles.UnknownProfileError: {PROFILE_ERROR}"
    assert _profile_error(REPO / "notebooks", None) == expected
    assert _profile_error(CHINESE_NOTEBOOKS, "en") == expected  # the variable wins


def test_the_helpers_speak_chinese_when_asked() -> None:
    for cwd, language in ((REPO, "zh_CN"), (CHINESE_NOTEBOOKS, None)):
        message = _profile_error(cwd, language)
        assert "未知的规模 'huge'" in message and "CHAPTER05_PROFILE=demo" in message, message


def test_the_errors_that_say_what_to_do_speak_chinese_when_asked(
    monkeypatch, tmp_path, capsys
) -> None:
    """A data set cut short, a dashboard's link as the scheduler's address, an empty search."""
    import pandas as pd

    from chapter05_helpers.data import DatasetError, make_dataset
    from chapter05_helpers.tpot_support import connect_to_scheduler, fitted_pipeline

    folder = make_dataset("ci", tmp_path / "data", rows_per_year=10, progress=False)
    (folder / "2011.csv").write_text("Date,X0,X1,X2,X3,X4\n")  # cut short

    class EmptySearch:  # a fitted TPOT whose budget ran out before any pipeline finished
        max_time_mins, cv = 0.1, 3
        evaluated_individuals = pd.DataFrame({"accuracy_score": [None], "Eval Error": [None]})

    def messages() -> list[str]:
        with pytest.raises(DatasetError) as cut_short:
            make_dataset("ci", folder, rows_per_year=10, progress=False)
        with pytest.raises(ValueError) as dashboard:
            connect_to_scheduler("http://127.0.0.1:8787/status")
        assert fitted_pipeline(EmptySearch()) is None
        return [str(cut_short.value), str(dashboard.value)]

    monkeypatch.setenv("CHAPTER05_LANG", "zh_CN")
    cut_short, dashboard = messages()
    empty = capsys.readouterr().out
    assert "2011.csv: 现在是 20 字节，但写入时是 369 字节" in cut_short, cut_short
    assert "请删除它们" in cut_short, cut_short
    assert dashboard.startswith("DASK_SCHEDULER_ADDRESS=http://127.0.0.1:8787/status 是一个网址")
    assert "tcp://scheduler-host:8786" in dashboard, dashboard
    assert "没有一个管道得到分数" in empty and "cv=3" in empty, empty
    monkeypatch.setenv("CHAPTER05_LANG", "en")
    cut_short, dashboard = messages()
    empty = capsys.readouterr().out
    assert "2011.csv: 20 bytes, but 369 were written" in cut_short, cut_short
    assert "is a web address, probably the dashboard's" in dashboard, dashboard
    assert empty.startswith("No pipeline got a score in TPOT's budget of 0.1 min"), empty


def test_the_lessons_quote_the_checkers_verdicts_as_they_print_them() -> None:
    """A lesson that says the checker answers "Correct" quotes the Chinese checker's words."""
    helpers = translations(read_catalog(PACKAGE_CATALOG))
    verdicts = {
        english: helpers[f"{english}: {{message}}"].split("{message}")[0].rstrip("：: ")
        for english in ("Correct", "Not yet")
    }
    assert verdicts == {"Correct": "答对了", "Not yet": "还没答对"}
    problems = []
    for path in CATALOGS:
        for english, message in translations(read_catalog(path)).items():
            for word, chinese in verdicts.items():
                quoted = f'"{word}"' in english
                if quoted and (f"“{chinese}”" not in message or f"“{word}”" in message):
                    problems.append(f"{path.name}: say “{chinese}” for “{word}”: {message[:60]}")
    assert not problems, "\n".join(problems)


@pytest.mark.notebooks
def test_a_kernel_started_in_the_chinese_folder_speaks_chinese() -> None:
    """JupyterLab, Binder and nbclient start a notebook's kernel in the notebook's folder."""
    from nbclient import NotebookClient

    code = (
        "from chapter05_helpers.profiles import get_profile\n"
        "try:\n    get_profile('huge')\nexcept ValueError as error:\n    print(error)"
    )
    seen = {}
    env_before = os.environ.pop("CHAPTER05_LANG", None)
    try:
        for folder in (CHINESE_NOTEBOOKS, REPO / "notebooks"):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
            client = NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(folder)}})
            client.execute()
            seen[folder.name] = nb.cells[0].outputs[0]["text"].strip()
    finally:
        if env_before is not None:
            os.environ["CHAPTER05_LANG"] = env_before
    assert seen["zh_CN"].startswith("未知的规模 'huge'"), seen
    assert seen["notebooks"] == PROFILE_ERROR


def test_jupyterlab_starts_a_notebooks_kernel_in_the_notebooks_folder() -> None:
    """JupyterLab's server: a session's kernel runs in its notebook's folder (sessionmanager.py)."""
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from jupyter_server.services.sessions.sessionmanager import SessionManager

    notebook = "notebooks/zh_CN/05_summary_and_questions.ipynb"
    kernel_path = FileContentsManager(root_dir=str(REPO)).get_kernel_path(notebook)
    cwd = MappingKernelManager(root_dir=str(REPO)).cwd_for_path(kernel_path)
    assert Path(cwd) == CHINESE_NOTEBOOKS
    source = Path(inspect.getsourcefile(SessionManager)).read_text(encoding="utf-8")
    assert "get_kernel_path(path=path)" in source  # the session starts its kernel there


# ----------------------------------------------------------------------------------------------
# The Chinese README

CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)  # fenced blocks and code spans
MAKE_COMMAND = re.compile(r"\bmake (?:[A-Z0-9_]+=\S+ )*([a-z][a-z-]*)\b")
RELATIVE_LINK = re.compile(r"\]\(([^)#\s:]+)(?:#[^)]*)?\)")


def make_targets(text: str) -> set[str]:
    """The ``make`` targets a README's code (blocks and spans) tells its reader to run.

    >>> sorted(make_targets("Make a graph: `make run`, then `make PYTHON=python3.11 lab`."))
    ['lab', 'run']
    """
    code = "\n".join(CODE.findall(text))
    return set(MAKE_COMMAND.findall(code))


def test_the_readmes_link_each_other_and_name_the_same_commands() -> None:
    english = (REPO / "README.md").read_text(encoding="utf-8")
    chinese = (REPO / "README.zh-CN.md").read_text(encoding="utf-8")
    assert "](README.zh-CN.md)" in "\n".join(english.splitlines()[:5]), "README.md: no 中文 link"
    assert "](README.md)" in "\n".join(chinese.splitlines()[:5]), "README.zh-CN.md: no English link"
    assert len(chinese.splitlines()) <= 120
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    assert make_targets(chinese) == make_targets(english) <= targets, (
        f"README.md: {sorted(make_targets(english))}, README.zh-CN.md: "
        f"{sorted(make_targets(chinese))}, the Makefile: {sorted(targets)}"
    )
    missing = [link for link in RELATIVE_LINK.findall(chinese) if not (REPO / link).exists()]
    assert missing == [], f"README.zh-CN.md links files that do not exist: {missing}"
