"""CSV files users open in spreadsheets: cells that cannot run as formulas."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Keep spreadsheet programs from running a CSV cell as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Line:
    """A file-like object whose ``write`` hands back the line the csv writer formatted."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line with its cells neutralised, produced as the rows are read (a stream)."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([neutralise_cell(v) for v in row])
