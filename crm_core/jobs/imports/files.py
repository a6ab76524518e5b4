"""Reading the tables people import: CSV in any common encoding and delimiter, or XLSX.

Rows stream (a file may hold a million of them). Every problem with the file as a whole is a
`FileProblem` whose message says what is wrong and where (the line number), so nothing is
written and the user knows what to fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

ENCODINGS = [
    ("auto", gettext_lazy("Detect")),
    ("utf-8", "UTF-8"),
    ("windows-1251", gettext_lazy("Windows-1251 (Cyrillic, older Excel)")),
    ("utf-16", gettext_lazy("UTF-16 (Excel “Unicode text”)")),
    ("latin-1", gettext_lazy("Latin-1 (Western European)")),
]
DELIMITERS = [
    ("", gettext_lazy("Detect")),
    (",", gettext_lazy("Comma")),
    (";", gettext_lazy("Semicolon")),
    ("\t", gettext_lazy("Tab")),
    ("|", gettext_lazy("Vertical bar")),
]
SAMPLE_BYTES = 64 * 1024
MAX_COLUMNS = 200
csv.field_size_limit(1024 * 1024)


class FileProblem(ValidationError):
    """The file as a whole cannot be read; the message says why and where."""


def file_format(filename: str) -> str:
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith(".xls"):
        raise FileProblem(
            _("Old Excel files (.xls) can't be read: save the sheet as .xlsx or CSV."),
            code="format",
        )
    if name.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    raise FileProblem(_("Choose a CSV or XLSX file."), code="format")


def encoding_detect(head: bytes) -> str:
    """UTF-16 by its byte order mark; UTF-8 if the sample decodes; else Windows-1251, the usual
    encoding of Cyrillic CSV files that older Excel versions save."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # the sample may end inside a character: let the incremental decoder wait for the rest
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(head, final=False)
    broken = text.count("\ufffd")
    if not broken:
        return "utf-8"
    # mostly good UTF-8 with a few bad bytes is a damaged UTF-8 file, reported as such
    decoded = sum(1 for char in text if ord(char) > 127) - broken
    return "utf-8" if decoded > broken else "windows-1251"


def _python_encoding(encoding: str) -> str:
    return "utf-8-sig" if encoding == "utf-8" else encoding


