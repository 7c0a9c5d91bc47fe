"""The studio's render cache on disk: `<instance>/studio-cache/<key><suffix>` with the
render's notes beside it (`<key>.notes.json`). The key is the hash of every input, so the
same inputs return the same file without rendering again. A hit refreshes the file's
time, so pruning (the daily `campaigns.studio-cache` job) drops what nobody asked for
lately: files older than STUDIO_CACHE_DAYS, then the oldest until the folder is within
STUDIO_CACHE_MB."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

FOLDER = "studio-cache"
DEFAULT_DAYS = 30
DEFAULT_MB = 500


def folder() -> Path:
    path = Path(current_app.instance_path) / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def read(key: str, suffix: str) -> tuple[bytes, tuple[str, ...]] | None:
    """The cached bytes and notes for key, or None (a hit refreshes the file's time)."""
    path = folder() / f"{key}{suffix}"
    notes = path.with_name(f"{key}.notes.json")
    try:
        data, noted = path.read_bytes(), json.loads(notes.read_text())
        os.utime(path)
    except (FileNotFoundError, ValueError):
        return None
    return data, tuple(noted)


def write(key: str, suffix: str, data: bytes, notes=()) -> None:
    """Keep a render (each file written whole under a name of its own, then renamed)."""
    base = folder()
    for path, content in (
        (base / f"{key}.notes.json", json.dumps(list(notes)).encode()),
        (base / f"{key}{suffix}", data),
    ):
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")  # one per writer
        tmp.write_bytes(content)
        tmp.replace(path)


def prune(path: Path, now: datetime, max_days: float, max_bytes: int) -> tuple[int, int]:
    """Remove cached files older than max_days, then the least recently used until the
    folder holds at most max_bytes. Idempotent. (files removed, bytes left)"""
    files = []
    for entry in path.iterdir() if path.is_dir() else ():
        try:
            stat = entry.stat()
        except FileNotFoundError:  # another pruner got there first
            continue
        if entry.is_file():
            files.append((stat.st_mtime, stat.st_size, entry))
    files.sort()  # oldest first
    if now.tzinfo is None:  # the hub's times are naive UTC
        now = now.replace(tzinfo=UTC)
    cutoff = now.timestamp() - max_days * 86400
    total = sum(size for _m, size, _e in files)
    removed = 0
    for mtime, size, entry in files:
        if mtime >= cutoff and total <= max_bytes:
            break
        entry.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed, total


def prune_job(now: datetime) -> str:
    """The `campaigns.studio-cache` job of `hub tick` (daily)."""
    days = float(current_app.config.get("STUDIO_CACHE_DAYS", DEFAULT_DAYS))
    budget = int(float(current_app.config.get("STUDIO_CACHE_MB", DEFAULT_MB)) * 1024 * 1024)
    removed, left = prune(folder(), now, days, budget)
    return f"{removed} studio cache files pruned ({left // 1024} KiB left)"
