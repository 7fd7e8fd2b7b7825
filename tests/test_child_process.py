"""orchestration.child_process: a build step in a child process gives back what it would in-process."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from orchestration.child_process import ChildProcessDied, in_child_process
from serving.open_data.metadata import ExportError


@pytest.fixture(autouse=True)
def importable_here(monkeypatch):
    """The child imports the functions below by their module's name, as pytest imported it."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))


def pid_and(value):
    return os.getpid(), value


def raise_export_error(message):
    raise ExportError(message)


class TwoArguments(Exception):
    def __init__(self, first, second):  # pickled, it would not come back (one argument stored)
        super().__init__(f"{first} and {second}")


def raise_two_arguments():
    raise TwoArguments("one", "two")


def die(how):
    if how == "signal":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(7)


def print_and_return(value):
    print("a library's chatter on stdout")  # must not spoil the result
    return value


def test_the_result_comes_back_from_another_process():
    pid, value = in_child_process(pid_and, {"path": Path("/x"), "rows": [1, 2]})
    assert pid != os.getpid() and value == {"path": Path("/x"), "rows": [1, 2]}


def test_the_exception_raised_in_the_child_is_raised_here_as_itself():
    with pytest.raises(ExportError, match=r"^no manifest$"):
        in_child_process(raise_export_error, "no manifest")


def test_an_exception_that_cannot_come_back_is_raised_as_its_text():
    with pytest.raises(RuntimeError, match="TwoArguments: one and two"):
        in_child_process(raise_two_arguments)


@pytest.mark.parametrize("how, reason", [("signal", "killed by signal 9"), ("exit", "exit status 7")])
def test_a_child_that_dies_is_named_with_how_it_died(how, reason):
    with pytest.raises(ChildProcessDied, match=rf"test_child_process\.die .*\({reason}\)"):
        in_child_process(die, how)


def test_what_the_child_prints_does_not_spoil_its_result(capfd):
    assert in_child_process(print_and_return, 42) == 42
    assert "a library's chatter" in capfd.readouterr().err


def query_through_duckdb_engine():
    import great_expectations  # noqa: F401
    import sqlalchemy

    engine = sqlalchemy.create_engine("duckdb:///:memory:")  # as the suites' Great Expectations does
    with engine.connect() as conn:
        return conn.exec_driver_sql("select 42").scalar()


def test_the_child_prints_nothing_at_its_end(capfd):
    """With Great Expectations and duckdb-engine loaded, DuckDB's bindings print "nanobind: leaked …" at interpreter
    shutdown: on the build's terminal, had the child shut its interpreter down."""
    assert in_child_process(query_through_duckdb_engine) == 42
    assert "nanobind" not in capfd.readouterr().err
