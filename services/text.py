"""Text a person typed, as it will be stored: one policy for every field of every screen.

Control characters (NUL and the rest of C0 except tab and newline, DEL, C1), lone surrogates,
zero-width and bidi-override marks are removed rather than refused: they are invisible, a
person cannot find them to delete them, and a database may refuse them (PostgreSQL has no NUL
in text, and no encoding holds a lone surrogate). Line ends become "\n". Markup, formulas and
SQL-looking text are kept as typed: pages show text as text, exports neutralise formulas, and
queries bind parameters.
"""

from __future__ import annotations

import re

from services.errors import DomainError

_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    "\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def plain_text(raw: str | None, *, single_line: bool = False) -> str:
    """`raw` without the characters the policy removes, line ends unified, trimmed; a
    single-line field (a name, a title) has its line breaks and tabs turned into spaces."""
    text = _UNWANTED.sub("", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        text = _LINE_BREAKS.sub(" ", text).replace("\t", " ")
    return text.strip()


def field_text(raw: str | None, *, field: str, limit: int, required: bool = False,
               single_line: bool = True) -> str:
    """A named field's text under the policy, refused when blank (if required) or longer
    than `limit` characters; `field` is the catalogue key of the field's label."""
    text = plain_text(raw, single_line=single_line)
    if required and not text:
        raise DomainError("text.error.required", field_key=field)
    if len(text) > limit:
        raise DomainError("text.error.too_long", field_key=field, limit=limit, length=len(text))
    return text


# ASCII punctuation that Markdown, Streamlit's extensions (:red[…], :material/…:, $math$) or
# inline HTML give a meaning to; CommonMark shows a backslash-escaped one as itself.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:~$&=\"'])")


def markdown_literal(text: object) -> str:
    """`text` escaped for a Markdown element (a caption, a title, an error…), so a name or a
    title a person typed shows as typed: no link, image, colour, heading or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
