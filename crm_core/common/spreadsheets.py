"""Cells written to CSV and XLSX files that people open in a spreadsheet: text a spreadsheet
would run as a formula (`=`, `+`, `-`, `@`, a tab or carriage return first: OWASP's CSV
injection guidance) is written as text, never as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A CSV cell: such text gets a leading apostrophe, which spreadsheets show as text."""
    if _formula_like(value):
        return "'" + value
    return value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in row]


class SafeCsvWriter:
    """csv.writer whose rows are made safe first."""

    def __init__(self, output: IO[str]) -> None:
        self._writer = csv.writer(output)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_row(sheet: WriteOnlyWorksheet, row: Iterable[Any]) -> list[Any]:
    """An XLSX row: text is stored as text (a cell typed as a string is never evaluated), so
    the value stays as it was typed."""
    cells: list[Any] = []
    for value in row:
        if _formula_like(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def table_download(
    name: str, headers: list[Any], rows: Iterable[Iterable[Any]], file_format: str
) -> HttpResponse:
    """A table as a CSV or XLSX download named `name` (its sheet too), every cell made safe."""
    if file_format == "csv":
        text = io.StringIO()
        writer = SafeCsvWriter(text)
        writer.writerow(headers)
        writer.writerows(rows)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31] or "sheet")
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    output = io.BytesIO()
    book.save(output)
    response = HttpResponse(
        output.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
