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
separated, detected from the first line.

Every read is capped (``SheetLimits``): an .xlsx is a zip archive, and a few hundred kB
can unpack into gigabytes of XML. Before openpyxl opens anything, the archive's directory
is checked — each part's uncompressed size, the total, the compression ratio, the shared
string table's size (Python's zip reader never yields more than a part's declared size, so
the declared sizes bound what is read). While reading, the number of shared strings,
rows, cells, columns and the time spent are capped. Any cap reached raises ``SheetError``
with a Chinese message naming it."""

from __future__ import annotations

import codecs
import csv
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from lib import texts as M

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


_MIB = 1024 * 1024


@dataclass(frozen=True)
class SheetLimits:
    """What one read of a spreadsheet may cost. The defaults leave room for a 300k-row
    customer book (~45 MiB of sheet XML, ~20 MiB of strings) and refuse the bombs."""

    max_part_bytes: int = 256 * _MIB  # one part of the archive, uncompressed
    max_total_bytes: int = 512 * _MIB  # all parts together, uncompressed
    max_ratio: int = 150  # uncompressed / compressed, for parts above ratio_from_bytes
    ratio_from_bytes: int = 16 * _MIB
    max_strings_bytes: int = 64 * _MIB  # xl/sharedStrings.xml, uncompressed
    max_strings: int = 1_000_000
    max_rows: int = 500_000
    max_cells: int = 10_000_000
    max_columns: int = 16_384  # Excel's own limit (column XFD)
    max_seconds: float = 600.0  # one pass over the file


DEFAULT_LIMITS = SheetLimits()


def _mib(size: int) -> str:
    return f"{size / _MIB:.0f} MB" if size >= _MIB else f"{size / 1024:.0f} KB"


def _too_big(what: str, size: str, limit: str) -> SheetError:
    return SheetError(M.IMPORT_TOO_BIG.format(what=what, size=size, limit=limit))


def check_archive(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> None:
    """Refuse an .xlsx whose parts would unpack beyond ``limits``, from the zip directory
    alone: nothing is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetError(M.IMPORT_UNREADABLE.format(error=error)) from None
    total = 0
    for part in parts:
        size = part.file_size
        total += size
        if size > limits.ratio_from_bytes and size > max(part.compress_size, 1) * limits.max_ratio:
            raise SheetError(M.IMPORT_RATIO.format(
                name=part.filename, size=_mib(size), packed=_mib(part.compress_size),
                ratio=size // max(part.compress_size, 1)))
        if part.filename.lower().endswith("sharedstrings.xml") \
                and size > limits.max_strings_bytes:
            raise _too_big(M.IMPORT_STRINGS_PART, _mib(size), _mib(limits.max_strings_bytes))
        if size > limits.max_part_bytes:
            raise _too_big(M.IMPORT_PART.format(name=part.filename), _mib(size),
                           _mib(limits.max_part_bytes))
    if total > limits.max_total_bytes:
        raise _too_big(M.IMPORT_ALL_PARTS, _mib(total), _mib(limits.max_total_bytes))


def check_readable(path: Path) -> None:
    """Cheap enough for a web request: the file is a zip archive holding a workbook. Reads
    the zip directory only; sizes and contents are checked by the read itself."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetError(M.IMPORT_UNREADABLE.format(error=error)) from None
    if "[Content_Types].xml" not in names:
        raise SheetError(M.IMPORT_UNREADABLE.format(error="[Content_Types].xml"))


class _Clock:
    """Raises SheetError once a read has run longer than ``limits.max_seconds``."""

    def __init__(self, limits: SheetLimits) -> None:
        self.deadline = time.monotonic() + limits.max_seconds
        self.limit = limits.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise SheetError(M.IMPORT_TOO_SLOW.format(seconds=f"{self.limit:.0f}"))


def iter_rows(path: Path, limits: SheetLimits | None = None) -> Iterator[Row]:
    """Every row of the file's first (active) sheet, empty ones included, within
    ``limits`` (default ``DEFAULT_LIMITS``; SheetError when one is reached)."""
    limits = limits or DEFAULT_LIMITS
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, limits)
    if suffix in (".csv", ".txt", ".tsv"):
        return _capped(_csv_rows(path), limits)
    raise SheetError(M.IMPORT_UNSUPPORTED_FILE.format(suffix=suffix or path.name))


def _capped(rows: Iterator[Row], limits: SheetLimits) -> Iterator[Row]:
    """Rows, cells and time caps for readers that don't count for themselves."""
    clock = _Clock(limits)
    cells = 0
    for count, (number, values) in enumerate(rows, start=1):
        if count > limits.max_rows:
            raise _too_big(M.IMPORT_ROWS, f"{count}", f"{limits.max_rows}")
        if len(values) > limits.max_columns:
            raise _too_big(M.IMPORT_COLUMNS, f"{len(values)}", f"{limits.max_columns}")
        cells += len(values)
        if cells > limits.max_cells:
            raise _too_big(M.IMPORT_CELLS, f"{cells}", f"{limits.max_cells}")
        if count % 1000 == 0:
            clock.check()
        yield number, values


# -- xlsx ---------------------------------------------------------------------------------
@dataclass
class _Book:
    archive: Any
    wb: Any
    sheet_name: str
    sheet_path: str
    shared_strings: list[Any]


def _read_strings(archive: Any, name: str, limits: SheetLimits, clock: _Clock) -> list[Any]:
    """openpyxl's shared string reader (plain text), stopping at ``limits.max_strings``."""
    strings: list[Any] = []
    tag = f"{{{SHEET_MAIN_NS}}}si"
    with archive.open(name) as source:
        for _event, node in iterparse(source):
            if node.tag != tag:
                continue
            text = Text.from_tree(node)
            strings.append(text.content.replace("x005F_", "") if text is not None else "")
            node.clear()
            if len(strings) > limits.max_strings:
                raise _too_big(M.IMPORT_STRINGS, f"{len(strings)}", f"{limits.max_strings}")
            if len(strings) % 10_000 == 0:
                clock.check()
    return strings


def _open_book(path: Path, limits: SheetLimits, clock: _Clock) -> _Book:
    """openpyxl's read-only reader for everything but the sheet's rows: manifest, shared
    strings, workbook (epoch, active sheet), styles (which cell styles are dates).

    ``load_workbook(read_only=True)`` would also size every sheet, which for files that
    carry no <dimension> (openpyxl's own write-only output, some exporters) means parsing
    the whole sheet once more before reading it."""
    check_archive(path, limits)
    reader = ExcelReader(path, read_only=True, data_only=True)
    reader.read_manifest()
    strings = reader.package.find(SHARED_STRINGS)
    if strings is not None:
        reader.shared_strings = _read_strings(reader.archive, strings.PartName[1:], limits,
                                              clock)
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    sheets = [(sheet, rel) for sheet, rel in reader.parser.find_sheets()
              if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
    if not sheets:
        raise SheetError(M.IMPORT_EMPTY)
    # The sheet that was open when saved (openpyxl keeps it private, its stubs omit it).
    active: int = getattr(reader.wb, "_active_sheet_index", 0)
    sheet, rel = sheets[active] if 0 <= active < len(sheets) else sheets[0]
    return _Book(reader.archive, reader.wb, sheet.name, rel.target, reader.shared_strings)


def _xlsx_rows(path: Path, limits: SheetLimits) -> Iterator[Row]:
    clock = _Clock(limits)
    try:
        book = _open_book(path, limits, clock)
    except SheetError:
        raise
    except Exception as error:  # noqa: BLE001 - zip/xml/openpyxl errors all mean "unreadable"
        raise SheetError(M.IMPORT_UNREADABLE.format(error=error)) from None
    try:
        fast = _fast_rows(book, limits, clock)
        if fast is not None:
            yield from fast
        else:
            ws = ReadOnlyWorksheet(book.wb, book.sheet_name, book.sheet_path,
                                   book.shared_strings)
            ws.reset_dimensions()  # some writers record a wrong <dimension>
            # types-openpyxl declares iter_rows for Worksheet only; ReadOnlyWorksheet
            # borrows the same function at runtime.
            cells = ws.iter_rows(values_only=True)  # type: ignore[misc]
            rows = ((number, list(values)) for number, values in enumerate(cells, start=1))
            yield from _capped(rows, limits)
    finally:
        book.archive.close()


def _fast_rows(book: _Book, limits: SheetLimits, clock: _Clock) -> Iterator[Row] | None:
    try:
        from lxml import etree  # optional: without it the slower openpyxl reader is used
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
        cells = 0
        max_rows, max_cells, max_columns = limits.max_rows, limits.max_cells, limits.max_columns
        with source:
            for _event, row in etree.iterparse(source, events=("end",), tag=_ROW,
                                               resolve_entities=False, no_network=True,
                                               huge_tree=False):
                ref = row.get("r")
                number = int(ref) if ref else expected + 1
                if number > max_rows:
                    raise _too_big(M.IMPORT_ROWS, f"{number}", f"{max_rows}")
                if number % 1000 == 0:
                    clock.check()
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
                            if index > max_columns or len(letters) > 3:
                                raise _too_big(M.IMPORT_COLUMNS, letters, "XFD")
                            columns[letters] = index
                        if index != len(values) + 1:
                            values.extend([None] * (index - len(values) - 1))
                    values.append(value)
                cells += len(values)
                if cells > max_cells:
                    raise _too_big(M.IMPORT_CELLS, f"{cells}", f"{max_cells}")
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
