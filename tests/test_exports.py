"""Open-data exports (serving/open_data/): Parquet + CSV per mart and datapackage.json.

A module fixture builds a small warehouse from the bundled text dumps (extractor -> raw tables
-> `dbt build` of the models and seeds into a temporary DuckDB file and target path; the dbt
tests themselves run in test_dbt_project.py), publishes it, then exports it with and without the
personal-data switch. The checks: every mart as both files with the mart's rows, every field
described, the source documents' sha256, determinism to the byte, `.` decimal points, lineage,
and no personal name anywhere unless the switch is on.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from duckdb_reads import read_only_query

from serving import open_data as exports
from serving.open_data import PersonalDataError, csv_value, export_open_data, name_variants
from serving.open_data import __main__ as open_data_cli
from serving.open_data import export as export_module

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DUMPS = REPO / "data" / "dumps"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
INTEGER = re.compile(r"^-?\d+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Built:
    def __init__(self, db: Path, manifest: Path):
        self.db, self.manifest = db, manifest

    def query(self, sql: str, params=None) -> list[tuple]:
        return read_only_query(self.db, sql, params)

    def marts(self) -> list[str]:
        return [
            t
            for (t,) in self.query(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            )
        ]

    def columns(self, schema: str, table: str) -> list[str]:
        return [
            c
            for (c,) in self.query(
                "select column_name from duckdb_columns() where schema_name = ? "
                "and table_name = ? order by column_index",
                [schema, table],
            )
        ]

    def names(self) -> list[str]:
        return [n for (n,) in self.query("select distinct name from raw.responsibles order by 1")]


@pytest.fixture(scope="module")
def built(dumps_warehouse, tmp_path_factory) -> Built:
    # exports read a published snapshot (as in production), never the build database that
    # dbt's adapter may still hold open in this process. This one is published with the
    # personal-data switch on (names kept), so that the exports' own rule is what is tested.
    from serving.snapshot import publish_database

    published = tmp_path_factory.mktemp("published_with_names") / "gent.duckdb"
    publish_database(dumps_warehouse.db, published, include_personal_data=True)
    return Built(published, dumps_warehouse.target / "manifest.json")


@pytest.fixture(scope="module")
def export(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("export_a") / "export"
    summary = export_open_data(built.db, out, manifest=built.manifest)
    return out, summary


@pytest.fixture(scope="module")
def export_personal(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("export_personal") / "export"
    summary = export_open_data(built.db, out, include_personal_data=True, manifest=built.manifest)
    return out, summary


def package(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def csv_cell(value) -> str:
    """What the standard CSV holds for a database value (text cells neutralised against formulas)."""
    return exports.neutralise_formula(value) if isinstance(value, str) else csv_value(value)


def file_texts(path: Path) -> list[str]:
    """What a grep sees in a file: its bytes, and for Parquet also its decoded values."""
    texts = [path.read_bytes().decode("utf-8", errors="replace")]
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        texts.append("\n".join(str(v) for col in table.columns for v in col.to_pylist() if v is not None))
    return texts


def names_in(path: Path, names: list[str]) -> set[str]:
    texts = file_texts(path)
    return {n for n in names for v in name_variants(n) if any(v in t for t in texts)}


# ----------------------------------------------------------------------------- files and rows


def test_every_mart_is_exported_as_parquet_and_csv_with_its_rows(built, export):
    out, summary = export
    marts = built.marts()
    assert len(marts) >= 12
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["datapackage.json"] + [f"{m}.{ext}" for m in marts for ext in ("csv", "excel.csv", "parquet")]
    )
    assert summary == {m: built.query(f'select count(*) from marts."{m}"')[0][0] for m in marts}
    con = duckdb.connect(str(built.db), read_only=True)
    try:
        for resource in package(out)["resources"]:
            if resource["format"] != "csv":
                continue
            mart = resource["name"]
            columns = built.columns("marts", mart)
            order = ", ".join(f'"{c}" asc nulls last' for c in resource["sortOrder"])
            expected = con.execute(f'select * from marts."{mart}" order by {order}').fetchall()
            header, rows = read_csv(out / f"{mart}.csv")
            table = pq.read_table(out / f"{mart}.parquet")
            assert header == columns == table.column_names, mart
            assert len(rows) == table.num_rows == len(expected) == summary[mart], mart
            # the same values, in the same (key) order, in both files
            assert [tuple(r.values()) for r in table.to_pylist()] == expected, mart
            assert rows == [[csv_cell(v) for v in row] for row in expected], mart
    finally:
        con.close()


def test_fact_rows_keep_their_lineage(built, export):
    out, _ = export
    sources = {s["sha256"] for s in package(out)["sources"]}
    facts = [m for m in built.marts() if m.startswith("fct_")]
    assert len(facts) >= 4
    for fact in facts:
        header, rows = read_csv(out / f"{fact}.csv")
        assert {"document_id", "page", "line"} <= set(header), fact
        doc, line = header.index("document_id"), header.index("line")
        assert rows and all(r[doc] in sources and INTEGER.match(r[line]) for r in rows), fact
        table = pq.read_table(out / f"{fact}.parquet", columns=["document_id", "page", "line"])
        assert table.column("document_id").null_count == 0 and table.column("line").null_count == 0


# ----------------------------------------------------------------------------- datapackage.json


def test_datapackage_describes_every_file_and_field(built, export):
    out, _ = export
    pkg = package(out)
    resources = {r["name"]: r for r in pkg["resources"]}
    data_files = sorted(
        p.name for p in out.iterdir() if p.name != "datapackage.json" and not p.name.endswith(exports.EXCEL_SUFFIX)
    )
    assert sorted(r["path"] for r in pkg["resources"]) == data_files  # one resource per file
    assert len(resources) == len(data_files)
    assert pkg["licenses"] and all(lic.get("path") and lic.get("title") for lic in pkg["licenses"])
    assert {"rounding", "derived-totals", "imputed-cells", "intra-group-flows", "csv-formulas"} <= {
        l["name"] for l in pkg["limitations"]
    }
    assert pkg["containsPersonalData"] is False
    assert ISO_DATE.match(pkg["fiscalPeriod"]["start"]) and ISO_DATE.match(pkg["fiscalPeriod"]["end"])
    # the source documents with their sha256, which is the warehouse's document_id
    raw_ids = {d for (d,) in built.query("select document_id from raw.documents")}
    assert {s["sha256"] for s in pkg["sources"]} == raw_ids
    assert all(s["hash"] == f"sha256:{s['sha256']}" and s["path"] for s in pkg["sources"])
    for name, res in resources.items():
        path = out / res["path"]
        assert res["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(), name
        assert res["bytes"] == path.stat().st_size and res["description"], name
        if res["type"] == "file":  # a mart's Parquet file: the same columns as its CSV resource
            assert res["format"] == "parquet" and name.endswith(exports.PARQUET_SUFFIX), name
            assert (
                pq.read_schema(path).names == read_csv(out / resources[name[: -len(exports.PARQUET_SUFFIX)]]["path"])[0]
            )
            continue
        fields = res["schema"]["fields"]
        assert res["format"] == "csv" and [f["name"] for f in fields] == read_csv(path)[0], name
        for f in fields:  # meaning, unit and (for amounts) sign, from the dbt manifest
            assert f["description"].strip() and "Unit" in f["description"] and f.get("unit"), (name, f["name"])
            if re.search(r"(_eur(_imputed)?|_fte)$", f["name"]):
                assert f.get("sign"), (name, f["name"])
        assert res["schema"]["primaryKey"], name
        for fk in res["schema"].get("foreignKeys", []):  # every key resolves, and holds in the data
            target = resources[fk["reference"]["resource"]]
            header, rows = read_csv(path)
            t_header, t_rows = read_csv(out / target["path"])
            values = {r[header.index(fk["fields"][0])] for r in rows} - {""}
            assert values <= {r[t_header.index(fk["reference"]["fields"][0])] for r in t_rows}, (name, fk)
    plan_fks = resources["dim_action_plan"]["schema"]["foreignKeys"]
    assert {"fields": ["goal_code"], "reference": {"resource": "dim_policy_goal", "fields": ["goal_code"]}} in plan_fks
    action_fks = resources["dim_action"]["schema"]["foreignKeys"]
    assert {
        "fields": ["action_plan_code"],
        "reference": {"resource": "dim_action_plan", "fields": ["action_plan_code"]},
    } in action_fks


FDP_PHASES = {"proposed", "approved", "adjusted", "executed"}  # FDP 0.3 measure phases
FDP_KEYS = {
    "measure": {"source", "resource", "currency", "factor", "direction", "phase", "fiscalPeriod"},
    "dimension": {"attributes", "primaryKey", "dimensionType", "classificationType"},
    "attribute": {"source", "resource", "parent", "labelfor", "constant"},
}


def test_the_package_follows_the_fiscal_data_package_model(built, export):
    out, _ = export
    pkg = package(out)
    assert pkg["profiles"] == {"fiscal": "*", "tabular": "*"} and pkg["countryCode"] == "BE"
    model, resources = pkg["model"], {r["name"]: r for r in pkg["resources"]}
    # spec keys only (no directionSource, fdpValues, fiscalYearField, derived)
    assert all(set(m) <= FDP_KEYS["measure"] for m in model["measures"].values())
    assert all(set(d) <= FDP_KEYS["dimension"] for d in model["dimensions"].values())
    assert all(set(a) <= FDP_KEYS["attribute"] for d in model["dimensions"].values() for a in d["attributes"].values())
    text = json.dumps(pkg)
    assert not re.search(r'"(directionSource|fdpValues|fiscalYearField|derived)"\s*:', text)
    # each measure: one column of the fiscal resource, in EUR, one direction, one phase, its own period
    printed = dict(built.query("select direction, sum(budget_eur) from marts.fct_spending group by all"))
    for measure in model["measures"].values():
        field = next(f for f in resources[measure["resource"]]["schema"]["fields"] if f["name"] == measure["source"])
        assert field["columnType"] == "value" and measure["currency"] == "EUR" and measure["factor"] == 1
        assert measure["direction"] in ("expenditure", "revenue") and measure["phase"] in FDP_PHASES
        years = {
            y
            for (y,) in built.query(
                f"select distinct fiscal_year from marts.{measure['resource']} where {measure['source']} is not null"
            )
        }
        assert measure["fiscalPeriod"] == {"start": f"{min(years)}-01-01", "end": f"{max(years)}-12-31"}
        if measure["phase"] != "executed":  # a jaarrekening's "Budget Y" is the final, adjusted budget
            assert measure["phase"] == "adjusted"
            direction = "uitgaven" if measure["direction"] == "expenditure" else "ontvangsten"
            assert (
                built.query(f"select sum({measure['source']}) from marts.{measure['resource']}")[0][0]
                == printed[direction]
            )
    assert {(m["direction"], m["phase"]) for m in model["measures"].values()} == {
        (d, p) for d in ("expenditure", "revenue") for p in ("adjusted", "executed")
    }
    # previous-year actuals are under their own year: 2023 holds the 2024 reports' "Jaarrekening 2023"
    executed = next(
        m for m in model["measures"].values() if (m["direction"], m["phase"]) == ("expenditure", "executed")
    )
    prev = built.query(
        "select previous_fiscal_year, sum(actual_prev_eur) from marts.fct_spending where direction = 'uitgaven' "
        "and is_prev_year_applicable group by all"
    )
    for year, amount in prev:
        assert (
            built.query(
                f"select sum({executed['source']}) from marts.{executed['resource']} where fiscal_year = ?", [year]
            )[0][0]
            == amount
        )
    assert model["dimensions"]["entity"]["dimensionType"] == "entity"
    assert model["dimensions"]["fiscal-year"]["dimensionType"] == "datetime"
    policy = model["dimensions"]["policy"]["attributes"]
    assert policy["action_plan"]["parent"] == "goal" and policy["action"]["parent"] == "action_plan"
    assert pkg["fiscalPeriod"]["start"] == min(m["fiscalPeriod"]["start"] for m in model["measures"].values())


def test_frictionless_validates_the_package_with_no_error(export):
    import sys

    out, _ = export
    cli = Path(sys.executable).parent / "frictionless"
    done = subprocess.run(
        [str(cli), "validate", "--json", str(out / "datapackage.json")], capture_output=True, text=True, timeout=300
    )
    report = json.loads(done.stdout)
    errors = [e for task in report["tasks"] for e in task["errors"]] + report["errors"]
    assert done.returncode == 0 and report["valid"] and errors == [], errors[:5]
    assert report["stats"]["tasks"] == len(package(out)["resources"])


def test_an_export_that_frictionless_finds_invalid_is_refused_and_the_previous_kept(
    built, export, tmp_path, monkeypatch
):
    out = tmp_path / "export"
    shutil.copytree(export[0], out)  # a published export, as the module made it
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_csv = export_module._write_csv

    def a_row_too_many(rows, path):  # a CSV whose last row has a cell too many
        write_csv(rows, path)
        if path.name == "dim_entity.csv":
            with open(path, "a", encoding="utf-8") as handle:
                handle.write("x," * len(rows.schema_arrow.names) + "x\n")

    monkeypatch.setattr(export_module, "_write_csv", a_row_too_many)
    with pytest.raises(exports.ExportError, match=r"not valid.*dim_entity"):
        export_open_data(built.db, out, manifest=built.manifest)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _fact_schema(out: Path, name: str = "fct_spending") -> dict:
    return next(r for r in package(out)["resources"] if r["name"] == name)["schema"]


def _mutations(schema: dict) -> dict:
    """Per kind of damage: (change to the header and rows of a CSV file, the error it must give)."""
    fields = [f["name"] for f in schema["fields"]]
    pk = schema["primaryKey"][0]
    integer = next(f["name"] for f in schema["fields"] if f["type"] == "integer")
    required = next(
        f["name"] for f in schema["fields"] if (f.get("constraints") or {}).get("required") and f["name"] != pk
    )
    fk = schema["foreignKeys"][0]
    fk_field, target = fk["fields"][0], fk["reference"]["resource"]
    keys = {pk, required, *(fk["fields"][0] for fk in schema["foreignKeys"])}
    keys |= {c for key in schema.get("uniqueKeys", []) for c in key}
    text = next(f["name"] for f in schema["fields"] if f["type"] == "string" and f["name"] not in keys)

    def setting(field, value):
        def change(rows):
            rows[-1][fields.index(field)] = value(rows) if callable(value) else value

        return change

    return {
        "type error": (setting(integer, "12x"), rf"Could not convert string \"12x\" to 'INTEGER'|{integer}"),
        "missing required value": (setting(required, ""), rf"1 rows where {required} is empty"),
        "duplicate key": (setting(pk, lambda rows: rows[0][fields.index(pk)]), rf"key \({pk}\) not unique"),
        "broken foreign key": (setting(fk_field, "no-such-key"), rf"{fk_field} 'no-such-key' not in {target}\."),
        "cell not as in the mart": (
            setting(text, "changed"),
            r"fct_spending\.csv: \d+ rows, a row not in the Parquet file: \(",
        ),
    }


@pytest.mark.parametrize(
    "damage", ["type error", "missing required value", "duplicate key", "broken foreign key", "cell not as in the mart"]
)
def test_a_damaged_csv_row_fails_the_export_naming_the_file(built, export, tmp_path, monkeypatch, damage):
    # the last row of fct_spending.csv is damaged once written; frictionless reads only the first row
    # here, so it is the DuckDB check of every row (verify.py) that must find it
    from serving.open_data import datapackage

    change, error = _mutations(_fact_schema(export[0]))[damage]
    write_csv = export_module._write_csv

    def write_and_damage(rows, path):
        write_csv(rows, path)
        if path.name == "fct_spending.csv":
            header, rows = read_csv(path)
            assert len(rows) > 1
            change(rows)
            with open(path, "w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows([header, *rows])

    monkeypatch.setattr(datapackage, "VALIDATED_ROWS", 1)
    monkeypatch.setattr(export_module, "_write_csv", write_and_damage)
    out = tmp_path / "export"
    with pytest.raises(exports.ExportError, match=r"^the export's files are not valid: fct_spending\.csv: ") as raised:
        export_open_data(built.db, out, manifest=built.manifest)
    assert re.search(error, str(raised.value)), str(raised.value)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []  # nothing published or left


def test_the_prose_is_exported_paragraph_by_paragraph(built, export):
    out, summary = export
    paragraphs = sorted(
        (d, n, p)
        for d, n, text in built.query("select document_id, node_id, text from raw.texts")
        for p in text.split("\n")
    )
    header, rows = read_csv(out / "fct_narrative.csv")
    at = {c: header.index(c) for c in ("document_id", "node_id", "paragraph_text", "page", "line")}
    assert summary["fct_narrative"] == len(rows) == len(paragraphs)
    # Parquet keeps the text as read; the CSV too, but for a leading formula character
    table = pq.read_table(out / "fct_narrative.parquet")
    exported = sorted(
        zip(
            table.column("document_id").to_pylist(),
            table.column("node_id").to_pylist(),
            table.column("paragraph_text").to_pylist(),
        )
    )
    assert exported == paragraphs
    assert sorted((r[at["document_id"]], r[at["node_id"]], r[at["paragraph_text"]]) for r in rows) == sorted(
        (d, n, exports.neutralise_formula(p)) for d, n, p in paragraphs
    )
    assert all(r[at["line"]] for r in rows)  # each leads back to its document and line
    resource = next(r for r in package(out)["resources"] if r["name"] == "fct_narrative")
    assert "paragraph" in resource["description"]


# ----------------------------------------------------------------------------- determinism


def test_exports_are_byte_identical(built, export, tmp_path):
    out, _ = export
    again = tmp_path / "b" / "export"
    export_open_data(built.db, again, manifest=built.manifest)
    first = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert {p.name: p.read_bytes() for p in sorted(again.iterdir())} == first
    # a re-export over an existing export swaps the folder in, same bytes, nothing left behind
    before = set(again.parent.iterdir())
    export_open_data(built.db, again, manifest=built.manifest)
    assert {p.name: p.read_bytes() for p in sorted(again.iterdir())} == first
    assert set(again.parent.iterdir()) == before
    # no timestamps, and pyarrow writes nothing that varies
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", first["datapackage.json"].decode())
    for name in first:
        if name.endswith(".parquet"):
            meta = pq.read_metadata(out / name)
            assert set((meta.metadata or {}).keys()) == {b"ARROW:schema"}, name
            assert meta.created_by.startswith("parquet-cpp-arrow") and meta.num_row_groups == 1
            assert meta.row_group(0).column(0).compression == "ZSTD"


# ----------------------------------------------------------------------------- CSV format


def test_csv_numbers_have_a_decimal_point_and_no_thousands_separators(export):
    out, _ = export
    decimals_seen = big_seen = 0
    for res in package(out)["resources"]:
        if res["format"] != "csv":
            continue
        header, rows = read_csv(out / res["path"])
        assert (out / res["path"]).read_bytes()[:3] != b"\xef\xbb\xbf"  # UTF-8 without BOM
        for f in res["schema"]["fields"]:
            values = [r[header.index(f["name"])] for r in rows if r[header.index(f["name"])] != ""]
            pattern = {"integer": INTEGER, "number": NUMBER, "date": ISO_DATE}.get(f["type"])
            if pattern:
                bad = [v for v in values if not pattern.match(v)]
                assert bad == [], (res["name"], f["name"], bad[:3])
            if f["type"] == "boolean":
                assert set(values) <= {"true", "false"}, (res["name"], f["name"])
            if f["type"] == "number":
                decimals_seen += sum("." in v for v in values)
            if f["type"] in ("number", "integer"):
                big_seen += sum(abs(decimal.Decimal(v)) >= 1000 for v in values)
    assert decimals_seen > 0 and big_seen > 0  # e.g. 1097.07 VTE and euro amounts in the millions
    header, rows = read_csv(out / "fct_staffing.csv")
    assert any(r[header.index("plan_fte")] and "." in r[header.index("plan_fte")] for r in rows)


def test_csv_value_formats():
    assert csv_value(None) == ""
    assert csv_value(True) == "true" and csv_value(False) == "false"
    assert csv_value(-1252546) == "-1252546"
    assert csv_value(decimal.Decimal("1097.07")) == "1097.07"
    assert csv_value(decimal.Decimal("2766541.70")) == "2766541.70"
    assert csv_value(decimal.Decimal("1E+3")) == "1000"
    assert csv_value(dt.date(2024, 1, 31)) == "2024-01-31"
    assert csv_value(dt.datetime(2024, 1, 31, 12, 0)) == "2024-01-31T12:00:00"
    assert csv_value(0.5) == "0.5"


# ----------------------------------------------------------------------------- Excel for Belgium


def read_as_belgian_excel(path: Path) -> tuple[list[str], list[list[str]]]:
    """Read a file as a nl-BE Excel does on a double click: BOM -> UTF-8 (else Windows-1252), `;` list separator."""
    data = path.read_bytes()
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return rows[0], rows[1:]


def belgian_number(cell: str) -> decimal.Decimal:
    """A cell as nl-BE Excel parses a number: `,` decimal separator, `.` would be a thousands separator."""
    assert re.fullmatch(r"-?\d+(,\d+)?", cell), cell
    return decimal.Decimal(cell.replace(",", "."))


def test_excel_flavour_opens_right_in_a_belgian_excel(export):
    out, _ = export
    excel_files = sorted(out.glob(f"*{exports.EXCEL_SUFFIX}"))
    assert excel_files and all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in excel_files)
    decimals_seen = 0
    for res in package(out)["resources"]:
        if res["format"] != "csv":
            continue
        header, rows = read_csv(out / res["path"])
        x_header, x_rows = read_as_belgian_excel(out / res["path"].replace(".csv", exports.EXCEL_SUFFIX))
        assert x_header == header and len(x_rows) == len(rows), res["name"]  # one cell per column, every row
        for f in res["schema"]["fields"]:
            i = header.index(f["name"])
            if f["type"] in ("number", "integer"):
                for row, x_row in zip(rows, x_rows):
                    if row[i] == "":
                        assert x_row[i] == "", (res["name"], f["name"])
                    else:  # the same number, read with a decimal comma
                        assert belgian_number(x_row[i]) == decimal.Decimal(row[i]), (res["name"], f["name"], x_row[i])
                        decimals_seen += "," in x_row[i]
            else:
                assert [r[i] for r in x_rows] == [r[i] for r in rows], (res["name"], f["name"])
    assert decimals_seen > 0
    header, rows = read_as_belgian_excel(out / f"fct_staffing{exports.EXCEL_SUFFIX}")
    assert any(r[header.index("plan_fte")].count(",") == 1 for r in rows)  # e.g. 1097,07 VTE
    header, rows = read_as_belgian_excel(out / f"dim_action{exports.EXCEL_SUFFIX}")
    assert any(r[header.index("title_printed")].startswith("Coördineren") for r in rows)  # not "CoÃ¶rdineren"


def test_the_csv_writers_write_what_csv_writer_writes(tmp_path):
    # files.py builds the CSV bytes with pyarrow: the same bytes as csv.writer (QUOTE_MINIMAL) over
    # csv_value / neutralise_formula of every cell, for cells as awkward as a report can print
    import random

    import pyarrow as pa

    from serving.open_data import files

    pieces = [
        "a",
        ",",
        ";",
        '"',
        "\n",
        "\r",
        "=",
        "+",
        "-",
        "@",
        "\t",
        "1",
        "9",
        ".",
        "%",
        " ",
        "'",
        "é",
        "\u0663",
        "€",
    ]
    rnd = random.Random(7)

    def text():
        return None if rnd.random() < 0.1 else "".join(rnd.choices(pieces, k=rnd.randint(0, 6)))

    def maybe(value):
        return None if rnd.random() < 0.1 else value

    n = 3000
    table = pa.table(
        {
            "text": pa.array([text() for _ in range(n)], pa.string()),
            "int": pa.array([maybe(rnd.randint(-(10**12), 10**12)) for _ in range(n)], pa.int64()),
            "flag": pa.array([maybe(rnd.random() < 0.5) for _ in range(n)], pa.bool_()),
            "eur": pa.array(
                [maybe(decimal.Decimal(rnd.randint(-(10**9), 10**9)).scaleb(-2)) for _ in range(n)],
                pa.decimal128(18, 2),
            ),
            "whole": pa.array([maybe(decimal.Decimal(rnd.randint(-999, 999))) for _ in range(n)], pa.decimal128(12, 0)),
            "day": pa.array(
                [maybe(dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randint(0, 900))) for _ in range(n)], pa.date32()
            ),
        }
    )

    def reference(table, delimiter, lineterminator, decimal_char, encoding) -> bytes:
        columns = []
        for column in table.columns:
            cells = [csv_cell(v) for v in column.to_pylist()]
            if pa.types.is_decimal(column.type):
                cells = [c.replace(".", decimal_char) for c in cells]
            columns.append(cells)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(table.column_names)
        writer.writerows(zip(*columns))
        return out.getvalue().encode(encoding)

    for case in (table, table.slice(5, 2000), table.select(["text"]), table.slice(0, 0)):
        for write, flavour in (
            (files._write_csv, (",", "\n", ".", "utf-8")),
            (files._write_excel_csv, (";", "\r\n", ",", "utf-8-sig")),
        ):
            path = tmp_path / "t.csv"
            write(case, path)
            assert path.read_bytes() == reference(case, *flavour), (write.__name__, case.num_rows, case.num_columns)


# ----------------------------------------------------------------------------- formulas in CSV


def test_neutralise_formula_rule():
    for cell in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "-cmd", "=-1"):
        assert exports.neutralise_formula(cell) == "'" + cell
    for cell in ("Coördineren", "-4.335.322", "-8,9%", "+12", "-1", "a=b", "", "'=already text"):
        assert exports.neutralise_formula(cell) == cell


def test_a_formula_in_a_title_is_neutralised_in_csv_and_kept_in_parquet(built, tmp_path):
    hostile = "=cmd|' /C calc'!A0"
    db = tmp_path / "hostile.duckdb"
    shutil.copyfile(built.db, db)
    con = duckdb.connect(str(db))
    code = con.execute("select min(action_plan_code) from marts.dim_action_plan").fetchone()[0]
    con.execute("update marts.dim_action_plan set action_plan_title = ? where action_plan_code = ?", [hostile, code])
    negative = con.execute("select count(*) from marts.fct_spending where actual_eur < 0").fetchone()[0]
    con.close()
    out = tmp_path / "export"
    export_open_data(db, out, manifest=built.manifest)
    header, rows = read_csv(out / "dim_action_plan.csv")
    _x_header, x_rows = read_as_belgian_excel(out / f"dim_action_plan{exports.EXCEL_SUFFIX}")
    i, k = header.index("action_plan_title"), header.index("action_plan_code")
    assert [r[i] for r in rows if r[k] == code] == [r[i] for r in x_rows if r[k] == code] == ["'" + hostile]
    assert not any(r[i].startswith("=") for r in rows + x_rows)
    table = pq.read_table(out / "dim_action_plan.parquet").to_pylist()
    assert [r["action_plan_title"] for r in table if r["action_plan_code"] == code] == [hostile]  # printed text
    # numbers are never prefixed: negative amounts stay numbers, in both flavours
    assert negative > 0
    for path, reader in (
        (out / "fct_spending.csv", read_csv),
        (out / f"fct_spending{exports.EXCEL_SUFFIX}", read_as_belgian_excel),
    ):
        header, rows = reader(path)
        cells = [r[header.index("actual_eur")] for r in rows]
        assert sum(c.startswith("-") for c in cells) == negative and not any(c.startswith("'") for c in cells)
    # printed numbers kept as text ("-4.335.322") are no formula and stay as printed
    header, rows = read_csv(out / "fct_spending_reported.csv")
    printed = [r[header.index("budget_raw")] for r in rows]
    assert any(re.fullmatch(r"-\d{1,3}(\.\d{3})*", c) for c in printed) and not any(c.startswith("'") for c in printed)


# ----------------------------------------------------------------------------- personal data


def test_no_personal_name_reaches_an_export_without_the_switch(built, export):
    out, _ = export
    names = built.names()
    assert len(names) >= 5 and name_variants("De Clercq Mathias") == [
        "Clercq Mathias De",
        "De Clercq Mathias",
        "Mathias De Clercq",
    ]
    files = sorted(out.iterdir())
    assert any(p.suffix == ".parquet" for p in files) and any(p.suffix == ".csv" for p in files)
    assert {p.name: names_in(p, names) for p in files} == {p.name: set() for p in files}
    assert "responsibles" not in {r["name"] for r in package(out)["resources"]}


def test_the_switch_adds_a_responsibles_resource_with_the_names(built, export_personal):
    out, summary = export_personal
    names = built.names()
    pkg = package(out)
    resources = {r["name"]: r for r in pkg["resources"]}
    assert {"responsibles", "responsibles-parquet"} <= set(resources) and pkg["containsPersonalData"] is True
    assert summary["responsibles"] == built.query("select count(*) from raw.responsibles")[0][0]
    assert resources["responsibles"]["containsPersonalData"] is True
    assert names_in(out / "responsibles.csv", names) == set(names)
    assert names_in(out / "responsibles.parquet", names) == set(names)
    others = [p for p in out.iterdir() if p.name.split(".")[0] != "responsibles" and p.name != "datapackage.json"]
    assert all(names_in(p, names) == set() for p in others)


def test_cli_honours_the_environment_switch(built, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(exports.PERSONAL_DATA_ENV, "1")
    out = tmp_path / "export"
    assert open_data_cli.main(["--database", str(built.db), "--out", str(out), "--manifest", str(built.manifest)]) == 0
    assert (out / "responsibles.csv").exists() and "includes personal data" in capsys.readouterr().out
    assert [exports.personal_data_from_env({exports.PERSONAL_DATA_ENV: v}) for v in ("1", "true", "0", "", "no")] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert exports.personal_data_from_env({}) is False


def test_a_name_in_a_mart_stops_the_export_and_keeps_the_previous_one(built, export, tmp_path):
    leaky = tmp_path / "leaky.duckdb"
    shutil.copyfile(built.db, leaky)
    name = built.names()[0]
    con = duckdb.connect(str(leaky))
    con.execute(
        "update marts.dim_service set printed_variants = printed_variants || ' | ' || ? "
        "where service_key = (select min(service_key) from marts.dim_service)",
        [" ".join(reversed(name.split()))],
    )
    con.close()
    out = tmp_path / "export"
    shutil.copytree(export[0], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(PersonalDataError, match=re.escape(name)):
        export_open_data(leaky, out, manifest=built.manifest)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "leaky.duckdb"]  # no staging folder left
