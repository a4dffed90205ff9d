"""Text a person typed, as it will be stored: one policy for every field of every screen.

Control characters (NUL and the rest of C0 except tab and newline, DEL, C1), lone surrogates,
zero-width and bidi-override marks and invisible tag characters are removed rather than
refused (a zero-width joiner only where it does not join two emoji): they are invisible, a
person cannot find them to delete them, and a database may refuse them (PostgreSQL has no NUL
in text, and no encoding holds a lone surrogate). Line ends, also U+2028 and U+2029, become
"\n". Markup, formulas and SQL-looking text are kept as typed: pages show text as text,
exports neutralise formulas, and queries bind parameters.
"""

from __future__ import annotations

import re

from services.errors import DomainError

_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u202a-\u202e\u2060"
    "\u2066-\u2069\ufeff\ud800-\udfff\U000e0000-\U000e007f]")
# A zero-width joiner stays between two emoji (👩‍🏫, a teacher), and goes anywhere else.
_STRAY_JOINER = re.compile("(?<![\U0001f000-\U0001faff\u2600-\u27bf])\u200d|"
                           "\u200d(?![\U0001f000-\U0001faff\u2600-\u27bf])")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def plain_text(raw: str | None, *, single_line: bool = False) -> str:
    """`raw` without the characters the policy removes, line ends unified, trimmed; a
    single-line field (a name, a title) has its line breaks and tabs turned into spaces."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _STRAY_JOINER.sub("", _UNWANTED.sub("", text.replace("\u2028", "\n")
                                                .replace("\u2029", "\n")))
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


# What gives inline Markdown, Streamlit's extensions (:red[…], :material/…:, $math$) or inline
# HTML a meaning anywhere in a line; CommonMark shows a backslash-escaped one as itself.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>:~$|&])")
_BARE_WWW = re.compile(r"(?i)\b(www)\.")
# ... and what does so only at the start of a line: a quote, a heading, a list, a rule.
_BLOCK_START = re.compile(r"^(\s*)(>|#{1,6}(?=\s|$)|[+\-](?=\s|$)|-{3,}\s*$)")
_ORDERED_START = re.compile(r"^(\s*\d{1,9})(?=[.)](?:\s|$))")


def markdown_literal(text: object) -> str:
    """`text` escaped for a Markdown element (a caption, a title, an error…), so a name or a
    title a person typed shows as typed: no link, image, colour, heading, list or HTML. It
    becomes one line, so it cannot start a block of its own (a code block shows escapes)."""
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    line = _BARE_WWW.sub(r"\1\\.", line)   # www.example.com would become a link by itself
    line = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return _ORDERED_START.sub(lambda m: m.group(1) + "\\", line)