def delimiter_detect(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {candidate: lines[0].count(candidate) for candidate in ",;\t|"}
        best = max(counts, key=lambda candidate: counts[candidate])
        return best if counts[best] else ","


def _undecodable_line(stream: BinaryIO, encoding: str) -> int:
    """The line number of the first bytes that do not decode (to point the user at it). Runs
    only once a file has failed, so reading it whole here is fine."""
    stream.seek(0)
    data = stream.read()
    try:
        data.decode(_python_encoding(encoding))
    except UnicodeDecodeError as error:
        return data[: error.start].decode(_python_encoding(encoding), "replace").count("\n") + 1
    return 1


def _decode_problem(stream: BinaryIO, encoding: str) -> FileProblem:
    return FileProblem(
        _(
            "Line %(line)d is not valid %(encoding)s text. Save the file as UTF-8, or choose its "
            "encoding (Windows-1251 if it came from an older Excel)."
        )
        % {"line": _undecodable_line(stream, encoding), "encoding": encoding.upper()},
        code="encoding",
    )


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


class Table:
    """An open import file: its header row and an iterator over (row number, cells)."""

    def __init__(self, headers: list[str], rows: Iterator[tuple[int, list[str]]]) -> None:
        self.headers = headers
        self.rows = rows


def _lines_without_nul(text: io.TextIOWrapper) -> Iterator[str]:
    """The file's lines, stopping at the first one that holds a NUL character: no text field
    can store it, and a file with one is usually not a text file at all."""
    for number, line in enumerate(text, start=1):
        if "\x00" in line:
            raise FileProblem(
                _(
                    "Line %(line)d holds a NUL character (\\0), which no text can. Is this a "
                    "CSV file? Save the sheet as CSV (UTF-8) again."
                )
                % {"line": number},
                code="nul",
            )
        yield line


def _csv_rows(stream: BinaryIO, text: io.TextIOWrapper, encoding: str, delimiter: str) -> Table:
    reader = csv.reader(_lines_without_nul(text), delimiter=delimiter)
    try:
        headers = next(reader, None)
    except UnicodeDecodeError:
        raise _decode_problem(stream, encoding) from None
    except csv.Error as error:
        raise FileProblem(
            _("Line 1 can't be read as CSV: %(error)s") % {"error": error}, code="csv"
        ) from None
    if headers is None or not any(cell.strip() for cell in headers):
        raise FileProblem(_("The file is empty: the first line must name the columns."))

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if any(cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise _decode_problem(stream, encoding) from None
        except csv.Error as error:
            raise FileProblem(
                _("Line %(line)d can't be read as CSV: %(error)s")
                % {"line": reader.line_num, "error": error},
                code="csv",
            ) from None

    return Table([cell.strip() for cell in headers[:MAX_COLUMNS]], rows())


# A workbook member may unpack to this many times its packed size (real sheets: 5 to 30);
# past it (and past a megabyte) the file is refused as a zip bomb before anything reads it.
XLSX_MAX_RATIO = 100
_MB = 1024 * 1024


def xlsx_check(stream: BinaryIO) -> None:
    """Refuse, from the archive's directory alone (nothing is unpacked), a workbook that
    would unpack to more than IMPORT_XLSX_MAX_UNPACKED_MB, or any member of which unpacks to
    more than XLSX_MAX_RATIO times its size."""
    stream.seek(0)
    try:
        members = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(
            _("This is not an XLSX workbook. Save it from Excel as .xlsx, or as CSV."),
            code="format",
        ) from None
    limit = settings.IMPORT_XLSX_MAX_UNPACKED_MB
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit * _MB:
        raise FileProblem(
            _(
                "This workbook unpacks to %(size)d MB, more than the %(limit)d MB an import "
                "reads. Save it as CSV, or split it."
            )
            % {"size": unpacked // _MB, "limit": limit},
            code="size",
        )
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > _MB and ratio > XLSX_MAX_RATIO:
            raise FileProblem(
                _(
                    "This workbook unpacks to far more than its own size (%(name)s: "
                    "%(ratio)d times), as no spreadsheet does: it is refused. Save it from "
                    "Excel again, or as CSV."
                )
                % {
                    "name": member.filename,
                    "ratio": member.file_size // max(member.compress_size, 1),
                },
                code="bomb",
            )


def _xlsx_rows(stream: BinaryIO) -> Table:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        raise FileProblem(
            _("This is not an XLSX workbook. Save it from Excel as .xlsx, or as CSV."),
            code="format",
        ) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None or not any(cell not in (None, "") for cell in first):
        raise FileProblem(_("The first sheet is empty: its first row must name the columns."))
    headers = [_cell_text(cell) for cell in first[:MAX_COLUMNS]]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, cells in enumerate(values, start=2):
            texts = [_cell_text(cell) for cell in cells]
            if any(texts):
                yield number, texts
        workbook.close()

    return Table(headers, rows())


@contextmanager
def table_open(stream: BinaryIO, *, file_format: str, encoding: str, delimiter: str):
    stream.seek(0)
    if file_format == "xlsx":
        yield _xlsx_rows(stream)
    else:
        text = io.TextIOWrapper(stream, encoding=_python_encoding(encoding), newline="")
        try:
            yield _csv_rows(stream, text, encoding, delimiter or ",")
        finally:
            text.detach()  # the caller's file stays open


def table_preview(
    stream: BinaryIO, *, file_format: str, encoding: str, delimiter: str
) -> tuple[str, str, list[str], list[list[str]], int]:
    """What the mapping screen shows: the detected encoding and delimiter, the headers, the
    first rows, and an estimate of the number of rows (for the progress bar)."""
    if file_format == "csv":
        stream.seek(0)
        head = stream.read(SAMPLE_BYTES)
        if encoding == "auto":
            encoding = encoding_detect(head)
        try:
            sample = codecs.getincrementaldecoder(_python_encoding(encoding))().decode(head)
        except UnicodeDecodeError:
            raise _decode_problem(stream, encoding) from None
        delimiter = delimiter or delimiter_detect(sample)
    else:
        encoding, delimiter = "utf-8", ""
    with table_open(stream, file_format=file_format, encoding=encoding, delimiter=delimiter) as t:
        sample_rows = []
        for _number, cells in t.rows:
            sample_rows.append(cells[: len(t.headers)])
            if len(sample_rows) == 5:
                break
        headers = t.headers
    return encoding, delimiter, headers, sample_rows, rows_estimate(stream, file_format)


def rows_estimate(stream: BinaryIO, file_format: str) -> int:
    stream.seek(0)
    if file_format == "xlsx":
        workbook = load_workbook(stream, read_only=True)
        count = max((workbook.worksheets[0].max_row or 1) - 1, 0)
        workbook.close()
        return count
    lines = 0
    last = b"\n"
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)
