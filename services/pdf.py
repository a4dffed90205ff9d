"""What the PDF documents share: the Chinese font (the built-in CID font STSong-Light, or a
TrueType font file embedded in the PDF when UNION_PDF_FONT names one), user text made safe
for platypus Paragraph markup, paragraph styles in that font, the A4 page and its page-number
footer."""

from __future__ import annotations

import io
import unicodedata
import zlib
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from services.config import pdf_font_file

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "UnionDeskCJK"
PAGE_MARGIN = 18 * mm
RULE = colors.HexColor("#999999")


def chinese_font() -> str:
    """The registered name of the font every PDF writes Chinese in.

    By default the CID font STSong-Light: no font file, the PDF reader supplies the glyphs.
    With UNION_PDF_FONT (a .ttf/.ttc file, as the container image sets) the glyphs used are
    embedded, so the PDF looks the same in every reader and print shop.
    """
    path = pdf_font_file()
    name = f"{EMBEDDED_FONT}-{zlib.crc32(path.encode()):08x}" if path else CID_FONT
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0) if path
                                else UnicodeCIDFont(CID_FONT))
    return name


def plain(text: str) -> str:
    """User text for a PDF: control characters (but line breaks) become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch if ch == "\n" or not unicodedata.category(ch).startswith("C") else " "
                   for ch in text)


def markup(text: str) -> str:
    """Paragraph markup that shows the text literally: `<b>x</b>` prints as typed."""
    return escape(plain(text)).replace("\n", "<br/>")


def paragraph_style(name: str, size: float, **extra: Any) -> ParagraphStyle:
    """A style in the Chinese font that wraps Chinese text anywhere, as a line of CJK may."""
    return ParagraphStyle(name, fontName=chinese_font(), fontSize=size, leading=size * 1.45,
                          wordWrap="CJK", **extra)


def a4_document(buffer: io.BytesIO, *, title: str, author: str) -> SimpleDocTemplate:
    """An A4 portrait document with the house margins; `invariant` keeps the bytes the same
    for the same content (no creation time inside)."""
    return SimpleDocTemplate(buffer, pagesize=A4, leftMargin=PAGE_MARGIN,
                             rightMargin=PAGE_MARGIN, topMargin=PAGE_MARGIN,
                             bottomMargin=PAGE_MARGIN, title=plain(title), author=plain(author),
                             invariant=1)


def page_footer(text: Callable[[int], str]) -> Callable[[Canvas, SimpleDocTemplate], None]:
    """A page callback that writes `text(page number)` centred at the foot of the page."""
    def footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(chinese_font(), 9)
        canvas.drawCentredString(document.pagesize[0] / 2, 10 * mm, text(document.page))
        canvas.restoreState()

    return footer
