"""Liveness and database check for load balancers and monitors."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from models.base import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        database = f"error: {type(exc).__name__}"
    healthy = database == "ok"
    return jsonify(status="ok" if healthy else "error", database=database), 200 if healthy else 503
