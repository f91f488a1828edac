"""Maintainers' tool: the Chinese edition's catalogs and notebooks, from the English sources.

One source: the English notebooks and guides hold the only code; the Chinese prose lives in
gettext catalogs, one per page, in ``locale/zh_CN/LC_MESSAGES/<page>.po`` (``<page>``: the
page's path in the repository without its suffix, e.g. ``notebooks/03_dask_delayed``). The
helpers' own messages (``chapter05_helpers/i18n.py``) have their catalog in
``chapter05_helpers/locale/zh_CN/LC_MESSAGES/chapter05_helpers.po``.

``make translations`` (``python tools/translations.py``) does, in order:

1. **extract**: Sphinx's gettext builder, with the site's configuration (``docs/``) over the
   repository, writes one template per page to ``build/gettext/`` (code cells and outputs are not
   extracted; nothing is executed); the message locations are made relative to the repository.
   The helpers' ``_("...")`` messages are extracted with babel.
2. **update**: each catalog is merged with its template (sphinx-intl's merge, babel's
   ``Catalog.update``): a new paragraph arrives empty, a changed one is marked fuzzy with its old
   translation kept, a removed one becomes obsolete (``#~``); locations follow the English.
3. **notebooks**: each English notebook and its catalog make ``notebooks/zh_CN/<name>.ipynb``:
   every Markdown block with a finished translation is replaced by it (an empty or fuzzy entry
   leaves the English), code cells and all metadata are copied as they are, no outputs.

``python tools/translations.py --status`` lists, per catalog, what is left to translate, by cell.

A catalog location ``notebooks/05_x.ipynb:40006`` is cell 3, line 5 of that notebook: myst-nb
numbers a notebook's lines ``(cell index + 1) * 10000 + 1 + line`` (lines count from 1, cells
from 0, as ``tools/twins.py`` counts them).

Example:
    >>> where("notebooks/05_summary_and_questions.ipynb", 40006)
    'notebook 05_summary_and_questions, cell 3, line 5'
    >>> lookup = {"Setup": "准备", "one `x` item": "一个 `x`"}
    >>> translate_markdown("## Setup\\n\\n- one `x` item", lookup)
    '## 准备\\n\\n- 一个 `x`'
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from chapter05_helpers.i18n import DOMAIN as PACKAGE_DOMAIN
from chapter05_helpers.i18n import catalog_path as package_catalog

REPO = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
CONF = REPO / "docs"  # the site's Sphinx configuration; the source directory is the repository
LOCALE = REPO / "locale"
POT_DIR = REPO / "build" / "gettext"
NOTEBOOKS = REPO / "notebooks"
CHINESE_NOTEBOOKS = NOTEBOOKS / LANGUAGE
GLOSSARY = REPO / "docs" / "glossary.md"
PACKAGE = REPO / "chapter05_helpers"
PACKAGE_CATALOG = package_catalog(LANGUAGE)
# As docs/conf.py's myst_enable_extensions: the Markdown the site reads (a test compares them).
MYST_EXTENSIONS = ("colon_fence",)
# Directives whose body is Markdown: translated block by block inside the fence.
MARKDOWN_DIRECTIVES = {
    "admonition",
    "attention",
    "caution",
    "danger",
    "dropdown",
    "error",
    "hint",
    "important",
    "note",
    "screenshot",
    "seealso",
    "tip",
    "warning",
}
WIDTH = 100  # the catalogs' line width (the course's line length)
CELL = 10000  # myst-nb's line numbering: (cell index + 1) * CELL + 1 + line


# ----------------------------------------------------------------------------------------------
# Catalogs: where they live, what a location means


def docname(path: Path, source: Path = REPO) -> str:
    """The Sphinx page name of a source file: its path in ``source`` without the suffix.

    Example:
        >>> docname(REPO / "notebooks" / "03_dask_delayed.ipynb")
        'notebooks/03_dask_delayed'
    """
    return Path(path).resolve().relative_to(source.resolve()).with_suffix("").as_posix()


def catalog_path(page: str, locale: Path = LOCALE, language: str = LANGUAGE) -> Path:
    """The catalog of the page ``page`` (a docname).

    Example:
        >>> catalog_path("docs/glossary").relative_to(REPO).as_posix()
        'locale/zh_CN/LC_MESSAGES/docs/glossary.po'
    """
    return locale / language / "LC_MESSAGES" / f"{page}.po"


def where(filename: str, line: int) -> str:
    """A catalog location in words: the notebook's cell (counted from 0), or the guide's line.

    Example:
        >>> where("docs/instructors.md", 12)
        'docs/instructors.md, line 12'
    """
    if filename.endswith(".ipynb"):
        return f"notebook {Path(filename).stem}, cell {line // CELL - 1}, line {line % CELL - 1}"
    return f"{filename}, line {line}"


def first_place(message) -> str:
    """Where a catalog entry (or an obsolete one, without locations) comes from."""
    if message.locations:
        return where(*message.locations[0])
    return "(obsolete: no location)"


def read_catalog(path: Path) -> Catalog:
    """A ``.po`` or ``.pot`` file as a babel catalog."""
    with Path(path).open("rb") as po:
        return read_po(po)


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write ``catalog`` to ``path`` when its text changes beyond the template's date.

    Returns whether the file was written.
    """
    from io import BytesIO

    buffer = BytesIO()
    write_po(buffer, catalog, width=WIDTH, include_previous=True)
    new = buffer.getvalue()
    if path.exists() and _undated(path.read_bytes()) == _undated(new):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


