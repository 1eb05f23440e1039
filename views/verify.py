"""The public page where anyone checks a printed verification code (no login)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from extensions import limiter
from services.verification import verify

bp = Blueprint("verify", __name__)


@bp.route("/verify")
@limiter.limit("30 per minute")
def check():
    code = (request.args.get("code") or "").strip()[:40]
    found = verify(code) if code else None
    status = 404 if code and found is None else 200
    return render_template("public/verify.html", code=code, found=found), status
