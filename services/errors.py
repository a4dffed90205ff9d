from __future__ import annotations

from typing import Any

from services.i18n import DEFAULT_LANG, LANGUAGES, t


class DomainError(Exception):
    """The one error type services raise; its message comes from the catalogue."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, DEFAULT_LANG, **params))

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.key, lang, **self.params)

    def bilingual(self) -> str:
        return "\n\n".join(self.message(lang) for lang in LANGUAGES)