def _undated(text: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', b"", text)


def translations(catalog: Catalog) -> dict[str, str]:
    """The finished translations of ``catalog``: neither empty nor fuzzy.

    Example:
        >>> c = Catalog(locale="zh_CN")
        >>> _ = c.add("Setup", "准备"), c.add("Summary", "总结", flags=["fuzzy"]), c.add("Next")
        >>> translations(c)
        {'Setup': '准备'}
    """
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


# ----------------------------------------------------------------------------------------------
# 1. extract


def extract(out: Path = POT_DIR, conf: Path = CONF, source: Path = REPO) -> list[Path]:
    """Sphinx's gettext builder over ``source`` with the configuration in ``conf``, into ``out``.

    One template per page (``gettext_compact = False``), nothing executed, locations relative to
    ``source``. Returns the templates written. About 6 s for the course.

    Example::

        extract(Path("/tmp/pot"))  # /tmp/pot/notebooks/03_dask_delayed.pot, ...
    """
    if out.exists():
        shutil.rmtree(out)
    command = [sys.executable, "-m", "sphinx", "-b", "gettext", "-q", "-E", "-c", str(conf)]
    command += ["-d", str(out / ".doctrees"), "-D", "gettext_compact=0"]
    command += ["-D", "nb_execution_mode=off"]  # code cells are not extracted: run nothing
    subprocess.run([*command, str(source), str(out)], check=True)
    shutil.rmtree(out / ".doctrees", ignore_errors=True)
    templates = sorted(out.rglob("*.pot"))
    for template in templates:
        catalog = read_catalog(template)
        for message in catalog:
            message.locations = [
                (_relative(template.parent, filename, out, source), line)
                for filename, line in message.locations
            ]
        write_catalog(template, catalog)
    return templates


def _relative(folder: Path, filename: str, out: Path, source: Path) -> str:
    """A location written relative to ``out`` (Sphinx's way), made relative to ``source``."""
    path = Path(os.path.normpath(out / filename))
    if not path.exists():  # older Sphinx wrote locations relative to the template's folder
        path = Path(os.path.normpath(folder / filename))
    return Path(os.path.relpath(path, source)).as_posix()


def extract_package(package: Path = PACKAGE) -> Catalog:
    """The ``_("...")`` messages of the package's modules, as a template catalog.

    Example:
        >>> any(m.id.startswith("Unknown profile") for m in extract_package())
        True
    """
    from babel.messages.extract import extract_from_dir

    template = Catalog(project=PACKAGE_DOMAIN, fuzzy=False)
    found = extract_from_dir(str(package), method_map=[("**.py", "python")], keywords={"_": None})
    for filename, line, message, comments, context in found:
        location = (f"{package.name}/{filename}".replace(os.sep, "/"), line)
        template.add(message, None, [location], auto_comments=comments, context=context)
    return template


# ----------------------------------------------------------------------------------------------
# 2. update


def update(template: Catalog, path: Path, language: str = LANGUAGE) -> str:
    """Merge the template into the catalog at ``path`` (created when missing); say what changed.

    sphinx-intl's merge (babel's ``Catalog.update``), but written whenever anything changed,
    locations too (``sphinx-intl update`` rewrites a catalog only when its messages change).

    Example:
        >>> import tempfile
        >>> po = Path(tempfile.mkdtemp()) / "x.po"
        >>> pot = Catalog(); _ = pot.add("Hello", locations=[("notebooks/x.ipynb", 10002)])
        >>> update(pot, po)
        'created'
        >>> update(pot, po)
        'unchanged'
    """
    if path.exists():
        catalog = read_catalog(path)
        catalog.update(template, update_header_comment=False)
        status = "updated"
    else:
        catalog = copy.deepcopy(template)
        catalog.locale = language
        catalog.fuzzy = False
        status = "created"
    return status if write_catalog(path, catalog) else "unchanged"


def update_all(pot_dir: Path = POT_DIR, locale: Path = LOCALE) -> dict[str, str]:
    """Merge every template in ``pot_dir`` into its catalog under ``locale``; page -> status."""
    statuses = {}
    for template in sorted(pot_dir.rglob("*.pot")):
        page = template.relative_to(pot_dir).with_suffix("").as_posix()
        statuses[page] = update(read_catalog(template), catalog_path(page, locale))
    return statuses


def drop_obsolete(path: Path) -> int:
    """Remove the obsolete (``#~``) entries of a catalog; return how many there were."""
    catalog = read_catalog(path)
    count = len(catalog.obsolete)
    catalog.obsolete.clear()
    write_catalog(path, catalog)
    return count


# ----------------------------------------------------------------------------------------------
# 3. Markdown: the messages of a Markdown text, and the text with their translations


def markdown_parser():
    """myst-parser's markdown-it parser, set up as the site reads Markdown."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))
    return create_md_parser(config, RendererHTML)


_PARSER = None


def _parse(text: str):
    global _PARSER
    if _PARSER is None:
        _PARSER = markdown_parser()
    return _PARSER.parse(text, {})


def message_of(content: str) -> str:
    """The msgid Sphinx extracts for a block whose Markdown content is ``content``.

    Sphinx drops a trailing backslash of each line, then joins the lines with spaces
    (``sphinx.util.nodes._clean_extracted_message``).

    Example:
        >>> message_of("two\\nlines \\\\\\nhere ")
        'two lines here'
    """
    lines = [re.sub(r"[ \t]*\\[ \t]*$", "", line) for line in content.split("\n")]
    return "\n".join(lines).replace("\n", " ").strip()


@dataclass
class Block:
    """One translatable block of a Markdown text: its lines ``[start, end)`` and msgids."""

    start: int
    end: int
    kind: str  # "text" (paragraph, heading), "row" (a table row), "directive"
    messages: list[str]
    contents: list[str]
    token: object = None


def blocks(text: str) -> list[Block]:
    """The translatable blocks of a Markdown text, in order (nested blocks inside theirs).

    Example:
        >>> [b.messages for b in blocks("# A title\\n\\n| a | b |\\n|---|---|\\n| c | d |")]
        [['A title'], ['a', 'b'], ['c', 'd']]
    """
    found: list[Block] = []
    tokens = _parse(text)
    row: Block | None = None
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            row = Block(token.map[0], token.map[1], "row", [], [])
            found.append(row)
        elif token.type == "tr_close":
            row = None
        elif token.type == "inline" and row is not None:
            row.contents.append(token.content)
            row.messages.append(message_of(token.content))
        elif token.type == "inline" and tokens[i - 1].type in ("paragraph_open", "heading_open"):
            opener = tokens[i - 1]
            found.append(
                Block(
                    token.map[0],
                    token.map[1],
                    "text",
                    [message_of(token.content)],
                    [token.content],
                    opener,
                )
            )
        elif token.type in ("fence", "colon_fence") and _directive(token.info)[0]:
            name, argument = _directive(token.info)
            if name in MARKDOWN_DIRECTIVES:
                messages = [message_of(argument)] if argument and name == "admonition" else []
                found.append(Block(token.map[0], token.map[1], "directive", messages, [], token))
    return found


def _directive(info: str) -> tuple[str, str]:
    match = re.match(r"\{([\w:-]+)\}\s*(.*)$", info.strip())
    return (match.group(1), match.group(2).strip()) if match else ("", "")


def markdown_messages(text: str) -> list[str]:
    """Every msgid of a Markdown text, in order, nested directives' included.

    Example:
        >>> markdown_messages(":::{note}\\nInside a **note**.\\n:::\\n\\nAfter.")
        ['Inside a **note**.', 'After.']
    """
    messages: list[str] = []
    for block in blocks(text):
        messages += [m for m in block.messages if m]
        if block.kind == "directive":
            _, body, _ = _split_directive(text.split("\n"), block)
            messages += markdown_messages("\n".join(body))
    return messages


def translate_markdown(text: str, lookup: Mapping[str, str]) -> str:
    """``text`` with each block whose msgid ``lookup`` translates replaced by its translation.

    The translation takes the block's lines; the first line's prefix (``#``, a list marker, a
    quote's ``>``, an indent) is kept. A table row is rewritten cell by cell. The Markdown inside
    an admonition's fence is translated the same way. Blocks without a translation and every
    other line (code, math, HTML, blank lines) stay as they are.

    Example:
        >>> lookup = {"A quote on two lines.": "引文。"}
        >>> translate_markdown("> A quote\\n> on two lines.\\n\\nKept.", lookup)
        '> 引文。\\n\\nKept.'
    """
    lines = text.split("\n")
    replaced: list[tuple[int, int, list[str]]] = []
    for block in blocks(text):
        if block.kind == "directive":
            opening, body, closing = _split_directive(lines, block)
            inner = translate_markdown("\n".join(body), lookup)
            name, argument = _directive(block.token.info)
            if argument and block.messages and block.messages[0] in lookup:
                title = _one_line(lookup[block.messages[0]])
                opening = [opening[0].replace(argument, title, 1), *opening[1:]]
            new = [*opening, *inner.split("\n"), *closing]
        elif not any(m in lookup for m in block.messages):
            continue
        elif block.kind == "row":
            new = [_row(lines[block.start], block, lookup)]
        else:
            new = [_prefix(lines, block) + _one_line(lookup[block.messages[0]])]
        if any(start < block.end and block.start < end for start, end, _ in replaced):
            continue  # inside a directive already translated as a whole
        replaced.append((block.start, block.end, new))
    for start, end, new in sorted(replaced, reverse=True):
        lines[start:end] = new
    return "\n".join(lines)


def _one_line(translation: str) -> str:
    return " ".join(part.strip() for part in translation.splitlines() if part.strip())


def _prefix(lines: list[str], block: Block) -> str:
    """What precedes a block's text on its first line: ``## ``, ``- ``, ``> ``, an indent."""
    first_line = lines[block.start].rstrip()
    first_content = block.contents[0].split("\n")[0].rstrip()
    if first_line.endswith(first_content):
        return first_line[: len(first_line) - len(first_content)]
    opener = block.token
    if opener is not None and opener.type == "heading_open":  # "## Title ##" or a setext one
        indent = first_line[: len(first_line) - len(first_line.lstrip())]
        return f"{indent}{'#' * int(opener.tag[1])} "
    raise ValueError(f"cannot find {first_content!r} on its line {first_line!r}")


def _row(line: str, block: Block, lookup: Mapping[str, str]) -> str:
    cells = [
        _one_line(lookup[message]) if message in lookup else content
        for message, content in zip(block.messages, block.contents, strict=True)
    ]
    indent = line[: len(line) - len(line.lstrip())]
    escaped = [re.sub(r"(?<!\\)\|", r"\\|", cell) for cell in cells]
    return indent + "| " + " | ".join(escaped) + " |"


def _split_directive(lines: list[str], block: Block) -> tuple[list[str], list[str], list[str]]:
    """A directive fence's lines: the opening (with options), the Markdown body, the closing."""
    inside = lines[block.start + 1 : block.end]
    closing: list[str] = []
    fence = block.token.markup
    if inside and inside[-1].strip().startswith(fence):
        closing, inside = [inside[-1]], inside[:-1]
    options = 0
    if inside and inside[0].strip() == "---":  # a YAML block of options
        options = next((i + 1 for i, line in enumerate(inside[1:], 1) if line.strip() == "---"), 0)
    else:
        while options < len(inside) and re.match(r"\s*:[\w-]+:", inside[options]):
            options += 1
    opening = lines[block.start : block.start + 1 + options]
    return opening, inside[options:], closing


# ----------------------------------------------------------------------------------------------
# 4. The Chinese notebooks


LINK = re.compile(r"(\]\(\s*)([^)\s]+)")
REFERENCE = re.compile(r"^(\s*\[[^\]]+\]:\s*)(\S+)", re.M)
HTML_SOURCE = re.compile(r"""((?:src|href)=["'])([^"']+)""")


def relink(markdown: str, siblings: Iterable[str]) -> str:
    """Relative link targets of a notebook in ``notebooks/``, seen from ``notebooks/zh_CN/``.

    A link to a notebook that has a Chinese twin (``siblings``: file names) goes to the twin
    beside it; any other relative target gets one ``../`` more. Addresses and anchors stay.

    Example:
        >>> relink("[a](03_x.ipynb#b) [c](../docs/g.md) [d](https://x.org) [e](#f)", {"03_x.ipynb"})
        '[a](03_x.ipynb#b) [c](../../docs/g.md) [d](https://x.org) [e](#f)'
    """
    names = set(siblings)

    def target(match: re.Match) -> str:
        value = match.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/|<)", value, re.I):
            return match.group(0)
        path = value.split("#")[0].split("?")[0]
        if path in names:
            return match.group(0)
        return match.group(1) + "../" + value

    for pattern in (LINK, REFERENCE, HTML_SOURCE):
        markdown = pattern.sub(target, markdown)
    return markdown


def chinese_notebook(
    nb: nbformat.NotebookNode, lookup: Mapping[str, str], name: str, siblings: Iterable[str]
) -> nbformat.NotebookNode:
    """The Chinese notebook made from the English ``nb`` (read from ``notebooks/<name>``).

    Markdown cells are translated block by block (:func:`translate_markdown`) and relinked
    (:func:`relink`); code and raw cells, cell ids and all metadata are kept as they are, and the
    outputs are dropped. The notebook's metadata gains ``chapter05: {language, source}``.

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Setup"),
        ...                                      nbformat.v4.new_code_cell("x = 1")])
        >>> zh = chinese_notebook(nb, {"Setup": "准备"}, "01_x.ipynb", [])
        >>> [c.source for c in zh.cells], zh.metadata.chapter05.language
        (['# 准备', 'x = 1'], 'zh_CN')
    """
    names = list(siblings)
    new = copy.deepcopy(nb)
    for cell in new.cells:
        if cell.cell_type == "markdown":
            cell.source = relink(translate_markdown(cell.source, lookup), names)
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    new.metadata["chapter05"] = {"language": LANGUAGE, "source": f"../{name}"}
    return new


def english_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course's numbered English notebooks, in order."""
    return sorted(folder.glob("[0-9][0-9]*_*.ipynb"))


def expected_chinese(
    notebook: Path, locale: Path = LOCALE, source: Path = REPO, siblings: Iterable[str] = ()
) -> nbformat.NotebookNode:
    """What ``notebooks/zh_CN/<notebook>`` must hold, from the notebook and its catalog."""
    po = catalog_path(docname(notebook, source), locale)
    lookup = translations(read_catalog(po)) if po.exists() else {}
    nb = nbformat.read(notebook, as_version=4)
    return chinese_notebook(nb, lookup, notebook.name, siblings)


def write_notebooks(
    notebooks: list[Path] | None = None,
    out: Path = CHINESE_NOTEBOOKS,
    locale: Path = LOCALE,
    source: Path = REPO,
) -> list[Path]:
    """Write the Chinese notebook of each English notebook into ``out``; return those written.

    A notebook is rewritten only when its content changes.
    """
    notebooks = english_notebooks() if notebooks is None else notebooks
    names = [p.name for p in notebooks]
    written = []
    for notebook in notebooks:
        text = nbformat.writes(expected_chinese(notebook, locale, source, names)) + "\n"
        target = out / notebook.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            out.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def stale_cells(
    notebook: Path,
    chinese: Path,
    locale: Path = LOCALE,
    source: Path = REPO,
    siblings: Iterable[str] = (),
) -> list[str]:
    """How the stored Chinese notebook differs from a fresh one, one line per cell.

    Example (no Chinese notebook yet)::

        stale_cells(Path("notebooks/05_x.ipynb"), Path("notebooks/zh_CN/05_x.ipynb"))
        # ['notebook 05_x: no Chinese notebook notebooks/zh_CN/05_x.ipynb ...']
    """
    stem = notebook.stem
    if not chinese.exists():
        return [f"notebook {stem}: no Chinese notebook {chinese}; run `make translations`"]
    fresh = expected_chinese(notebook, locale, source, siblings)
    stored = nbformat.read(chinese, as_version=4)
    found = []
    for i, (a, b) in enumerate(zip(fresh.cells, stored.cells, strict=False)):
        for key in ("cell_type", "id", "source", "metadata", "outputs"):
            if a.get(key) != b.get(key):
                found.append(f"notebook {stem}, cell {i}: its {key} differs from a fresh one")
    if len(fresh.cells) != len(stored.cells):
        found.append(f"notebook {stem}: {len(stored.cells)} cells, {len(fresh.cells)} expected")
    if fresh.metadata != stored.metadata:
        found.append(f"notebook {stem}: the notebook's metadata differs from a fresh one")
    return found


# ----------------------------------------------------------------------------------------------
# 5. Checks: complete, markup, terms


def code_problems(english: nbformat.NotebookNode, chinese: nbformat.NotebookNode, stem: str):
    """Where a Chinese notebook's code, cells or metadata differ from the English notebook's.

    Example:
        >>> en = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
        >>> zh = copy.deepcopy(en); zh.cells[0].source = "x = 2"
        >>> code_problems(en, zh, "05_x")
        ['notebook 05_x, cell 0: its code differs from the English notebook']
    """
    found = []
    for i, (a, b) in enumerate(zip(english.cells, chinese.cells, strict=False)):
        here = f"notebook {stem}, cell {i}"
        if (a.cell_type, a.get("id")) != (b.cell_type, b.get("id")):
            found.append(
                f"{here}: a {b.cell_type} cell {b.get('id')!r} where the English has "
                f"a {a.cell_type} cell {a.get('id')!r}"
            )
        elif a.cell_type != "markdown" and a.source != b.source:
            found.append(f"{here}: its code differs from the English notebook")
        if a.metadata != b.metadata:
            found.append(f"{here}: its metadata differs from the English notebook's")
        if b.get("outputs") or b.get("execution_count"):
            found.append(f"{here}: it carries outputs")
    if len(english.cells) != len(chinese.cells):
        found.append(
            f"notebook {stem}: {len(chinese.cells)} cells, the English has {len(english.cells)}"
        )
    metadata = {k: v for k, v in chinese.metadata.items() if k != "chapter05"}
    if metadata != english.metadata:
        found.append(f"notebook {stem}: its metadata differs from the English notebook's")
    return found


def currency_problems(pot_dir: Path, locale: Path = LOCALE) -> list[str]:
    """How the catalogs under ``locale`` differ from the templates of a fresh extraction.

    Every template must have its catalog, every catalog its template, and each catalog must hold
    exactly the template's messages, at the template's locations (no obsolete entry counted).
    """
    found = []
    pages = {p.relative_to(pot_dir).with_suffix("").as_posix() for p in pot_dir.rglob("*.pot")}
    folder = locale / LANGUAGE / "LC_MESSAGES"
    catalogs = {p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.po")}
    for page in sorted(catalogs - pages):
        found.append(f"{catalog_path(page, locale)}: no such page any more; delete it")
    for page in sorted(pages - catalogs):
        found.append(f"page {page} has no catalog; run `make translations`")
    for page in sorted(pages & catalogs):
        template = read_catalog(pot_dir / f"{page}.pot")
        found += message_differences(template, read_catalog(catalog_path(page, locale)), page)
    return found


def message_differences(template: Catalog, catalog: Catalog, name: str) -> list[str]:
    """Messages missing from ``catalog``, extra in it, or at other locations than the template's.

    Example:
        >>> pot, po = Catalog(), Catalog()
        >>> _ = pot.add("New", locations=[("notebooks/05_x.ipynb", 30002)])
        >>> message_differences(pot, po, "notebooks/05_x")
        ["notebook 05_x, cell 2, line 1: not in the catalog: 'New'; run `make translations`"]
    """
    found = []
    wanted = {m.id: m for m in template if m.id}
    held = {m.id: m for m in catalog if m.id}
    for msgid in wanted.keys() - held.keys():
        found.append(
            f"{first_place(wanted[msgid])}: not in the catalog: {_short(msgid)}; "
            "run `make translations`"
        )
    for msgid in held.keys() - wanted.keys():
        found.append(
            f"{name}: {first_place(held[msgid])}: no longer in the English: "
            f"{_short(msgid)}; run `make translations`"
        )
    for msgid in wanted.keys() & held.keys():
        if sorted(wanted[msgid].locations) != sorted(held[msgid].locations):
            found.append(
                f"{first_place(wanted[msgid])}: moved (catalog says "
                f"{first_place(held[msgid])}): {_short(msgid)}; run `make translations`"
            )
    return sorted(found)


def incomplete(path: Path) -> list[str]:
    """Every empty, fuzzy or obsolete entry of a catalog, one line each, naming the cell.

    Example:
        >>> import tempfile
        >>> po = Path(tempfile.mkdtemp()) / "x.po"
        >>> c = Catalog(locale="zh_CN")
        >>> _ = c.add("Setup", "", locations=[("notebooks/05_x.ipynb", 20002)])
        >>> _ = write_catalog(po, c)
        >>> incomplete(po)
        ["notebook 05_x, cell 1, line 1: untranslated: 'Setup'"]
    """
    catalog = read_catalog(path)
    found = []
    for message in catalog:
        if not message.id:
            continue
        if not message.string:
            found.append(f"{first_place(message)}: untranslated: {_short(message.id)}")
        elif message.fuzzy:
            found.append(
                f"{first_place(message)}: fuzzy (check it, then drop the flag): "
                f"{_short(message.id)}"
            )
    for message in catalog.obsolete.values():
        found.append(f"{path.name}: obsolete (#~), delete it: {_short(message.id)}")
    return found


def _short(text: str, length: int = 70) -> str:
    return repr(text if len(text) <= length else text[: length - 3] + "...")


def markup(text: str) -> list[str]:
    """The markup a translation must keep: code spans, link targets, images, roles, math, bold
    and italics (as parsed: ``**粗体：**后文`` is not bold, ``**粗体**：后文`` is).

    Sorted, so that the order may change with the language.

    Example:
        >>> markup("Use `compute()` ([docs](https://x.org)), {term}`cluster` and $n^2$.")
        ['code `compute()`', 'link https://x.org', 'math n^2', 'role {term}`cluster`']
    """
    found = []

    def walk(tokens) -> None:
        for token in tokens or []:
            if token.type == "code_inline":
                found.append(f"code `{token.content}`")
            elif token.type in ("strong_open", "em_open"):  # "**加粗：**文字" is no bold
                found.append("bold **...**" if token.type == "strong_open" else "italic *...*")
            elif token.type == "link_open":
                found.append(f"link {token.attrGet('href')}")
            elif token.type == "image":
                found.append(f"image {token.attrGet('src')}")
            elif token.type == "myst_role":
                found.append(f"role {{{token.meta['name']}}}`{token.content}`")
            elif token.type in ("math_inline", "math_single", "math_inline_double"):
                found.append(f"math {token.content}")
            walk(token.children)

    walk(_parse(text))
    for match in re.finditer(r"(?<![\\$])\$([^$\s][^$]*?)(?<!\s)\$", _without_code(text)):
        found.append(f"math {match.group(1)}")  # JupyterLab renders $...$ as math
    return sorted(found)


def one_paragraph(text: str) -> bool:
    """Whether ``text`` reads as one paragraph, as Sphinx needs a translation to.

    Sphinx drops a translated heading that reads as a list (``1. 定义``) and shows the English.

    Example:
        >>> one_paragraph("问题 1：定义"), one_paragraph("1. 定义"), one_paragraph("1\\\\. 定义")
        (True, False, True)
    """
    blocks_ = [t.type for t in _parse(text) if t.level == 0]
    return blocks_ == ["paragraph_open", "paragraph_close"]


def _without_code(text: str) -> str:
    return re.sub(r"(`+).*?\1", "", text)


def markup_problems(path: Path) -> list[str]:
    """The translated entries of a catalog whose markup differs from their English.

    Example:
        >>> import tempfile
        >>> po = Path(tempfile.mkdtemp()) / "x.po"
        >>> c = Catalog(locale="zh_CN")
        >>> _ = c.add("Run `f()`.", "运行 f()。", locations=[("notebooks/05_x.ipynb", 30004)])
        >>> _ = write_catalog(po, c)
        >>> markup_problems(po)  # doctest: +ELLIPSIS
        ["notebook 05_x, cell 2, line 3: markup lost: ['code `f()`'], added: []: ..."]
    """
    found = []
    for message in read_catalog(path):
        if not (message.id and message.string):
            continue
        if not one_paragraph(message.string):
            found.append(
                f"{first_place(message)}: the translation is not one paragraph (it "
                "starts a list, heading, quote or code block): reword its start or "
                f"escape it (1\\. or \\#): {_short(message.string)}"
            )
            continue
        # The same markup, in any order: Chinese word order may move a code span.
        english, chinese = Counter(markup(message.id)), Counter(markup(message.string))
        if english != chinese:
            lost = sorted((english - chinese).elements())
            added = sorted((chinese - english).elements())
            found.append(
                f"{first_place(message)}: markup lost: {lost}, added: {added}: {_short(message.id)}"
            )
    return found


@dataclass(frozen=True)
class Term:
    """A glossary entry: the English forms, the Chinese term, where it comes from, the meaning."""

    english: tuple[str, ...]
    chinese: str
    origin: str
    meaning: str

    def pattern(self) -> re.Pattern:
        """The English forms, whole words, any case, singular or plural.

        Example:
            >>> bool(Term(("task graph",), "计算图", "", "").pattern().search("Task graphs"))
            True
        """
        forms = "|".join(
            r"\s+".join(map(re.escape, form.split())) + "(?:s|es)?"
            for form in sorted(self.english, key=len, reverse=True)
        )
        return re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", re.I)


def glossary(path: Path = GLOSSARY) -> list[Term]:
    """The glossary's terms, read from its page's table (the only copy of them).

    The table's columns: English (forms separated by commas), 中文, from, meaning. A row whose
    中文 is ``—`` has no Chinese term.

    Example:
        >>> {t.english[0]: t.chinese for t in glossary()}["cluster"]
        '集群'
    """
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) != 4:
            continue
        english, chinese, origin, meaning = cells
        if english.lower() == "english" or set(english) <= set("-: "):
            continue  # the header and its rule
        forms = tuple(form.strip().strip("*") for form in english.split(",") if form.strip())
        terms.append(Term(forms, chinese.strip("*"), origin, meaning))
    return terms


def prose(text: str) -> str:
    """The words of a message a reader reads: code spans, URLs, roles, HTML and math removed.

    Example:
        >>> prose("The `Client` [dashboard](https://x.org/workers) and <b>this</b>.")
        'The  [dashboard]  and this.'
    """
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)
    text = _without_code(text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"\$[^$]*\$", " ", text)


