"""Files sent to the browser: names in any script (RFC 5987 ``filename*``, through ``send_file``'s
``download_name``) and stored uploads that went missing answered 404 with the loss logged."""
from __future__ import annotations

import io

from flask import abort, current_app, send_file

from services import storage


def send_bytes(data: bytes, filename: str, mimetype: str, *, inline: bool = False, headers: dict | None = None):
    """``data`` as a download named ``filename`` (an en dash, emoji or accents are kept, safely)."""
    response = send_file(io.BytesIO(data), mimetype=mimetype, download_name=filename, as_attachment=not inline,
                         etag=False, conditional=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.update(headers or {})
    return response


def send_stored(kind: str, stored_name: str, filename: str, mimetype: str, *, inline: bool = False):
    """An uploaded file kept under ``UPLOAD_FOLDER/kind``; 404 (and an error in the log) when it is gone."""
    try:
        path = storage.path_of(kind, stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        current_app.logger.error("stored file missing on disk: %s/%s (%s)", kind, stored_name, filename)
        abort(404)
    response = send_file(path, mimetype=mimetype, download_name=filename, as_attachment=not inline, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
