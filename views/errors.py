"""Error pages in the user's language, inside the back-office layout when possible."""
from flask import render_template

from models.errors import CodedError


def register_error_handlers(app) -> None:
    def render(code):
        def handler(error):
            return render_template("errors/error.html", code=code, error=error), code

        return handler

    for code in (400, 403, 404, 405, 409, 413, 429):
        app.register_error_handler(code, render(code))

    @app.errorhandler(CodedError)
    def refused(error: CodedError):
        """A refusal no view turned into a field error or a flash: its page, with its status."""
        return render_template("errors/error.html", code=error.status, error=error, message=error.message), error.status