def term_problems(path: Path, terms: list[Term], exempt: Callable[[str], bool] = lambda _: False):
    """Translated entries whose English uses a glossary term and whose Chinese lacks its term.

    The longest term wins (``task graph`` before ``task``). A term the translation keeps in
    English (a book's title) passes. A translator who must word it otherwise writes a comment
    above the entry: ``# terms: ok task``.

    Example:
        >>> import tempfile
        >>> po = Path(tempfile.mkdtemp()) / "x.po"
        >>> c = Catalog(locale="zh_CN")
        >>> _ = c.add("Two clusters.", "两个群。", locations=[("notebooks/05_x.ipynb", 50002)])
        >>> _ = write_catalog(po, c)
        >>> term_problems(po, [Term(("cluster",), "集群", "", "")])
        ["notebook 05_x, cell 4, line 1: 'cluster' is 集群 (glossary): 'Two clusters.'"]
    """
    found = []
    ordered = sorted(terms, key=lambda t: -max(len(f) for f in t.english))
    for message in read_catalog(path):
        if not (message.id and message.string) or exempt(message.id):
            continue
        allowed = {
            word.lower()
            for comment in message.user_comments
            if comment.strip().startswith("terms: ok")
            for word in comment.strip()[len("terms: ok") :].replace(",", " ").split()
        }
        english = prose(message.id)
        for term in ordered:
            if not term.chinese or term.chinese == "—":
                continue
            match = term.pattern().search(english)
            if not match:
                continue
            english = term.pattern().sub(" ", english)  # a longer term hides the shorter ones
            if term.chinese in message.string or term.english[0].lower() in allowed:
                continue
            if term.pattern().search(prose(message.string)):
                continue  # kept in English on purpose, as a book's title
            found.append(
                f"{first_place(message)}: {term.english[0]!r} is {term.chinese} "
                f"(glossary): {_short(message.id)}"
            )
    return found


