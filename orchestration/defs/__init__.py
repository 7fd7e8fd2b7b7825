"""The Dagster definitions, one folder per integration: `extraction` (the partitioned raw asset),
`dbt` (the dbt models as assets), `quality` (the Great Expectations suites as asset checks),
`publishing` (snapshot, exports, report, release) and `automation` (jobs, sensors, schedule).
Each file is thin: the work is done by the Dagster-free packages `extract`, `ingest`, `serving`
and `expectations`."""
