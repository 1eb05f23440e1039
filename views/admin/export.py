"""CSV exports of the CRUD screens, streamed: rows are read from the database in chunks while the
file is being sent (first byte at once, memory flat), with no cap on the number of rows.

Flask-Admin's own export loads every row (up to ``export_max_rows``) before writing the first
byte and keeps the request context pushed inside its generator (``stream_with_context``): a
download that is dropped unread (a client gone, a test that only looks at the status) is closed
whenever it is garbage-collected, popping its context from under whatever request runs then
("Popped wrong request context"). Here the list's query (search, filters and sort of the list the
user is looking at) is built in the request, then read by a session of the export's own with
``yield_per``; each chunk of rows is formatted inside a short-lived copy of the request context
(locale, user, ``url_for``), so between chunks nothing is pushed and closing the stream at any
moment is harmless. Cells are neutralised by ``SecureModelView.get_export_value``.
"""
from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context
from flask.globals import request_ctx
from sqlalchemy.orm import Session, joinedload
from werkzeug.utils import secure_filename

from models.base import db
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

    def _export_csv(self, return_url):
        """The whole list as CSV, written while it is read; see the module docstring."""
        query = self.export_query()
        columns = [name for name, _label in self._export_columns]
        titles = [str(label) for _name, label in self._export_columns]
        request = request_ctx.copy()
        bind = db.session.get_bind()

        def lines() -> Iterator[str]:
            yield from csv_lines([titles])
            session = Session(bind=bind)
            try:
                batch = []
                for model in query.with_session(session).yield_per(CHUNK_ROWS):
                    batch.append(model)
                    if len(batch) >= CHUNK_ROWS:
                        yield self._csv_chunk(request.copy(), batch, columns)
                        batch = []
                if batch:
                    yield self._csv_chunk(request.copy(), batch, columns)
            finally:
                session.close()

        filename = secure_filename(self.get_export_name(export_type="csv"))
        return Response(lines(), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment;filename={filename}"})

    def _csv_chunk(self, request, models, columns) -> str:
        with request:
            return "".join(csv_lines([self.get_export_value(model, name) for name in columns] for model in models))


def csv_response(rows, filename: str) -> Response:
    """A CSV download written while ``rows`` (any iterable, e.g. a generator over a query) is read."""
    return Response(stream_with_context(csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