def placeholder_problems(path: Path) -> list[str]:
    """The helpers' catalog: entries whose ``{fields}`` differ between English and Chinese.

    Example:
        >>> import tempfile
        >>> po = Path(tempfile.mkdtemp()) / "x.po"
        >>> c = Catalog(locale="zh_CN")
        >>> _ = c.add("Hi {name}.", "你好。", locations=[("chapter05_helpers/x.py", 3)])
        >>> _ = write_catalog(po, c)
        >>> placeholder_problems(po)
        ["chapter05_helpers/x.py, line 3: fields ['{name}'] != []: 'Hi {name}.'"]
    """
    found = []
    for message in read_catalog(path):
        if message.id and message.string:
            english = sorted(re.findall(r"\{[^{}]*\}", message.id))
            chinese = sorted(re.findall(r"\{[^{}]*\}", message.string))
            if english != chinese:
                found.append(
                    f"{first_place(message)}: fields {english} != {chinese}: {_short(message.id)}"
                )
    return found


def _calls_of_underscore(tree) -> list:
    import ast

    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
    ]


def wrapping_problems(package: Path = PACKAGE) -> list[str]:
    """Calls of ``_()`` that babel cannot extract: anything but one plain string literal.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "m.py").write_text('x = 1\\nprint(_(f"{x} left"))\\n')
        >>> wrapping_problems(folder)
        ['m.py, line 2: _() takes one plain string; fill its {fields} with .format()']
    """
    import ast

    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _calls_of_underscore(tree):
            args = call.args
            if len(args) != 1 or call.keywords or not isinstance(args[0], ast.Constant):
                name = path.relative_to(package).as_posix()
                found.append(
                    f"{name}, line {call.lineno}: _() takes one plain string; "
                    "fill its {fields} with .format()"
                )
    return found


