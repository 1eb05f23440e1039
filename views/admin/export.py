"""CSV exports of the CRUD screens, streamed: rows are read from the database in chunks while the
file is being sent (first byte at once, memory flat), with no cap on the number of rows.

Flask-Admin's own export loads every row (up to ``export_max_rows``) before writing the first
byte; here ``_export_data`` hands its CSV writer an iterator over the same query (search,
filters and sort of the list the user is looking at) read with ``yield_per``. Cells are
neutralised by ``SecureModelView.get_export_value``.
"""
from __future__ import annotations

from flask import Response, stream_with_context
from sqlalchemy.orm import joinedload

from services.csv_export import csv_lines

CHUNK_ROWS = 1000


class StreamedCsvExport:
    """Mixin for ``flask_admin.contrib.sqla.ModelView``: streamed, uncapped CSV export."""

    export_max_rows = 0  # no silent cap: the stream carries every row the list would show

    def export_query(self):
        """The list's query as the user filtered, searched and sorted it, without pagination or count."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        query, joins = self.get_query(), {}
        if self._search_supported and args.search:
            query, _count, joins, _joins = self._apply_search(query, None, joins, {}, args.search)
        if args.filters and self._filters:
            query, _count, joins, _joins = self._apply_filters(query, None, joins, {}, args.filters)
        for relation in self._auto_joins:
            query = query.options(joinedload(relation))
        query, joins = self._apply_sorting(query, joins, sort[0] if sort else None, args.sort_desc)
        return query

    def _export_data(self):
        return None, self.export_query().yield_per(CHUNK_ROWS)


def csv_response(rows, filename: str) -> Response:
    """A CSV download written while ``rows`` (any iterable, e.g. a generator over a query) is read."""
    return Response(stream_with_context(csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
