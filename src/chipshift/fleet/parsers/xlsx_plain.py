"""Worksheet rows in the plain shape spreadsheet programs write, read whole by regular expressions.

The event parser of :mod:`~chipshift.fleet.parsers.xlsx_sheet` calls Python for every tag and every text (about 60
calls a register row: half the time of a million-row ingest). Nearly every sheet is written in one plain shape
(``<row r="2" spans="1:9"><c r="A2" s="1" t="s"><v>7</v></c><c r="B2" t="inlineStr"><is><t>H20</t></is></c></row>``:
no comments, CDATA, processing instructions, formulas or rich text), and a regular expression reads such a row in C.

Safety stays expat's: every block of bytes is first given to expat (well-formed, no DTD, hence no entity but the
five predefined ones and character references) before any row in it is read. A sheet that is not plain in any way
(another encoding or namespace prefix, a comment, a formula, a cell out of the plain order) raises :class:`NotPlain`
where it is found, and so does anything damaged (a block expat refuses, a cell that cannot be read): the caller then
reads the sheet with the event parser, which gives the same rows and fails with the same message as it always did.
A row is only read here when the event parser would read the same values from it.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, Protocol
from xml.parsers import expat

MAIN_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BLOCK_BYTES = 1 << 20
"""Bytes of worksheet XML read at a time (as the event parser reads them)."""
PENDING_BYTES = 16 << 20
"""Most bytes held while waiting for a row to start (a sheet with a longer preamble or row is read by events)."""
HEAD = re.compile(rb"(?:<\?xml[^<>?]*\?>)?\s*<worksheet((?:\s+[A-Za-z_][\w.:-]*=\"[^\"<]*\")*)\s*>")
"""An XML declaration (or none) and the root's start tag; the root must declare the main namespace as default."""
PROLOG_BYTES = 65_536
"""How far into the sheet its root's start tag must end."""
ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
DEFAULT_MAIN = re.compile(r'\sxmlns="' + re.escape(MAIN_NAMESPACE) + '"')
CELL = (
    r'<c r="(?P<reference>(?P<column>[A-Z]{1,3})[0-9]+)"(?: s="(?P<style>[0-9]+)")?(?: t="(?P<kind>[a-zA-Z]+)")?'
    r'(?:/>|>(?:<v>|<is><t(?: xml:space="preserve")?>)(?P<text>[^<]*)(?:</v>|</t></is>)</c>)'
)
"""A cell with no attributes but these, in this order, holding a value or one inline text (``<v>`` closed by
``</t></is>`` would match too, but expat has refused that before)."""
PLAIN_CELL = re.compile(CELL)
PLAIN_ROW = re.compile(
    r'\s*<row r="([0-9]+)"(?: (?!xmlns)[A-Za-z_][\w.:-]*="[^"<&]*")*'
    r"(?:/>|>((?:" + re.sub(r"\(\?P<\w+>", "(?:", CELL) + r")*)</row>)"
)
"""A row with its number first and only plain cells (the cell pattern without its groups)."""
READ_TAGS = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:row|c|v|t|is|rPh)[\s/>]")
"""A tag the event parser reads, under any prefix: outside the plain rows, such a tag makes the sheet not plain."""
REFERENCE = re.compile(r"&(?:#([0-9]+)|#x([0-9A-Fa-f]+)|(lt|gt|amp|quot|apos));")
PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
HANDED_OVER = (
    expat.ExpatError,
    ValueError,
    LookupError,
    ArithmeticError,
    OSError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
)
"""What reading a damaged sheet raises: the event parser meets it again and reports it in its own words."""


class NotPlain(Exception):
    """The sheet is not in the plain shape from here on; read it with the event parser."""


class CellValues(Protocol):
    """What the plain reader needs from the sheet reader: its strings, value rules and column placement."""

    strings: list[str]
    columns: dict[str, int]

    def value(self, kind: str | None, text: str | None, style: str | None) -> Any:
        """A cell's value from its type, text and style."""

    def place(self, cells: list[Any], reference: str, value: Any, row: int) -> None:
        """Put a value in its column of a row, or raise ValueError when it is out of place."""


def _resolved(reference: re.Match[str]) -> str:
    decimal, hexadecimal, name = reference.groups()
    if name is not None:
        return PREDEFINED[name]
    return chr(int(decimal) if decimal is not None else int(hexadecimal, 16))


