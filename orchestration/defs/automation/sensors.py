"""The inbox drives the published warehouse: two sensors, both deciding from the warehouse itself.

`inbox_sensor` compares the inbox with the build database's raw rows (ingest.state)
and asks for the extraction of every file the warehouse does not hold as it is and the
pruning of every file that left; `rebuild_sensor` waits until no extraction or pruning is
under way and then rebuilds (dbt, checks, publish, exports, report) when the raw rows differ
from the published ones: ten files dropped at once give ten extractions and one rebuild.
"""

import dagster as dg

from extract import EXTRACTOR_VERSION

from ingest.build_lock import holder, is_held
from serving.heal import database_problem
from ingest.inbox import read_inbox
from orchestration.defs.automation.jobs import RAW_JOBS, build_warehouse, extract_reports, prune_removed_reports
from orchestration.defs.extraction.partitions import reports_partitions
from orchestration.resources import WarehouseSettings
from serving.startup import emptying_refused
from ingest.state import WarehouseBusy, drop_run_key, extract_run_key, plan_inbox, read_database

UNDER_WAY = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def runs_under_way(instance: dg.DagsterInstance, jobs) -> int:
    return sum(instance.get_runs_count(dg.RunsFilter(job_name=job, statuses=UNDER_WAY)) for job in jobs)


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
    try:
        built = read_database(config.build_db)
    except WarehouseBusy:
        return dg.SkipReason("the build database is being written")
    damaged = database_problem(config.published_db)
    if damaged:  # a run key is used once: this one names the damaged file, so a later damage asks again
        stat = config.published_db.stat()
        return dg.RunRequest(
            run_key=f"build:{built.digest()}:republish:{stat.st_size}-{stat.st_mtime_ns}", job_name=build_warehouse.name
        )
    try:
        published = read_database(config.published_db)
    except WarehouseBusy:
        return dg.SkipReason("the published database is being written")
    if built.digest() == published.digest():
        return dg.SkipReason("the published warehouse holds the loaded reports")
    return dg.RunRequest(run_key=f"build:{built.digest()}", job_name=build_warehouse.name)
