"""The inbox drives the published warehouse: two sensors, both deciding from the warehouse itself.

`inbox_sensor` compares the inbox with the build database's raw rows (ingest.state)
and asks for the extraction of every file the warehouse does not hold as it is and the
pruning of every file that left; `rebuild_sensor` waits until no extraction or pruning is
under way and then rebuilds (dbt, checks, publish, exports, report) when the raw rows differ
from the published ones: ten files dropped at once give ten extractions and one rebuild.
Each inbox tick first heals the warehouse as `make run` does at its start (serving.heal);
the rebuild sensor also publishes again a release that is not whole.
"""

import hashlib

import dagster as dg

from extract import EXTRACTOR_VERSION
from ingest.build_lock import BuildRunning, build_lock, holder, is_held
from ingest.inbox import read_inbox
from ingest.state import (
    InboxPlan,
    WarehouseBusy,
    WarehouseState,
    drop_run_key,
    extract_run_key,
    plan_inbox,
    read_database,
)
from orchestration.defs.automation.jobs import RAW_JOBS, build_warehouse, extract_reports, prune_removed_reports
from orchestration.defs.extraction.partitions import reports_partitions
from orchestration.resources import WarehouseSettings
from serving.heal import database_problem, heal
from serving.release import release_problem
from serving.startup import emptying_refused

UNDER_WAY = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def runs_under_way(instance: dg.DagsterInstance, jobs) -> int:
    return sum(instance.get_runs_count(dg.RunsFilter(job_name=job, statuses=UNDER_WAY)) for job in jobs)


def heal_between_builds(config, log) -> bool:
    """`make run`'s start-up healing (serving.heal), at each tick of the inbox sensor, under
    the build lock: leftovers of killed runs removed, a damaged build database set aside (the
    inbox is then extracted into a new one), a damaged published database set aside (the rebuild
    sensor publishes again). False when a build holds the lock: nothing is touched."""
    try:
        with build_lock(config.build_lock, "inbox_sensor (healing)"):
            healing = heal(config.warehouse_dir, config.build_db, config.published_db)
    except BuildRunning:
        return False
    for line in healing.lines:
        log.info(line.strip())
    return True


def inbox_requests(plan: InboxPlan, inbox: dict[str, str], state: WarehouseState) -> list[dg.RunRequest]:
    """The runs that bring the warehouse to the inbox: an extraction per file, one prune."""
    requests = [
        dg.RunRequest(
            run_key=extract_run_key(name, inbox[name], EXTRACTOR_VERSION, state),
            partition_key=name,
            job_name=extract_reports.name,
        )
        for name in plan.extract
    ]
    if plan.drop:
        requests.append(
            dg.RunRequest(
                run_key=drop_run_key(plan.drop, state),
                job_name=prune_removed_reports.name,
                run_config={"ops": {"drop_removed_reports": {"config": {"file_names": plan.drop}}}},
            )
        )
    return requests


def pending_inbox_runs(instance: dg.DagsterInstance, config, built: WarehouseState) -> int:
    """How many runs the inbox sensor would still launch (run keys it has not used): an identity
    refusal gone stale in the last runs (the file it names was loaded again) is judged afresh
    before the rebuild, so one rebuild publishes the settled inbox."""
    listing = read_inbox(config.inbox)
    if emptying_refused(config.inbox, listing, built, config.allow_empty_inbox):
        return 0
    plan = plan_inbox(listing.files, built, EXTRACTOR_VERSION, listing.present)
    return sum(
        not instance.get_runs_count(dg.RunsFilter(tags={"dagster/run_key": r.run_key}))
        for r in inbox_requests(plan, listing.files, built)
    )


@dg.sensor(
    jobs=[extract_reports, prune_removed_reports],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def inbox_sensor(context: dg.SensorEvaluationContext, settings: WarehouseSettings):
    """A file the warehouse does not hold as it is becomes an extraction run; a file gone, a prune run."""
    config = settings.get()
    if runs_under_way(context.instance, [build_warehouse.name]):
        return dg.SkipReason("the warehouse is being rebuilt; the inbox is compared after it")
    if is_held(config.build_lock):  # `make run` (or a build of another instance) is building it
        return dg.SkipReason(
            f"a build holds the warehouse ({holder(config.build_lock)}); the inbox is compared after it"
        )
    if not heal_between_builds(config, context.log):
        return dg.SkipReason(f"a build holds the warehouse ({holder(config.build_lock)})")
    listing = read_inbox(config.inbox)
    inbox = listing.files
    try:
        state = read_database(config.build_db)
    except WarehouseBusy:
        return dg.SkipReason("the build database is being written; the inbox is compared on the next tick")
    refused = emptying_refused(config.inbox, listing, state, config.allow_empty_inbox)
    if refused:
        return dg.SkipReason(refused)
    plan = plan_inbox(inbox, state, EXTRACTOR_VERSION, listing.present)
    requests = inbox_requests(plan, inbox, state)
    known = set(context.instance.get_dynamic_partitions(reports_partitions.name))
    partition_requests = []
    if sorted(set(inbox) - known):
        partition_requests.append(reports_partitions.build_add_request(sorted(set(inbox) - known)))
    if sorted(known - set(inbox)):
        partition_requests.append(reports_partitions.build_delete_request(sorted(known - set(inbox))))
    if not requests and not partition_requests:
        return dg.SkipReason(f"the warehouse holds the inbox's {len(plan.settled)} file(s) as they are")
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests)


@dg.sensor(jobs=[build_warehouse], minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def rebuild_sensor(context: dg.SensorEvaluationContext, settings: WarehouseSettings):
    """After the inbox's runs: rebuild and publish when the raw rows differ from the published ones."""
    config = settings.get()
    waiting = runs_under_way(context.instance, [*RAW_JOBS, build_warehouse.name])
    if waiting:
        return dg.SkipReason(f"waiting for {waiting} run(s) to finish")
    if is_held(config.build_lock):
        return dg.SkipReason(f"a build holds the warehouse ({holder(config.build_lock)})")
    if database_problem(config.build_db):
        return dg.SkipReason("the build database is damaged: the inbox sensor sets it aside and extracts the inbox")
    try:
        built = read_database(config.build_db)
    except WarehouseBusy:
        return dg.SkipReason("the build database is being written")
    pending = pending_inbox_runs(context.instance, config, built)
    if pending:
        return dg.SkipReason(f"waiting for the inbox sensor's {pending} run(s) to be launched")
    # A run key is used once: each names the published file as it is now (size, time), so a
    # later damage, or the same rows after the published file was set aside, ask again.
    stamp = published_stamp(config.published_db)
    damaged = database_problem(config.published_db) or (release_problem(config.warehouse_dir) or (None, None))[1]
    if damaged:
        problem = hashlib.sha256(damaged.encode()).hexdigest()[:12]
        return dg.RunRequest(
            run_key=f"build:{built.digest()}:republish:{problem}:{stamp}", job_name=build_warehouse.name
        )
    try:
        published = read_database(config.published_db)
    except WarehouseBusy:
        return dg.SkipReason("the published database is being written")
    if built.digest() == published.digest():
        return dg.SkipReason("the published warehouse holds the loaded reports")
    return dg.RunRequest(run_key=f"build:{built.digest()}:{stamp}", job_name=build_warehouse.name)


def published_stamp(db) -> str:
    try:
        stat = db.stat()
    except FileNotFoundError:
        return "none"
    return f"{stat.st_size}-{stat.st_mtime_ns}"
