from __future__ import annotations

from typing import Any

from services.i18n import DEFAULT_LANG, LANGUAGES, t


class DomainError(Exception):
    """The one error type services raise; its message comes from the catalogue."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message(DEFAULT_LANG))

    def message(self, lang: str = DEFAULT_LANG) -> str:
        # A parameter named "<name>_key" is itself a catalogue key, shown as "<name>".
        params = dict(self.params)
        for name, value in self.params.items():
            if name.endswith("_key"):
                params[name.removesuffix("_key")] = t(str(value), lang, **self.params)
        return t(self.key, lang, **params)

    def bilingual(self) -> str:
        return "\n\n".join(self.message(lang) for lang in LANGUAGES)
