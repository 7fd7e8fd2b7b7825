"""From the inbox to the raw schema, without Dagster: which files the inbox holds (`inbox`), what
the warehouse holds (`state`), which copy of a report counts (`identity`), the bounded extraction
of one file (`sandbox`), the raw tables' loads (`raw_load`), the build lock, the code hash and the
settings (`config`)."""