def unwrapped(path: Path) -> list[str]:
    """The strings of a module a student may read, not yet wrapped in ``_()``: one line each.

    Every string literal or f-string of two words or more, outside docstrings and ``_()``. A
    person decides which are messages (wrap them) and which are code or labels (leave them).

    Example:
        >>> import tempfile
        >>> module = Path(tempfile.mkdtemp()) / "m.py"
        >>> _ = module.write_text("x = 1\\nraise ValueError(f'No data in {x}.')\\n")
        >>> unwrapped(module)
        ["m.py:2: f'No data in {x}.'"]
    """
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skip.add(id(body[0].value))  # a docstring
    for call in _calls_of_underscore(tree):
        skip |= {id(n) for n in ast.walk(call)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            skip |= {id(n) for n in ast.walk(node)}
            text = "f" + repr(ast.unparse(node)[2:-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = repr(node.value)
        else:
            continue
        if len(text.split()) >= 2:
            found.append((node.lineno, f"{path.name}:{node.lineno}: {text}"))
    return [line for _, line in sorted(found)]


# ----------------------------------------------------------------------------------------------
# Command line


def shown(path: Path) -> str:
    """A path as the repository names it (the whole path when outside).

    Example:
        >>> shown(REPO / "locale"), shown(Path("/elsewhere"))
        ('locale', '/elsewhere')
    """
    try:
        return path.resolve().relative_to(REPO.resolve()).as_posix()
    except ValueError:
        return str(path)


def status(locale: Path = LOCALE) -> list[str]:
    """One line per catalog: translated / all, fuzzy, empty, obsolete."""
    lines = []
    for path in sorted([*locale.rglob("*.po"), PACKAGE_CATALOG]):
        if not path.exists():
            continue
        catalog = read_catalog(path)
        messages = [m for m in catalog if m.id]
        done = sum(1 for m in messages if m.string and not m.fuzzy)
        fuzzy = sum(1 for m in messages if m.string and m.fuzzy)
        empty = sum(1 for m in messages if not m.string)
        name = shown(path)
        lines.append(
            f"{name}: {done}/{len(messages)} translated, {fuzzy} fuzzy, {empty} empty, "
            f"{len(catalog.obsolete)} obsolete"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tools/translations.py [--status] [--notebooks-only]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--status", action="store_true", help="only list what is left to do")
    parser.add_argument(
        "--notebooks-only",
        action="store_true",
        help="only regenerate notebooks/zh_CN/ from the catalogs",
    )
    parser.add_argument(
        "--unwrapped",
        nargs="+",
        type=Path,
        metavar="MODULE",
        help="only list the strings of these modules not yet wrapped in _()",
    )
    parser.add_argument(
        "--drop-obsolete",
        action="store_true",
        help="delete the obsolete (#~) entries after the update",
    )
    args = parser.parse_args(argv)
    if args.unwrapped:
        for module in args.unwrapped:
            print("\n".join(unwrapped(module)))
        return 0
    if not args.status:
        if not args.notebooks_only:
            extract()
            for page, result in update_all().items():
                print(f"{shown(catalog_path(page))}: {result}")
            result = update(extract_package(), PACKAGE_CATALOG)
            print(f"{shown(PACKAGE_CATALOG)}: {result}")
            if args.drop_obsolete:
                for path in [*LOCALE.rglob("*.po"), PACKAGE_CATALOG]:
                    drop_obsolete(path)
        for path in write_notebooks():
            print(f"{shown(path)}: written")
    for line in status():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
