"""The Chinese notebooks read in short sentences: at most 25 units a sentence, few semicolons.

A unit is one Han character or one Latin word or number, as the course's style guide counts them.
Code, tables, headings and inline code are left out; a sentence ends at 。！？ (or . ! ? before a
space), at a blank line or at a list item.
"""

import json
import re
from pathlib import Path

import pytest
from support import REPO

HAN = r"[\u4e00-\u9fff]"
CHINESE_NOTEBOOKS = sorted((REPO / "notebooks" / "zh_CN").glob("*.ipynb"))


def prose(text: str) -> str:
    """The sentences of a Markdown text, without code, tables, headings, HTML or link targets."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(("|", "#", "<", "!["))]
    text = re.sub(r"`[^`]*`", "X", "\n".join(lines))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\d)\.(\d)", r"\1\2", text)


def units_per_sentence(text: str) -> tuple[float, int]:
    """Units a sentence and the number of semicolons of a Chinese text.

    >>> units_per_sentence("你好。Dask 很快。")
    (2.5, 0)
    """
    text = prose(text)
    units = len(re.findall(HAN, text)) + len(re.findall(r"[A-Za-z0-9][\w'’-]*", text))
    pattern = r"[。！？]|[.!?](?:\s|$)|\n\s*\n|\n\s*[-*] "
    sentences = [s for s in re.split(pattern, text) if re.search(HAN + "|[A-Za-z]{2}", s)]
    return units / max(len(sentences), 1), text.count(";") + text.count("；")


def markdown_of(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_units_per_sentence_counts_han_characters_and_latin_words():
    assert units_per_sentence("一二三四。五六；`code` 七 eight。") == (4.5, 1)


@pytest.mark.parametrize("notebook", CHINESE_NOTEBOOKS, ids=lambda p: p.stem)
def test_chinese_notebook_reads_in_short_sentences(notebook: Path) -> None:
    text = markdown_of(notebook)
    if len(re.findall(HAN, text)) < len(re.findall(r"[A-Za-z]{2,}", text)):
        pytest.fail(f"{notebook.name} is still mostly English: translate its catalog")
    per_sentence, semicolons = units_per_sentence(text)
    assert per_sentence <= 25, f"{notebook.name}: {per_sentence:.1f} units a sentence (at most 25)"
    assert semicolons <= 5, f"{notebook.name}: {semicolons} semicolons (split those sentences)"
