"""One partition per report file in the inbox."""

from dagster import DynamicPartitionsDefinition

reports_partitions = DynamicPartitionsDefinition(name="reports")
