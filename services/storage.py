"""Uploaded files: checked by content, stored under the instance folder with generated names."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    size: int
    sha256: str


def is_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` (within its first KiB) and has an end-of-file marker."""
    head = data[:1024]
    return b"%PDF-" in head and head.lstrip().startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def upload_dir(kind: str) -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, kind: str, suffix: str) -> StoredFile:
    """Write ``data`` under ``UPLOAD_FOLDER/kind`` with a random name; never overwrites."""
    name = f"{secrets.token_hex(16)}{suffix}"
    path = upload_dir(kind) / name
    with open(path, "xb") as handle:
        handle.write(data)
    return StoredFile(stored_name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def path_of(kind: str, stored_name: str) -> Path:
    """The file's path; refuses names that would leave the folder."""
    if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("invalid stored name")
    return upload_dir(kind) / stored_name


def delete(kind: str, stored_name: str) -> None:
    path_of(kind, stored_name).unlink(missing_ok=True)
