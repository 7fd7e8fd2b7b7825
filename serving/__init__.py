"""What the readers get, without Dagster: the BI snapshot (`snapshot`), the open-data files
(`open_data`), the overview report (`report`), their release as one switch (`release`), the
healing of what an interrupted release left (`heal`) and the checks before a build (`startup`)."""
