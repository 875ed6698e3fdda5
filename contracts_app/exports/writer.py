"""The one writer of every export: rows in, CSV bytes or an .xlsx file out, by column specs (the formats are
decided in the package docstring). Pure of Flask and the database: rows are any iterable of mappings."""
from __future__ import annotations

import csv
import datetime as dt
import io
import operator
import re
import tempfile
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Callable, Iterable, Iterator

from ..money import round_money

TEXT, INT, AMOUNT, DATE = "text", "int", "amount", "date"
KINDS = (TEXT, INT, AMOUNT, DATE)

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
#: A cell a spreadsheet would read as a formula starts with one of these (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
#: Rows per CSV chunk sent to the client (a few tens of kilobytes).
CSV_ROWS_PER_CHUNK = 500
#: The .xlsx stays in memory up to this size, then goes to disk.
SPOOL_MAX = 8 * 1024 * 1024
SEND_CHUNK = 64 * 1024
#: Control characters XML 1.0 cannot hold (the same set openpyxl refuses); they are dropped from cells.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Column:
    """One column: the row's ``key``, its header (a lazy msgid, translated when the file is written), its
    kind (text, int, amount, date) and an optional ``convert`` of the raw value (e.g. a status → its label).
    Amounts are Decimals with two places (``Numeric(14, 2)``); dates are dates (a datetime is cut to its date)."""

    key: str
    header: Any
    kind: str = TEXT
    convert: Callable[[Any], Any] | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    def getter(self, names: list[str] | None) -> Callable[[Any], Any]:
        """The raw value from a row: by position when the rows are tuples named by ``names``, else by key."""
        get = operator.itemgetter(names.index(self.key) if names is not None else self.key)
        convert = self.convert
        if convert is None:
            return get

        def value(row):
            raw = get(row)
            return None if raw is None else convert(raw)

        return value


def headers(columns: Iterable[Column]) -> list[str]:
    """The column names in the current language."""
    return [str(c.header) for c in columns]


# --- CSV ------------------------------------------------------------------------------------------------------

def csv_text(value: Any) -> str:
    """A text cell no spreadsheet runs as a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_amount(value: Decimal | None) -> str:
    """12345,50: a number to Norwegian Excel (decimal comma, two decimals, no thousands separator)."""
    if value is None:
        return ""
    return format(round_money(Decimal(value)), ".2f").replace(".", ",")


def csv_date(value: dt.date | None) -> str:
    """yyyy-mm-dd (a datetime: its date)."""
    return "" if value is None else value.isoformat()[:10]


def _csv_number(value: Decimal) -> str:
    return format(value, ".2f").replace(".", ",")


_CSV = {TEXT: csv_text, AMOUNT: _csv_number, DATE: csv_date, INT: str}


def _csv_cell(column: Column, names: list[str] | None) -> Callable[[Any], str]:
    get, fmt = column.getter(names), _CSV[column.kind]

    def cell(row) -> str:
        value = get(row)
        return "" if value is None else fmt(value)

    return cell


def csv_chunks(columns: list[Column], rows: Iterable, *, names: list[str] | None = None,
               counter: list[int] | None = None) -> Iterator[bytes]:
    """The CSV as UTF-8 byte chunks: the byte-order mark and the header first, then ``CSV_ROWS_PER_CHUNK`` rows a
    chunk, as ``rows`` are read (mappings, or tuples named by ``names``). ``counter`` (a one-item list), if
    given, counts the rows written."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(headers(columns))
    yield (BOM + out.getvalue()).encode("utf-8")
    out.seek(0), out.truncate()
    cells = [_csv_cell(c, names) for c in columns]
    n = 0
    for row in rows:
        writer.writerow([cell(row) for cell in cells])
        n += 1
        if n % CSV_ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0), out.truncate()
    if counter is not None:
        counter[0] = n
    if out.tell():
        yield out.getvalue().encode("utf-8")


# --- Excel ----------------------------------------------------------------------------------------------------
#
# The .xlsx is SpreadsheetML written here, streamed row by row into the zip (deflated as it is written), not
# built through openpyxl's cell objects: openpyxl's write-only workbook took 94 s for all the purchases of
# the national data set (13 columns: some 30-70 µs a cell on this machine), against the floor of 15 s; this
# writer takes a few seconds with the same bounded memory. The package is the smallest one Excel, LibreOffice
# and openpyxl open: one sheet with inline strings, and four cell formats (general, amount, date, bold header).
# openpyxl reads the files back in the tests (tests/exports), checking cell types and formats.

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_MAIN}">'
        f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{AMOUNT_FORMAT}"/>'
        f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}