def xml_text(raw: str) -> str:
    """Character data as a parser reports it: line ends normalised to LF, then references resolved."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return REFERENCE.sub(_resolved, raw) if "&" in raw else raw


class _Checker:
    """Expat over the same bytes, without handlers: well-formedness and encoding, with the parser's own messages."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        if hasattr(self.parser, "SetReparseDeferralEnabled"):  # expat >= 2.6 may defer a large token to a later
            self.parser.SetReparseDeferralEnabled(False)  # block; the rows of a block are read only once it is checked

    @staticmethod
    def _refuse(*_arguments: object) -> None:
        raise ValueError("the worksheet declares a DTD or entities; refused")

    def feed(self, data: bytes, final: bool = False) -> None:
        self.parser.Parse(data, final)


class PlainRows:
    """Reads the plain rows of one worksheet stream, a block at a time, after expat has checked each block."""

    def __init__(self, reader: CellValues) -> None:
        self.reader = reader
        self.checker = _Checker()
        self.pending = b""
        self.opened = False
        self.in_rows = False

    def rows(self, stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) of every row, in order; raises :class:`NotPlain` where the sheet stops being plain.

        It never fails otherwise: a block expat refuses, a cell whose value cannot be read, a damaged archive raise
        :class:`NotPlain` too, and the event parser then fails there with its own message, after the same rows.
        """
        try:
            while block := stream.read(BLOCK_BYTES):
                self.checker.feed(block)
                self.pending += block
                yield from self._complete_rows()
            self.checker.feed(b"", final=True)
            if not self.opened:
                raise NotPlain
            yield from self._read(self.pending.decode("utf-8"), last=True)
        except HANDED_OVER as error:
            raise NotPlain from error

    def _complete_rows(self) -> list[tuple[int, list[Any]]]:
        """The rows that end before the last row start held; the rest waits for the next block."""
        if not self.opened and not self._open():
            return []
        cut = self.pending.rfind(b"<row ")
        if cut <= 0:
            if len(self.pending) > PENDING_BYTES:
                raise NotPlain
            return []
        piece, self.pending = self.pending[:cut], self.pending[cut:]
        return self._read(piece.decode("utf-8"), last=False)

    def _open(self) -> bool:
        """Past the root's start tag: a UTF-8 sheet whose default namespace is the main one; False until it is read."""
        pending = self.pending.removeprefix(b"\xef\xbb\xbf")
        head = HEAD.match(pending)
        if head is None:
            if len(pending) >= PROLOG_BYTES:
                raise NotPlain
            return False
        declared = ENCODING.search(pending[: head.start(1)])
        if declared is not None and declared.group(1).lower() != b"utf-8":
            raise NotPlain
        if not DEFAULT_MAIN.search(head.group(1).decode("utf-8")):
            raise NotPlain
        self.pending = pending[head.end() :]
        self.opened = True
        return True

    def _read(self, text: str, last: bool) -> list[tuple[int, list[Any]]]:
        """The rows of a piece: plain rows back to back, after the preamble (first piece) and before the tail (last)."""
        if "<!" in text or "<?" in text:
            raise NotPlain
        position = 0
        if not self.in_rows:
            position = text.find("<row ")
            position = len(text) if position < 0 else position
            self._outside_rows(text[:position])
            self.in_rows = position < len(text)
        found: list[tuple[int, list[Any]]] = []
        # match, not finditer: a search would try again from every character of a long run of whitespace that no
        # row follows (quadratic in the run, 1 MB of newlines compresses to 1 KB in the zip)
        while (row := PLAIN_ROW.match(text, position)) is not None:
            position = row.end()
            found.append(self._row(int(row.group(1)), row.group(2)))
        if position != len(text) and not text[position:].isspace():
            if not last:
                raise NotPlain
            self._outside_rows(text[position:])
        return found

    @staticmethod
    def _outside_rows(text: str) -> None:
        if READ_TAGS.search(text) or "xmlns" in text:
            raise NotPlain

    def _row(self, number: int, content: str | None) -> tuple[int, list[Any]]:
        """One row's values, placed by column as the event parser places them."""
        cells: list[Any] = []
        if not content:
            return number, cells
        reader = self.reader
        strings, columns = reader.strings, reader.columns
        # The common cells inline (a shared or inline string, a number without a style): the same values as
        # reader.value gives, a million rows faster.
        cell: Any
        for reference, column, style, kind, text in PLAIN_CELL.findall(content):
            raw: str | None = text or None
            if raw is not None and ("&" in raw or "\r" in raw):
                raw = xml_text(raw)
            if kind == "s" and raw is not None:
                cell = strings[int(raw)]
            elif kind == "inlineStr":
                cell = raw
            elif not style and (not kind or kind == "n") and raw is not None:
                cell = int(raw) if raw.isdecimal() else float(raw)
            else:
                cell = reader.value(kind or None, raw, style or None)
            if columns.get(column) == len(cells):
                cells.append(cell)
            else:
                reader.place(cells, reference, cell, number)
        return number, cells
