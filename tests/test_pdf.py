"""The PDFs' Chinese font: the readers' built-in STSong-Light by default; a TrueType file named
by UNION_PDF_FONT (the container image sets one) is embedded, so every reader shows the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.platypus import Paragraph

from services import config
from services.errors import DomainError
from services.pdf import CID_FONT, a4_document, chinese_font, markup, paragraph_style

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian's fonts-wqy-zenhei


def one_page(text: str) -> bytes:
    buffer = io.BytesIO()
    a4_document(buffer, title="t", author="a").build(
        [Paragraph(markup(text), paragraph_style("body", 11))])
    return buffer.getvalue()


def test_default_is_the_builtin_cid_font(monkeypatch):
    monkeypatch.delenv("UNION_PDF_FONT", raising=False)
    assert chinese_font() == CID_FONT
    pdf = one_page("教代会提案 <b>不加粗</b>")
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf and b"/FontFile2" not in pdf


@pytest.mark.skipif(not WQY.is_file(), reason="apt-get install fonts-wqy-zenhei")
def test_a_truetype_file_is_embedded(monkeypatch):
    monkeypatch.setenv("UNION_PDF_FONT", str(WQY))
    assert chinese_font().startswith("UnionDeskCJK-")
    pdf = one_page("教代会提案")
    assert b"/FontFile2" in pdf and b"STSong-Light" not in pdf


def test_a_missing_or_wrong_font_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("UNION_PDF_FONT", str(tmp_path / "none.ttf"))
    with pytest.raises(DomainError):
        config.pdf_font_file()
    (tmp_path / "font.otf").write_bytes(b"OTTO")
    monkeypatch.setenv("UNION_PDF_FONT", str(tmp_path / "font.otf"))
    assert [p.params["setting"] for p in config.startup_problems()] == ["UNION_PDF_FONT"]
