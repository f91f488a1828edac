"""The language of what the helpers tell a student: English, or Chinese in a Chinese notebook.

A message a student reads (a checker's verdict, an error that says what to do) is written in
English and wrapped in :func:`_`. :func:`_` returns its translation in :func:`language`:

- ``CHAPTER05_LANG`` when it is set (``zh_CN`` or ``en``);
- else ``zh_CN`` when the working directory is a folder called ``zh_CN``: JupyterLab, Binder
  and nbclient start a notebook's kernel in the notebook's own folder, so the notebooks in
  ``notebooks/zh_CN/`` get Chinese messages with no code cell setting anything;
- else English.

The translations live in ``locale/zh_CN/LC_MESSAGES/chapter05_helpers.po`` beside this module
(``make translations`` adds new messages to it). The catalog is read with babel when first
needed; without babel, or without a translation, the English message is returned.

Example:
    >>> import os
    >>> os.environ[ENV_VAR] = "zh_CN"
    >>> _("Unknown profile {name!r}. Valid profiles: {valid}. "
    ...   "Set {env_var} to one of them (for example {env_var}=demo).").startswith("未知")
    True
    >>> os.environ[ENV_VAR] = "en"
    >>> _("Unknown profile {name!r}. Valid profiles: {valid}. "
    ...   "Set {env_var} to one of them (for example {env_var}=demo).").startswith("Unknown")
    True
    >>> del os.environ[ENV_VAR]
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

ENV_VAR = "CHAPTER05_LANG"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh_CN")
DOMAIN = "chapter05_helpers"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def normalize(value: str) -> str:
    """The course's name for a language setting, ``en`` for anything it does not translate.

    Example:
        >>> normalize("zh-CN"), normalize("zh_CN.UTF-8"), normalize("zh"), normalize("fr")
        ('zh_CN', 'zh_CN', 'zh_CN', 'en')
    """
    key = value.strip().split(".")[0].replace("-", "_").lower()
    if key in ("zh", "zh_cn", "zh_hans", "zh_hans_cn"):
        return "zh_CN"
    return DEFAULT_LANGUAGE


def language(cwd: Path | None = None) -> str:
    """The language of the messages now: ``CHAPTER05_LANG``, else the working folder's name.

    Example:
        >>> os.environ.pop(ENV_VAR, None)
        >>> language(Path("notebooks/zh_CN")), language(Path("notebooks"))
        ('zh_CN', 'en')
    """
    setting = os.environ.get(ENV_VAR, "").strip()
    if setting:
        return normalize(setting)
    folder = cwd if cwd is not None else Path.cwd()
    return "zh_CN" if folder.name in LANGUAGES[1:] else DEFAULT_LANGUAGE


def catalog_path(lang: str) -> Path:
    """Where the package's catalog for ``lang`` lives.

    Example:
        >>> catalog_path("zh_CN").relative_to(LOCALE_DIR).as_posix()
        'zh_CN/LC_MESSAGES/chapter05_helpers.po'
    """
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> dict[str, str]:
    """The finished translations for ``lang`` (no empty or fuzzy entry), English message first.

    Example:
        >>> translations("en")
        {}
    """
    path = catalog_path(lang)
    if lang == DEFAULT_LANGUAGE or not path.is_file():
        return {}
    try:
        from babel.messages.pofile import read_po
    except ImportError:  # the package alone, outside the course's environment
        return {}
    with path.open("rb") as po:
        catalog = read_po(po)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def _(message: str) -> str:
    """``message`` in the student's language (:func:`language`); English when untranslated.

    Wrap the English text with its ``{name}`` fields, then format the result::

        raise DatasetError(_("{folder} holds no CSV file.").format(folder=folder))

    Example:
        >>> os.environ[ENV_VAR] = "en"
        >>> _("No translation for this one.")
        'No translation for this one.'
        >>> del os.environ[ENV_VAR]
    """
    return translations(language()).get(message, message)
