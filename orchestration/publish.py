"""Publish the built warehouse atomically for readers (BI tools, notebooks).

The build database is copied next to the published file and renamed over it: a reader
never sees a half-written file, and one that has the old file open keeps its consistent
view (the old inode lives until it closes).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


def publish_database(build_db: Path, published_db: Path) -> Path:
    conn = duckdb.connect(str(build_db))
    try:
        conn.execute("CHECKPOINT")  # everything in the main file, nothing left in the WAL
    finally:
        conn.close()
    published_db.parent.mkdir(parents=True, exist_ok=True)
    staging = published_db.with_name(f".{published_db.name}.publishing")
    shutil.copyfile(build_db, staging)
    with open(staging, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, published_db)
    return published_db
