"""The published warehouse as BI users open it: a DuckDB 1.x CLI, SQLAlchemy's Inspector (what
Superset and Metabase-style tools call), and the README's example queries.

All tests read the snapshot that the session fixture `dumps_warehouse` published from the text
dumps (serving.snapshot.publish_database), never the build database.
"""

from __future__ import annotations

import decimal
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CLI = Path(sys.executable).parent / "duckdb"  # from the lock (duckdb-cli 1.5.x)


# ----------------------------------------------------------------------------- the README


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def readme_queries() -> list[tuple[str, str]]:
    """(caption, sql) of every statement in the ```sql blocks of "Connecting a BI tool"."""
    queries = []
    for block in re.findall(r"```sql\n(.*?)```", readme_section("Connecting a BI tool"), re.S):
        for statement in block.split(";"):
            lines = [l for l in statement.strip().splitlines() if l.strip()]
            if not lines:
                continue
            caption = " ".join(l.lstrip("- ").strip() for l in lines if l.startswith("--"))
            queries.append((caption, "\n".join(l for l in lines if not l.startswith("--"))))
    return queries


def rows_of(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def norm(value):
    """A value as both readers can agree on: numbers as rounded floats (the CLI prints HUGEINT as text)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return round(float(value), 6)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return round(float(value), 6)
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


@pytest.fixture(scope="module")
def published(dumps_warehouse) -> Path:
    assert dumps_warehouse.build.success, "dbt build of the dumps warehouse failed"
    return dumps_warehouse.published


@pytest.fixture
def con(published):
    con = duckdb.connect(str(published), read_only=True)
    yield con
    con.close()


def test_readme_has_the_example_queries():
    captions = [c for c, _ in readme_queries()]
    assert len(captions) >= 4 and all(captions), captions  # every query says what it answers


# ----------------------------------------------------------------------------- a DuckDB 1.x reader


def cli(published: Path, sql: str) -> list[dict]:
    done = subprocess.run(
        [str(CLI), "-readonly", "-json", "-c", sql, str(published)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and not done.stderr.strip(), (sql, done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else []


def test_a_duckdb_1x_cli_opens_the_published_file_with_its_comments(published, con, dumps_warehouse):
    version = subprocess.run([str(CLI), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("v1."), version  # a 1.x reader, as in DBeaver, Metabase and most CLIs
    assert duckdb.__version__.startswith("2.")  # ... of a file published by DuckDB 2
    comments = (
        "select count(*) as n from duckdb_columns() where database_name = current_database() and comment is not null"
    )
    build = duckdb.connect(str(dumps_warehouse.db))  # dbt's adapter may still hold it open in this process
    try:
        expected = build.execute(comments).fetchone()[0]
        views = build.execute("select count(*) from duckdb_views() where schema_name = 'bi'").fetchone()[0]
    finally:
        build.close()
    assert expected > 300 and cli(published, comments) == [{"n": expected}]  # every column comment kept
    bi = cli(
        published, "select count(*) as views, count(comment) as commented from duckdb_views() where schema_name = 'bi'"
    )
    assert views >= 10 and bi == [{"views": views, "commented": views}]
    undocumented = cli(
        published,
        "select table_name, column_name from duckdb_columns() where schema_name = 'bi' and coalesce(comment, '') = ''",
    )
    assert undocumented == []


def test_the_1x_cli_answers_the_readme_queries_as_duckdb_2_does(published, con):
    for caption, sql in readme_queries():
        expected = [{k: norm(v) for k, v in row.items()} for row in rows_of(con, sql)]
        got = [{k: norm(v) for k, v in row.items()} for row in cli(published, sql)]
        if "order by" not in sql.lower():
            expected, got = sorted(expected, key=repr), sorted(got, key=repr)
        assert expected and got == expected, caption


# ----------------------------------------------------------------------------- SQLAlchemy


def readme_uri(published: Path) -> str:
    uri = re.search(
        r"`(duckdb:////absolute/path/warehouse/gent\.duckdb[^`]*)`", readme_section("Connecting a BI tool")
    ).group(1)
    return uri.replace("/absolute/path/warehouse/gent.duckdb", str(published.resolve()))


def test_sqlalchemy_inspector_lists_every_bi_column_with_its_comment(published):
    import sqlalchemy as sa

    # what DuckDB itself says, read first: one process cannot open the file with two configurations
    caption, sql = readme_queries()[0]
    con = duckdb.connect(str(published), read_only=True)
    try:
        marts = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        views = [
            v
            for (v,) in con.execute(
                "select view_name from duckdb_views() where schema_name = 'bi' order by 1"
            ).fetchall()
        ]
        columns = {
            v: con.execute(
                "select column_name, comment from duckdb_columns() where schema_name = 'bi' "
                "and table_name = ? order by column_index",
                [v],
            ).fetchall()
            for v in views
        }
        answer = con.execute(sql).fetchall()
    finally:
        con.close()
    engine = sa.create_engine(readme_uri(published))
    try:
        inspector = sa.inspect(engine)
        schemas = {s.split(".")[-1] for s in inspector.get_schema_names()}
        assert {"raw", "staging", "intermediate", "marts", "bi"} <= schemas
        assert sorted(inspector.get_table_names(schema="marts")) == marts and len(marts) >= 12
        assert sorted(inspector.get_view_names(schema="bi")) == views and len(views) >= 10
        for view in views:
            listed = inspector.get_columns(view, schema="bi")
            assert [(c["name"], c["comment"]) for c in listed] == columns[view], view
            assert all(c["comment"] for c in listed), view
            assert inspector.get_table_comment(view, schema="bi")["text"], view
        with engine.connect() as connection:
            rows = connection.execute(sa.text(sql)).fetchall()
            assert rows and [tuple(r) for r in rows] == answer, caption
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):  # the URI opens it read-only
                connection.execute(sa.text("create table bi.scratch as select 1 as x"))
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- captions hold


def check_execution_rate_per_entity(con, rows):
    assert {(r["entity_name"], r["direction"]) for r in rows} and len(
        {(r["entity_name"], r["direction"]) for r in rows}
    ) == len(rows)  # one row per entity and direction
    for r in rows:
        if r["budget_eur"]:
            assert r["execution_rate_pct"] == pytest.approx(100 * r["actual_eur"] / r["budget_eur"], abs=0.05), r


def check_top_10_of_2024(con, rows):
    assert 0 < len(rows) <= 10
    amounts = [r["actual_eur"] for r in rows]
    assert amounts == sorted(amounts, reverse=True)
    assert len({r["codes"] for r in rows}) == len(rows)  # a Stad/OCMW pair is one row
    for r in rows:  # each amount is the action's 2024 total, nothing of another year
        years = con.execute(
            "select list(distinct fiscal_year) from bi.spending_per_action where codes = ? "
            "and category = 'exploitatie' and direction = 'uitgaven' and actual_eur <> 0",
            [r["codes"]],
        ).fetchone()[0]
        total_2024 = con.execute(
            "select sum(actual_eur) from bi.spending_per_action where codes = ? and fiscal_year = 2024 "
            "and category = 'exploitatie' and direction = 'uitgaven'",
            [r["codes"]],
        ).fetchone()[0]
        assert r["actual_eur"] == total_2024 and 2024 in years, r


def check_fte_per_goal_year_entity(con, rows):
    keys = [(r["goal_code"], r["fiscal_year"], r["entity_name"]) for r in rows]
    assert len(set(keys)) == len(keys)  # the entity column makes each row one goal, year and entity
    assert {r["fiscal_year"] for r in rows} >= {2021, 2024}
    assert all(r["planned_fte"] is not None or r["fte_null_reason"] for r in rows)
    planned = con.execute("select sum(plan_fte) from marts.fct_staffing").fetchone()[0]
    assert sum(r["planned_fte"] or 0 for r in rows) == planned  # nothing lost or counted twice


def check_page_and_line_of_ac34776(con, rows):
    assert rows and {r["leaf_code"] for r in rows} == {"AC34776"}
    assert all(r["file_name"] and r["line"] > 0 for r in rows)


def check_prose_about_cycling(con, rows):
    # the 2024 paragraphs of actions and projects that say "fiets", counted from raw.texts (one row per section,
    # with the page each paragraph starts on)
    sections = con.execute("""select t.node_id, t.text, t.paragraph_pages from raw.texts t
                              join raw.nodes n using (document_id, node_id) join raw.documents d using (document_id)
                              where n.level in ('action', 'project') and d.report_year = 2024""").fetchall()
    expected = sorted(
        (node, p, page)
        for node, text, pages in sections
        for p, page in zip(text.split("\n"), pages, strict=True)
        if "fiets" in p.lower()
    )
    assert sorted((r["leaf_code"], r["paragraph_text"], r["page"]) for r in rows) == expected and expected
    for r in rows:  # next to the amounts of the (conformed) action the text belongs to, in 2024
        budget, actual = con.execute(
            """select sum(budget_eur), sum(actual_eur) from marts.fct_spending
                                        where fiscal_year = 2024 and category = 'exploitatie' and direction = 'uitgaven'
                                        and action_key = (select action_key from marts.fct_spending where leaf_code = ? limit 1)""",
            [r["leaf_code"]],
        ).fetchone()
        assert (r["operating_expenditure_budget_eur"], r["operating_expenditure_actual_eur"]) == (budget, actual), r


CHECKS = {
    "execution rate of OD10076 in 2024, per entity": check_execution_rate_per_entity,
    "top 10 conformed actions by actual operating expenditure in 2024": check_top_10_of_2024,
    "planned vs paid FTE per goal, year and entity": check_fte_per_goal_year_entity,
    "the pages and lines where AC34776's amounts are printed": check_page_and_line_of_ac34776,
    "paragraphs of 2024 actions and projects that mention cycling": check_prose_about_cycling,
}


def test_every_readme_query_answers_what_its_caption_says(con):
    for caption, sql in readme_queries():
        check = next((f for key, f in CHECKS.items() if caption.startswith(key)), None)
        assert check is not None, f"README query without a check in this test: {caption!r}"
        rows = rows_of(con, sql)
        assert rows, caption
        check(con, rows)


# ----------------------------------------------------------------------------- personal data


def _names(database: Path) -> list[str]:
    """The aldermen's names in raw.responsibles."""
    with duckdb.connect(str(database)) as conn:  # the build database may be open in this process (dbt)
        return sorted(n for (n,) in conn.execute("select distinct name from raw.responsibles").fetchall())


def _cells_printing(database: Path, names: list[str]) -> int:
    """How many cells of the database's tables print one of the names."""
    with duckdb.connect(str(database)) as conn:
        columns = conn.execute(
            "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.data_type = 'VARCHAR'"
        ).fetchall()
        return sum(
            conn.execute(f'select count(*) from "{s}"."{t}" where contains("{c}", ?)', [n]).fetchone()[0]
            for n in names
            for s, t, c in columns
        )


def test_no_personal_name_reaches_the_bi_file_unless_the_switch_says_so(published, dumps_warehouse, tmp_path):
    from serving.snapshot import publish_database

    names = _names(dumps_warehouse.db)
    printed = _cells_printing(dumps_warehouse.db, names)
    assert names and printed > len(names)  # the 2021 report names its aldermen: their table, and the lines they are on
    assert _names(published) == []
    assert _cells_printing(published, names) == 0  # nowhere, not even in a printed line kept for lineage
    kept = publish_database(dumps_warehouse.db, tmp_path / "with_names.duckdb", include_personal_data=True)
    assert _names(kept) == names and _cells_printing(kept, names) == printed