_HEADER_STYLE = ' s="3"'
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug, which begins after day 60)
_XLSX_ROWS_PER_WRITE = 500


def _xml_text(value: Any) -> str:
    """Text for a cell: the characters XML 1.0 cannot hold dropped, ``& < >`` escaped."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _inline_body(value: Any) -> str:
    """What follows a text cell's reference: its type, and the string inline."""
    text = _xml_text(value)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _inline(ref: str, value: Any, style: str = "") -> str:
    return f'<c r="{ref}"{style}' + _inline_body(value)[1:]


#: Distinct texts remembered per column (course titles, units and labels repeat); past this the memory is
#: emptied and filled again, so it stays bounded.
_TEXT_CACHE_MAX = 20_000


def _xlsx_cell(column: Column, names: list[str] | None, letter: str) -> Callable[[Any, int], str]:
    """The column's cell in row ``r`` as XML ('' when empty)."""
    get, kind = column.getter(names), column.kind
    texts: dict[Any, str] = {}

    def cell(row, r: int) -> str:
        value = get(row)
        if value is None:
            return ""
        if kind == TEXT:  # always a string: never a formula, whatever it starts with
            body = texts.get(value)
            if body is None:
                if len(texts) >= _TEXT_CACHE_MAX:
                    texts.clear()
                body = texts[value] = _inline_body(value)
            return f'<c r="{letter}{r}' + body
        if kind == AMOUNT:
            return f'<c r="{letter}{r}" s="1"><v>{value:f}</v></c>'
        if kind == DATE:
            day = value.date() if isinstance(value, dt.datetime) else value
            return f'<c r="{letter}{r}" s="2"><v>{(day - _EPOCH).days}</v></c>'
        return f'<c r="{letter}{r}"><v>{int(value)}</v></c>'

    return cell


def write_xlsx(columns: list[Column], rows: Iterable, target: IO[bytes], *, names: list[str] | None = None,
               sheet_title: str = "Eksport") -> int:
    """Write the workbook (one sheet: a bold, frozen header row, then ``rows``) to ``target``; the number of rows.
    The sheet is deflated into the zip as it is written: memory holds a few hundred rows at a time."""
    title = _xml_text(sheet_title.translate({ord(c): " " for c in "[]:*?/\\"}))[:31].strip() or "Eksport"
    letters = [_letters(i) for i in range(1, len(columns) + 1)]
    cells = [_xlsx_cell(c, names, letter) for c, letter in zip(columns, letters)]
    n = 0
    # The fastest deflate: a third of the time of the default level, for a file a fifth larger.
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        zf.writestr("xl/workbook.xml", f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                                        f'<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write((
                f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                '<sheetData><row r="1">'
                + "".join(_inline(f"{letter}1", h, _HEADER_STYLE) for h, letter in zip(headers(columns), letters))
                + "</row>"
            ).encode("utf-8"))
            batch: list[str] = []
            for row in rows:
                n += 1
                r = n + 1
                batch.append(f'<row r="{r}">{"".join([cell(row, r) for cell in cells])}</row>')
                if len(batch) >= _XLSX_ROWS_PER_WRITE:
                    sheet.write("".join(batch).encode("utf-8"))
                    batch.clear()
            batch.append("</sheetData></worksheet>")
            sheet.write("".join(batch).encode("utf-8"))
    return n


def xlsx_file(columns: list[Column], rows: Iterable, *, names: list[str] | None = None, sheet_title: str = "Eksport") -> tuple[IO[bytes], int, int]:
    """The workbook in a spooled temporary file (memory up to ``SPOOL_MAX``, then disk), rewound: (file, size in
    bytes, rows). The caller closes the file (:func:`file_chunks` does)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
    try:
        n = write_xlsx(columns, rows, spool, names=names, sheet_title=sheet_title)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size, n


def file_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks; closes it when done (or when the client goes away)."""
    try:
        while chunk := fh.read(SEND_CHUNK):
            yield chunk
    finally:
        fh.close()
