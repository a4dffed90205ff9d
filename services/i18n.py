"""Message catalogues: Simplified Chinese by default, English available.

Every label shown to a user lives in `locales/<lang>.json`; code refers to it by key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANG = "zh"


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(LOCALES_DIR / f"{lang}.json", encoding="utf-8") as fh:
        data: dict[str, str] = json.load(fh)
    return data


def t(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    text = catalogue(lang).get(key)
    if text is None:
        # A missing key is a bug the catalogue test catches; show the key rather than crash.
        text = catalogue(DEFAULT_LANG).get(key, key)
    return text.format(**params) if params else text


def label(key: str, fallback: str, lang: str = DEFAULT_LANG) -> str:
    """A catalogue label where one exists, else the fallback (e.g. a raw action code)."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    return catalogue(lang).get(key, fallback)


def bilingual(key: str, **params: Any) -> str:
    """Both languages at once, for messages shown before anyone could choose one."""
    return "\n\n".join(t(key, lang, **params) for lang in LANGUAGES)
