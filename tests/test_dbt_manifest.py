"""The dbt project's parse, shared by processes: once per change, never half-written (ingest.dbt_manifest)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from ingest import dbt_manifest
from ingest.dbt_manifest import MANIFEST, PARTIAL_PARSE, ensure_manifest, seed_partial_parse


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1")
    (tmp_path / "dbt_project.yml").write_text("name: x")
    return tmp_path


def fake_parse(calls: list, seconds: float = 0.3):
    """A stand-in for dbt's parse into the scratch folder: slow enough for a second caller to come."""

    def parse(project_dir: Path, target: Path) -> None:
        calls.append(time.monotonic())
        time.sleep(seconds)
        for name in (PARTIAL_PARSE, MANIFEST):
            (target / name).write_text(f"{name} {len(calls)}")

    return parse


def test_two_callers_at_once_parse_once_and_both_get_the_whole_manifest(project, monkeypatch):
    calls: list = []
    monkeypatch.setattr(dbt_manifest, "_parse_into", fake_parse(calls))
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(ensure_manifest(project).read_text())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1  # the second waited on the lock, then found the manifest fresh
    assert seen == [f"{MANIFEST} 1", f"{MANIFEST} 1"]


def test_a_project_file_newer_than_the_manifest_parses_again(project, monkeypatch):
    calls: list = []
    monkeypatch.setattr(dbt_manifest, "_parse_into", fake_parse(calls, 0))
    ensure_manifest(project)
    ensure_manifest(project)
    assert len(calls) == 1
    later = time.time() + 5
    os.utime(project / "models" / "a.sql", (later, later))
    ensure_manifest(project)
    assert len(calls) == 2


def test_a_failed_parse_leaves_no_manifest_and_says_so(project, monkeypatch):
    def failing(project_dir: Path, target: Path) -> None:
        raise dbt_manifest.DbtParseError(f"dbt parse failed in {project_dir}: boom")

    monkeypatch.setattr(dbt_manifest, "_parse_into", failing)
    with pytest.raises(dbt_manifest.DbtParseError, match="boom"):
        ensure_manifest(project)
    assert not (project / "target" / MANIFEST).exists()


def test_a_build_target_gets_the_projects_parse_cache_only_when_newer(tmp_path, project):
    (project / "target").mkdir()
    cache = project / "target" / PARTIAL_PARSE
    cache.write_text("project")
    build = tmp_path / "build_target"
    seed_partial_parse(build, project)
    assert (build / PARTIAL_PARSE).read_text() == "project"
    (build / PARTIAL_PARSE).write_text("the build's own, newer")
    earlier = time.time() - 60
    os.utime(cache, (earlier, earlier))
    seed_partial_parse(build, project)
    assert (build / PARTIAL_PARSE).read_text() == "the build's own, newer"
