"""The agreement as a PDF, drawn from the same plain-English document as the HTML page.

fpdf2 (pure Python) lays out :func:`accord.agreements.render.document`'s sections on A4:
a heading per section, facts as label and value, tables with a header row repeated on
each page, page numbers in the footer. Text is drawn in DejaVu Sans, bundled with the
package (core PDF fonts only cover Latin-1); a character the font has no glyph for is
drawn as U+FFFD rather than silently dropped. fpdf2 is imported when a PDF is first
drawn, not with the package: it is a quarter of a second of every command's start.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

from accord.agreements.models import Agreement
from accord.agreements.render import Document, Facts, Subheading, Table, document

FONT = "DejaVu"
_FONTS = resources.files("accord.agreements") / "templates" / "fonts"
LABEL_WIDTH = 58  # mm of the 180 between A4's margins
LINE = 5.2

if TYPE_CHECKING:
    from fpdf import FPDF


@functools.cache
def _pages() -> type[FPDF]:
    """fpdf2's document with our footer (a class made on first use: see the docstring)."""
    from fpdf import FPDF

    class Pages(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.cell(0, 6, f"{self.title} - page {self.page_no()} of {{nb}}", align="C")

    return Pages


def render_pdf(agreement: Agreement, status: str | None = None) -> bytes:
    """The agreement as PDF bytes (A4)."""
    return draw(document(agreement, status))


def draw(doc: Document) -> bytes:
    """Lay ``doc`` out on A4 pages."""
    # fontTools reads the font lazily, so the files must stay in place until the output.
    with (
        resources.as_file(_FONTS / "DejaVuSans.ttf") as regular,
        resources.as_file(_FONTS / "DejaVuSans-Bold.ttf") as bold,
    ):
        page = _pages()(format="A4")
        page.set_title(doc.title)
        page.set_lang("en-GB")
        page.set_creator("Accord")
        page.set_margins(15, 15, 15)
        page.set_auto_page_break(True, margin=18)
        page.add_font(FONT, "", regular)
        page.add_font(FONT, "B", bold)
        _sections(page, doc)
        return bytes(page.output())


def _sections(page: FPDF, doc: Document) -> None:
    glyphs = set(page.fonts[FONT.lower()].cmap)  # type: ignore[union-attr]
    page.add_page()
    _heading(page, _drawable(doc.title, glyphs), 16)
    _paragraph(page, _drawable(doc.subtitle, glyphs))
    for section in doc.sections:
        page.ln(3)
        _heading(page, _drawable(section.title, glyphs), 13)
        for block in section.blocks:
            if isinstance(block, Facts):
                _facts(page, [(_drawable(k, glyphs), _drawable(v, glyphs)) for k, v in block.rows])
            elif isinstance(block, Table):
                _table(page, block, glyphs)
            elif isinstance(block, Subheading):
                _heading(page, _drawable(block.text, glyphs), 11)
            else:
                _paragraph(page, _drawable(block.text, glyphs))


def _drawable(text: str, glyphs: set[int]) -> str:
    return "".join(c if ord(c) in glyphs or c in "\n\t" else "\ufffd" for c in text)


def _heading(page: FPDF, text: str, size: int) -> None:
    from fpdf.enums import XPos, YPos

    page.set_font(FONT, "B", size)
    page.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    page.ln(1)


def _paragraph(page: FPDF, text: str) -> None:
    from fpdf.enums import XPos, YPos

    page.set_font(FONT, "", 10)
    page.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    page.ln(1)


def _facts(page: FPDF, rows: list[tuple[str, str]]) -> None:
    from fpdf.fonts import FontFace

    page.set_font(FONT, "", 9.5)
    with page.table(col_widths=(LABEL_WIDTH, 180 - LABEL_WIDTH), first_row_as_headings=False,
                    borders_layout="HORIZONTAL_LINES", line_height=LINE,
                    text_align="LEFT") as table:  # fmt: skip
        for label, value in rows:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    page.ln(1)


def _table(page: FPDF, block: Table, glyphs: set[int]) -> None:
    page.set_font(FONT, "", 9)
    with page.table(first_row_as_headings=True, borders_layout="HORIZONTAL_LINES",
                    line_height=LINE - 0.6, text_align="LEFT") as table:  # fmt: skip
        for cells in (block.header, *block.rows):
            row = table.row()
            for cell in cells:
                row.cell(_drawable(cell, glyphs))
    page.ln(1)
