"""Stream rows out of the spreadsheets people export: ``.xlsx`` and ``.csv``.

Rows come out one at a time as ``(row_number, values)`` with the row numbers a person
sees in Excel, so a 100k-row file never sits in memory.

``.xlsx``: openpyxl's read-only reader opens the workbook (sheet list, shared strings,
styles, date formats, 1900/1904 epoch). Its per-cell row reader costs ~25 µs a cell on a
small server — 35 s for 100k rows × 14 cells, more than half the import budget — so the
rows of the sheet are parsed here with lxml's iterparse from the same archive, using
openpyxl's string table and date styles. Without lxml we fall back to openpyxl's own
``iter_rows`` (slower, same values).

``.csv``: UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text") or GB18030 (what
Excel on a Chinese Windows writes), detected from the bytes; comma, tab or semicolon
separated, detected from the first line."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from models import messages as M

Row = tuple[int, list[Any]]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT = (f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}is",
                                       f"{_NS}t")
_DIGITS = "0123456789"


class SheetError(ValueError):
    """The file as a whole can't be read; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def iter_rows(path: Path) -> Iterator[Row]:
    """Every row of the file's first (active) sheet, empty ones included."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _csv_rows(path)
    raise SheetError(M.IMPORT_UNSUPPORTED_FILE.format(suffix=suffix or path.name))


# -- xlsx ---------------------------------------------------------------------------------
@dataclass
class _Book:
    archive: Any
    wb: Any
    sheet_name: str
    sheet_path: str
    shared_strings: list[Any]


def _open_book(path: Path) -> _Book:
    """openpyxl's read-only reader for everything but the sheet's rows: manifest, shared
    strings, workbook (epoch, active sheet), styles (which cell styles are dates).

    ``load_workbook(read_only=True)`` would also size every sheet, which for files that
    carry no <dimension> (openpyxl's own write-only output, some exporters) means parsing
    the whole sheet once more before reading it."""
    reader = ExcelReader(path, read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    sheets = [(sheet, rel) for sheet, rel in reader.parser.find_sheets()
              if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
    if not sheets:
        raise SheetError(M.IMPORT_EMPTY)
    active = reader.wb._active_sheet_index  # the sheet that was open when saved
    sheet, rel = sheets[active] if 0 <= active < len(sheets) else sheets[0]
    return _Book(reader.archive, reader.wb, sheet.name, rel.target, reader.shared_strings)


def _xlsx_rows(path: Path) -> Iterator[Row]:
    try:
        book = _open_book(path)
    except SheetError:
        raise
    except Exception as error:  # noqa: BLE001 - zip/xml/openpyxl errors all mean "unreadable"
        raise SheetError(M.IMPORT_UNREADABLE.format(error=error)) from None
    try:
        fast = _fast_rows(book)
        if fast is not None:
            yield from fast
        else:
            ws = ReadOnlyWorksheet(book.wb, book.sheet_name, book.sheet_path,
                                   book.shared_strings)
            ws.reset_dimensions()  # some writers record a wrong <dimension>
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, list(values)
    finally:
        book.archive.close()


def _fast_rows(book: _Book) -> Iterator[Row] | None:
    try:
        from lxml import etree
    except ImportError:
        return None
    wb = book.wb
    source = book.archive.open(book.sheet_path)
    shared = book.shared_strings
    date_styles = set(getattr(wb, "_date_formats", ()))
    timedelta_styles = set(getattr(wb, "_timedelta_formats", ()))
    epoch = wb.epoch

    columns: dict[str, int] = {}

    def number_of(raw: str, style: str | None) -> Any:
        number: float | int = float(raw) if ("." in raw or "E" in raw or "e" in raw) \
            else int(raw)
        if style is not None and int(style) in date_styles:
            try:
                return from_excel(number, epoch, timedelta=int(style) in timedelta_styles)
            except (OverflowError, ValueError):
                return number
        return number

    def other_value(kind: str, raw: str) -> Any:
        if kind == "b":
            return raw == "1"
        if kind == "d":
            return from_ISO8601(raw)
        return raw  # "str" (formula result) and "e" (error such as #N/A) as text

    def rows() -> Iterator[Row]:
        # This loop runs once per cell (1.5M times for 100k rows): the common cell kinds
        # are handled inline, because a function call per cell doubles the reading time.
        expected = 0
        with source:
            for _event, row in etree.iterparse(source, events=("end",), tag=_ROW,
                                               resolve_entities=False, no_network=True,
                                               huge_tree=False):
                ref = row.get("r")
                number = int(ref) if ref else expected + 1
                while expected + 1 < number:  # rows Excel didn't write are empty rows
                    expected += 1
                    yield expected, []
                expected = number
                values: list[Any] = []
                for cell in row.iterchildren(_CELL):
                    kind = cell.get("t")
                    if kind == "s":
                        raw = cell.findtext(_VALUE)
                        value = shared[int(raw)] if raw else None
                    elif kind == "inlineStr":
                        inline = cell[0] if len(cell) else None
                        if inline is None:
                            value = None
                        elif len(inline) == 1 and inline[0].tag == _TEXT:
                            value = inline[0].text
                        else:  # rich text runs
                            value = "".join(inline.itertext())
                    else:
                        raw = cell.findtext(_VALUE)
                        if not raw:
                            value = None
                        elif kind is None or kind == "n":
                            value = number_of(raw, cell.get("s"))
                        else:
                            value = other_value(kind, raw)
                    cref = cell.get("r")
                    if cref:
                        letters = cref.rstrip(_DIGITS)
                        index = columns.get(letters)
                        if index is None:
                            index = 0
                            for ch in letters:
                                index = index * 26 + (ord(ch) - 64)
                            columns[letters] = index
                        if index != len(values) + 1:
                            values.extend([None] * (index - len(values) - 1))
                    values.append(value)
                # Keep memory flat: drop this row and everything parsed before it.
                row.clear()
                parent = row.getparent()
                while row.getprevious() is not None and parent is not None:
                    del parent[0]
                yield number, values

    return rows()


# -- csv ----------------------------------------------------------------------------------
def detect_encoding(path: Path) -> str:
    """utf-8-sig / utf-16 by BOM; utf-8 if every byte decodes as UTF-8; else gb18030."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # GB18030 is a superset of GBK and GB2312 and decodes any of their files.
            return "gb18030"
    return "utf-8"


def _csv_rows(path: Path) -> Iterator[Row]:
    encoding = detect_encoding(path)
    with path.open(newline="", encoding=encoding, errors="replace") as fh:
        first = fh.readline()
        fh.seek(0)
        delimiter = max((",", "\t", ";"), key=first.count)
        reader = csv.reader(fh, delimiter=delimiter)
        for number, values in enumerate(reader, start=1):
            yield number, list(values)
