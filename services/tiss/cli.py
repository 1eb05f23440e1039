"""``flask --app app tiss import FILE... [--provider ID]``: the receiver for files from other channels."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from models import Provider
from models.audit import acting_as
from models.base import db

tiss_cli = AppGroup("tiss", help="TISS XML exchange.")


@tiss_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--provider", "provider_id", type=int, default=None,
              help="Only accept files of this provider (id); default: the provider the file names.")
def import_files(files: tuple[Path, ...], provider_id: int | None) -> None:
    """Receive lot files as the upload page does; one JSON line per file, exit 1 when any failed."""
    from flask import current_app

    from services.tiss.intake import receive

    if provider_id is not None and db.session.get(Provider, provider_id) is None:
        raise click.BadParameter(f"no provider with id {provider_id}", param_hint="--provider")
    limit = current_app.config.get("TISS_MAX_XML_BYTES")
    failed = 0
    with acting_as(label="tiss-cli"):
        for path in files:
            try:
                size = path.stat().st_size
                if limit and size > limit:
                    with path.open("rb") as handle:
                        data = handle.read(limit + 1)
                else:
                    data = path.read_bytes()
            except OSError as exc:
                failed += 1
                click.echo(json.dumps({"file": str(path), "accepted": False,
                                       "errors": [{"code": "5002", "message": f"cannot read the file: {exc.strerror}"}]},
                                      ensure_ascii=False))
                continue
            intake = receive(data, path.name, provider_id=provider_id)
            result = intake.as_json()
            result["file"] = str(path)
            failed += 0 if intake.accepted else 1
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
    if failed:
        sys.exit(1)
