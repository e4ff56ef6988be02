"""The plain-row reader of worksheets gives exactly the rows the event parser gives, and steps aside where it cannot.

Each sheet below is put into a real workbook (openpyxl's, with shared strings and styles added where the sheet uses
them) and read both ways: :meth:`SheetReader.rows` (plain rows while the sheet is plain) and
:meth:`SheetReader.parsed_rows` (the event parser, the reference). Whether the plain reader read the sheet to its
end is asserted too, so that a sheet as spreadsheet programs write it keeps the fast path.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest

from chipshift.fleet.parsers.xlsx_plain import NotPlain, PlainRows, xml_text
from chipshift.fleet.parsers.xlsx_sheet import SheetReader

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
EXCEL_ROOT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<worksheet xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
    '<dimension ref="A1:E4"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><cols><col min="1" max="1" width="12"/></cols>'
)
SHARED_STRINGS = (
    f'<sst xmlns="{MAIN}" count="4" uniqueCount="4"><si><t>model</t></si><si><t>count</t></si>'
    "<si><t>H20</t></si><si><r><t>9</t></r><r><t>10B</t></r></si></sst>"
)
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>'
)


def _excel(rows: str, tail: str = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"/>') -> str:
    return f"{EXCEL_ROOT}<sheetData>{rows}</sheetData>{tail}</worksheet>"


def _inline(rows: str) -> str:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'


def _book(sheet: bytes) -> zipfile.ZipFile:
    """A real workbook whose first sheet is ``sheet``, with the shared strings and date styles above."""
    book = openpyxl.Workbook()
    book.active.append(["model"])
    buffer = io.BytesIO()
    book.save(buffer)
    parts = {}
    with zipfile.ZipFile(buffer) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    parts.update({SHEET: sheet, "xl/sharedStrings.xml": SHARED_STRINGS.encode(), "xl/styles.xml": STYLES.encode()})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def _plain_to_the_end(reader: SheetReader) -> bool:
    try:
        with reader.book.open(reader.path) as stream:
            for _ in PlainRows(reader).rows(stream):
                pass
    except NotPlain:
        return False
    return True


def _both_ways(sheet: str | bytes) -> tuple[list[Any], list[Any], bool]:
    data = sheet.encode() if isinstance(sheet, str) else sheet
    reader = SheetReader(_book(data))
    return list(reader.rows()), list(SheetReader(_book(data)).parsed_rows()), _plain_to_the_end(reader)


EXCEL_ROWS = (
    '<row r="1" spans="1:5" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" s="0" t="s"><v>1</v></c>'
    '<c r="C1" t="inlineStr"><is><t>bought</t></is></c><c r="E1" s="2"/></row>'
    '<row r="2" spans="1:5" x14ac:dyDescent="0.25"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>8</v></c>'
    '<c r="C2" s="1"><v>45293</v></c><c r="D2" s="2"><v>45293.5</v></c><c r="E2" t="b"><v>1</v></c></row>'
    '<row r="3" ht="20" customHeight="1"/>'
    '<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4" t="n"><v>-1.5E-3</v></c><c r="C4" t="e"><v>#N/A</v></c>'
    '<c r="D4" t="str"><v>text</v></c><c r="E4"><v></v></c></row>'
)

PLAIN = {
    "excel": _excel(EXCEL_ROWS),
    "openpyxl inline strings": _inline(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>model</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t xml:space="preserve"> lead </t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>H20</t></is></c><c r="B2" t="n"><v>1</v></c></row>'
    ),
    "references and line ends": _inline(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>R&amp;D &lt;1&gt; &quot;q&quot; &apos;a&apos;</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>&#233;&#x4E2D;&#13;\r\na\rb</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>上海</t></is></c></row>'
    ),
    "sparse cells and rows": _inline(
        '<row r="2"><c r="B2" t="inlineStr"><is><t>model</t></is></c><c r="E2"><v>3</v></c></row>'
        '<row r="7"><c r="A7" t="inlineStr"><is><t>x</t></is></c><c r="AA7"><v>1</v></c></row>'
    ),
    "rows a line apart": _inline(
        '\n  <row r="1"><c r="A1" t="inlineStr"><is><t>model</t></is></c></row>\n'
        '  <row r="2"><c r="A2" t="inlineStr"><is><t>H20</t></is></c></row>\n'
    ),
    "no rows": _inline(""),
    "a byte-order mark": "\ufeff" + _inline('<row r="1"><c r="A1" t="inlineStr"><is><t>model</t></is></c></row>'),
}
"""Sheets the plain reader reads to their end."""

ONE_CELL = '<row r="1"><c r="A1"><v>1</v></c></row>'
NOT_PLAIN = {
    "a formula": _excel('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><f>1+1</f></c></row>'),
    "rich inline text": _inline(
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>mo</t></r><r><t>del</t></r></is></c></row>'
    ),
    "a phonetic run": _inline(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>型号</t><rPh sb="0" eb="2"><t>xh</t></rPh></is></c></row>'
    ),
    "a comment between rows": _inline(ONE_CELL + '<!-- <row r="2"/> --><row r="3"><c r="A3"><v>3</v></c></row>'),
    "CDATA": _inline('<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<b>model</b>]]></t></is></c></row>'),
    "a prefixed namespace": f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr">'
    "<x:is><x:t>model</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>",
    "another namespace": f'<worksheet xmlns="urn:other"><sheetData>{ONE_CELL}</sheetData></worksheet>',
    "a row in another namespace": _inline(ONE_CELL + '<row r="2" xmlns="urn:other"><c r="A2"><v>2</v></c></row>'),
    "sheetData in another namespace": f'<worksheet xmlns="{MAIN}"><sheetData xmlns="urn:other">{ONE_CELL}'
    "</sheetData></worksheet>",
    "a row without its number": _inline(ONE_CELL + '<row><c r="A2"><v>2</v></c></row>'),
    "attributes in another order": _inline('<row r="1"><c t="inlineStr" r="A1"><is><t>model</t></is></c></row>'),
    "single quotes": _inline("<row r='1'><c r='A1'><v>1</v></c></row>"),
    "cells a line apart": _inline('<row r="1">\n<c r="A1"><v>1</v></c>\n</row>'),
    "a cell outside a row": _inline(ONE_CELL + '</sheetData><c r="B1"><v>2</v></c><sheetData>'),
    "latin-1": b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    + _inline('<row r="1"><c r="A1" t="inlineStr"><is><t>caf\xe9</t></is></c></row>').encode("latin-1"),
}
"""Sheets the plain reader hands to the event parser (from the start or part way)."""


@pytest.mark.parametrize("name", list(PLAIN))
def test_a_plain_sheet_is_read_to_its_end_as_the_event_parser_reads_it(name: str) -> None:
    rows, parsed, plain = _both_ways(PLAIN[name])
    assert rows == parsed and plain


def test_the_plain_reader_reads_values_of_every_kind() -> None:
    from datetime import date, datetime

    rows, _, _ = _both_ways(PLAIN["excel"])
    assert rows == [
        (1, ["model", "count", "bought", None, None]),
        (2, ["H20", 8, date(2024, 1, 2), datetime(2024, 1, 2, 12), True]),
        (3, []),
        (4, ["910B", -0.0015, "#N/A", "text", None]),
    ]
    assert _both_ways(PLAIN["references and line ends"])[0] == [(1, ["R&D <1> \"q\" 'a'", "é中\r\na\nb", "上海"])]


@pytest.mark.parametrize("name", list(NOT_PLAIN))
def test_a_sheet_not_plain_is_read_by_the_event_parser(name: str) -> None:
    rows, parsed, plain = _both_ways(NOT_PLAIN[name])
    assert rows == parsed and not plain


def test_a_sheet_that_stops_being_plain_past_the_first_block_gives_every_row_once() -> None:
    """Two blocks of plain rows, then a formula: the event parser reads again from the start and skips those given."""
    plain = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>H20</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
        for n in range(1, 30_001)
    )
    sheet = _inline(
        plain
        + '<row r="30001"><c r="A30001"><f>1+1</f><v>2</v></c></row><row r="30002"><c r="A30002"><v>7</v></c></row>'
    )
    assert len(sheet) > 2 << 20
    rows, parsed, is_plain = _both_ways(sheet)
    assert not is_plain and rows == parsed
    assert [number for number, _ in rows] == list(range(1, 30_003)) and rows[-2:] == [(30001, [2]), (30002, [7])]


@pytest.mark.parametrize(
    ("sheet", "error"),
    [
        (_inline('<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>'), "cell A1 is out of place in row 1"),
        (_inline('<row r="1"><c r="A1" t="s"><v>99</v></c></row>'), "list index out of range"),
        (_inline('<row r="1"><c r="A1"><v>abc</v></c></row>'), "could not convert string to float"),
        (_inline('<row r="1"><c r="A1" t="inlineStr"><is><t>&bogus;</t></is></c></row>'), "undefined entity"),
        (_inline('<row r="1"><c r="A1"><v>1</v></c></row>')[:-20], "unclosed token"),
    ],
)  # fmt: skip
def test_a_damaged_sheet_fails_as_it_does_with_the_event_parser(sheet: str, error: str) -> None:
    for rows in (SheetReader(_book(sheet.encode())).rows(), SheetReader(_book(sheet.encode())).parsed_rows()):
        with pytest.raises(Exception, match=error) as raised:
            list(rows)
        assert type(raised.value).__name__ in {"ValueError", "IndexError", "ParseError"}


def test_xml_text_resolves_references_after_line_ends() -> None:
    assert xml_text("a&#13;\r\nb\r&amp;lt;") == "a\r\nb\n&lt;"


def test_a_row_longer_than_the_bytes_held_is_read_by_the_event_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    from chipshift.fleet.parsers import xlsx_plain

    monkeypatch.setattr(xlsx_plain, "BLOCK_BYTES", 64)
    monkeypatch.setattr(xlsx_plain, "PENDING_BYTES", 256)
    short = '<row r="1"><c r="A1" t="inlineStr"><is><t>model</t></is></c></row>'
    long = '<row r="2">' + "".join(f'<c r="{c}2"><v>{n}</v></c>' for n, c in enumerate("ABCDEFGHIJKLMNOP")) + "</row>"
    rows, parsed, plain = _both_ways(_inline(short + long + short.replace('"1"', '"3"').replace("A1", "A3")))
    assert rows == parsed and not plain and [n for n, _ in rows] == [1, 2, 3]
    assert _both_ways(_inline(short + short.replace('"1"', '"2"').replace("A1", "A2")))[2]


def test_a_long_run_of_whitespace_after_the_rows_stays_plain_and_reads_the_same() -> None:
    """Rows are matched where the last one ended, never searched for: a run of whitespace that no row follows is read
    once (a search tried it again from each of its characters, quadratic in its length)."""
    sheet = _excel('<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + "\n" * 200_000)
    rows, parsed, plain = _both_ways(sheet)
    assert rows == parsed and len(rows) == 1 and plain
