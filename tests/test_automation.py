"""The inbox drives the published warehouse on a real Dagster instance: sensor ticks, runs, rebuilds.

One temporary inbox and warehouse, three contents of the 27-page report 000 (as printed, and
two corrected editions) and a file that is no PDF. Each step changes the inbox the way a user
would, then lets the sensors work: `inbox_sensor` ticks and its runs execute, then
`rebuild_sensor` ticks and its `build_warehouse` run executes (dbt, quality suites, publish,
exports, report). Steps 1 and 2 end with the loaded rows holding exactly the inbox's good
files and one rebuild asked for; step 3 runs it and ends with the published warehouse holding
them (one build: a build costs half a minute; `test_end_to_end` publishes after each step of
`make run`).

The daemon is played by `tick`: evaluate the sensor against the instance, apply its partition
requests, and execute each run request whose run key the instance has not seen for that
sensor (Dagster's daemon launches a run key once: a key used before is skipped forever).

  1  new a and e, bad c, second copy z of a  -> loaded {e}: e is a newer edition of a (issue 19.1:
                                                 one report is loaded once, never summed); a, c, z
                                                 refused; one rebuild asked for; no extraction for a
                                                 sensor turned on afresh
  2  a renamed to b, z removed, e moved out   -> loaded {b}, one rebuild asked for
  3  e and a put back (same bytes), b changed -> loaded {b'}: the newest edition; a, judged before b
                                                 changed, is a re-save of what b held: that reason
                                                 went stale, so the rebuild waits and the next tick
                                                 judges a again (an older edition of b'); then one
                                                 rebuild publishes {b'}
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import sample_path
from test_reliability_files import changed_dump, make_new_edition, render_dump

from ingest.identity import OLDER_EDITION_REASON, RESAVE_REASON

pytestmark = pytest.mark.slow  # whole builds through the sensors (`pytest -m "not slow"` leaves them out)

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def tick(
    instance: dg.DagsterInstance, sensor_name: str, defs: dg.Definitions, launch: bool = True
) -> list[tuple[str, str | None, bool]]:
    """One sensor evaluation as the daemon does it; returns (job, partition, success) of the runs launched
    (with launch=False: of the runs it would launch, success None, and nothing is run)."""
    with dg.build_sensor_context(
        instance=instance, definitions=defs, resources={"settings": defs.resources["settings"]}
    ) as context:
        result = defs.resolve_sensor_def(sensor_name)(context)
    requests = (
        result.run_requests
        if isinstance(result, dg.SensorResult)
        else [result]
        if isinstance(result, dg.RunRequest)
        else []
    )
    for request in (result.dynamic_partitions_requests if isinstance(result, dg.SensorResult) else None) or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
    launched = []
    for request in requests:
        tags = {"dagster/sensor_name": sensor_name, "dagster/run_key": request.run_key}
        if instance.get_runs_count(dg.RunsFilter(tags=tags)):
            continue
        if not launch:
            launched.append((request.job_name, request.partition_key, None))
            continue
        job = defs.resolve_job_def(request.job_name)
        run = job.execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            raise_on_error=False,
            run_config={**(request.run_config or {}), **QUIET},
            tags={**request.tags, **tags},
        )
        launched.append((request.job_name, request.partition_key, run.success))
    return sorted(launched, key=lambda r: (r[0], r[1] or ""))


def settle(instance, defs, rebuild: bool = True) -> tuple[list, list]:
    """The inbox sensor's tick and its runs, then the rebuild sensor's (rebuild=False: asked for, not run)."""
    return tick(instance, "inbox_sensor", defs), tick(instance, "rebuild_sensor", defs, launch=rebuild)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse / "gent.duckdb"), read_only=True) as conn:
        return dict(conn.execute("select file_name, document_id from raw.documents").fetchall())


def loaded(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse / "build" / "gent.duckdb"), read_only=True) as conn:
        return dict(conn.execute("select file_name, document_id from raw.documents").fetchall())


def quarantined(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse / "build" / "gent.duckdb"), read_only=True) as conn:
        return dict(conn.execute("select file_name, reason from raw.quarantine").fetchall())


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("automation")
    inbox, warehouse, aside, contents = root / "inbox", root / "warehouse", root / "aside", root / "contents"
    for folder in (inbox, aside, contents, root / "dagster_home"):
        folder.mkdir()
    original = shutil.copyfile(sample_path("000", "pdf"), contents / "original.pdf")
    edition = make_new_edition(contents / "edition.pdf")
    second = render_dump(
        changed_dump("PR62068 - MoniTHOR 2020", "PR62068 - MoniTHOR 2020 (tweede editie)"), contents / "second.pdf"
    )
    seen: dict = {"contents": {p.stem: sha(p) for p in (original, edition, second)}}
    from ingest.config import Settings
    from orchestration.definitions import build_definitions

    # the code location with this story's settings, handed to its resources (sensors and runs read them)
    defs = build_definitions(Settings.build(inbox=inbox, warehouse_dir=warehouse))
    with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance:
        # 1: two new reports, a bad file and a second copy of a report, dropped at once
        shutil.copyfile(original, inbox / "a.pdf")
        shutil.copyfile(edition, inbox / "e.pdf")
        (inbox / "c.pdf").write_text("a note saved as .pdf by mistake")
        shutil.copyfile(original, inbox / "z.pdf")
        seen["1"] = settle(instance, defs, rebuild=False)
        seen["1_loaded"], seen["1_quarantined"] = loaded(warehouse), quarantined(warehouse)
        seen["1_again"] = tick(instance, "inbox_sensor", defs)  # nothing changed in the inbox: no run
        with dg.instance_for_test() as fresh:  # the sensor turned on for a warehouse that is loaded already
            seen["1_fresh"] = tick(fresh, "inbox_sensor", defs)
            seen["1_fresh_partitions"] = sorted(fresh.get_dynamic_partitions("reports"))
        # a run still under way holds the rebuild back (debounce)
        queued = dg.DagsterRun(job_name="extract_reports", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED)
        instance.add_run(queued)
        (inbox / "c.pdf").unlink()
        seen["1_waiting"] = tick(instance, "inbox_sensor", defs), tick(instance, "rebuild_sensor", defs)
        instance.delete_run(queued.run_id)
        (inbox / "c.pdf").write_text("a note saved as .pdf by mistake")  # back: refused again, same reason

        # 2: a renamed, its second copy removed, e moved out of the inbox
        (inbox / "a.pdf").rename(inbox / "b.pdf")
        (inbox / "z.pdf").unlink()
        (inbox / "e.pdf").rename(aside / "e.pdf")
        seen["2"] = settle(instance, defs, rebuild=False)
        seen["2_loaded"] = loaded(warehouse)

        # 3: e and a put back (the same bytes) and b replaced by a corrected edition
        (aside / "e.pdf").rename(inbox / "e.pdf")
        shutil.copyfile(original, inbox / "a.pdf")  # its rows left when b, the same bytes, was loaded
        shutil.copyfile(second, inbox / "b.pdf")
        seen["3"] = settle(instance, defs)
        seen["3_stale"] = quarantined(warehouse)["a.pdf"]
        seen["3_rejudged"] = settle(instance, defs)
        seen["3_published"], seen["3_quarantined"] = published(warehouse), quarantined(warehouse)
        seen["3_again"] = settle(instance, defs)
        seen["build_runs"] = [r.status for r in instance.get_runs(dg.RunsFilter(job_name="build_warehouse"))]
    return seen


def test_new_bad_and_duplicate_files_one_rebuild(story):
    contents = story["contents"]
    extractions, builds = story["1"]
    assert extractions == [
        ("extract_reports", "a.pdf", True),
        ("extract_reports", "c.pdf", False),
        ("extract_reports", "e.pdf", True),
        ("extract_reports", "z.pdf", True),
    ]  # z: recorded as a second copy, not extracted
    assert builds == [("build_warehouse", None, None)]  # four files, one rebuild
    assert story["1_loaded"] == {"e.pdf": contents["edition"]}  # the newer edition (copied after a)
    assert story["1_quarantined"]["a.pdf"].startswith(f"{OLDER_EDITION_REASON} 'e.pdf'")
    assert "not a PDF" in story["1_quarantined"]["c.pdf"]
    assert story["1_quarantined"]["z.pdf"].startswith("same content as a.pdf")


def test_nothing_runs_when_the_warehouse_holds_the_inbox(story):
    assert story["1_again"] == []
    assert story["3_again"] == ([], [])  # nor a rebuild once it is published


def test_a_sensor_turned_on_afresh_does_not_extract_what_is_loaded(story):
    assert story["1_fresh"] == []
    assert story["1_fresh_partitions"] == ["a.pdf", "c.pdf", "e.pdf", "z.pdf"]


def test_the_rebuild_waits_for_runs_under_way(story):
    inbox_runs, rebuild_runs = story["1_waiting"]
    assert inbox_runs == [("prune_removed_reports", None, True)]  # c left: its quarantine entry goes
    assert rebuild_runs == []  # an extraction is still under way: no rebuild yet


def test_renamed_and_removed_files(story):
    extractions, builds = story["2"]
    assert extractions == [
        ("extract_reports", "b.pdf", True),
        ("extract_reports", "c.pdf", False),  # c: back, still bad
        ("prune_removed_reports", None, True),
    ]  # a (renamed away), e, z
    assert builds == [("build_warehouse", None, None)]
    assert story["2_loaded"] == {"b.pdf": story["contents"]["original"]}


def test_a_restored_report_comes_back_and_a_changed_one_is_replaced(story):
    extractions, builds = story["3"]
    assert extractions == [
        ("extract_reports", "a.pdf", True),
        ("extract_reports", "b.pdf", True),
        ("extract_reports", "e.pdf", True),
    ]
    assert builds == []  # a's refusal went stale when b changed: the rebuild waits for its new run
    assert story["3_stale"].startswith(f"{RESAVE_REASON} 'b.pdf'")
    assert story["3_rejudged"] == ([("extract_reports", "a.pdf", True)], [("build_warehouse", None, True)])
    assert story["3_published"] == {"b.pdf": story["contents"]["second"]}  # three editions of 000, loaded once
    assert story["3_quarantined"]["a.pdf"].startswith(f"{OLDER_EDITION_REASON} 'b.pdf'")  # judged again
    assert story["3_quarantined"]["e.pdf"].startswith(f"{OLDER_EDITION_REASON} 'b.pdf'")
    assert story["build_runs"] == [dg.DagsterRunStatus.SUCCESS]
