"""Each kind of damage of REPORT_FORMAT §5 on a small report built in the test.

The lines are written like the dumps print them (001/002 with TABs, 000 with spaces and
wrapped headers); quoted numbers and texts are the real ones from the line cited.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from report_dumps import FRONT_2024

from extract.document import Source, extract_source
from extract.lines import dump_lines

# ------------------------------------------------------------------ building small reports

BUDGET_HEAD = (
    "\t\tBudget 2024\tJaarrekening 2024\t% Besteding budget 2024\tJaarrekening 2023\tJaarrekening 2024 t.o.v. 2023"
)
STAFF_HEAD = "\t\tPlan 2024\tBetaald 2024\t% Besteding plan 2024\tBetaald 2023\tBetaald 2024 t.o.v. 2023"
ZERO = "0\t0\t0,0%\t0\t0,0%"


def budget(label="Budgettaire onderbouwing", investering="Investering", **cells: str) -> list[str]:
    """A budget table; `cells` the printed cells of a row by its name (expl_out, expl_in, inv_out,
    inv_in, fin_out, fin_in), ZERO for the rows not named."""
    rows = []
    for category, name in (("Exploitatie", "expl"), (investering, "inv"), ("Financiering", "fin")):
        rows += [
            f"{category}\tUitgaven\t{cells.pop(name + '_out', ZERO)}",
            f"\tOntvangsten\t{cells.pop(name + '_in', ZERO)}",
        ]
    assert not cells, f"no such budget row: {cells}"
    return [label + BUDGET_HEAD, *rows, ""]


def staffing(cells="0,00\t0,00\t0,0%\t0,00\t0,0%", label="Onderbouwing personeel", vte="VTE\t") -> list[str]:
    return [label + STAFF_HEAD, f"{vte}\t{cells}", ""]


def tables(**kw) -> list[str]:
    return budget(**kw) + staffing()


GOAL_2024 = ["Beleidsdoelstelling SD10041", "", "We maken Gent samen met haar burgers en partners", "", *tables()]
PLAN_2024 = [
    "Actieplan",
    "",
    "OD10075\tVersterken van een toegankelijke en nabije dienstverlening\t2020 - 2027\tGroep Gent",
    "",
    *tables(),
]


def leaf(header: str | list[str], *body: str, **table_kw) -> list[str]:
    head = [header] if isinstance(header, str) else list(header)
    return ["Acties", "", *head, "", *body, *([""] if body else []), *tables(**table_kw)]


def extract_lines(lines: list[str], name: str = "fixture.txt"):
    source = Source(list(dump_lines(lines)), None, "text", [])
    return extract_source(source, Path(name), "doc").tables


def report_2024(*blocks: list[str]):
    return extract_lines([*FRONT_2024, *GOAL_2024, *PLAN_2024, *(l for b in blocks for l in b)])


def node(tables, node_id):
    return next(n for n in tables["nodes"] if n.node_id == node_id)


def leaves(tables):
    return [n for n in sorted(tables["nodes"], key=lambda n: n.position) if n.level in ("action", "project")]


def anomalies(tables, kind):
    return [a for a in tables["anomalies"] if a.kind == kind]


def budget_rows(tables, node_id):
    return sorted((r for r in tables["budget_lines"] if r.node_id == node_id), key=lambda r: r.row_no)


def cells(row):
    return (row.budget_raw, row.actual_raw, row.execution_pct_raw, row.actual_prev_raw, row.change_pct_raw)


# ------------------------------------------------------------------ a block whose header line is lost


def test_a_lost_header_keeps_its_block_and_its_money():
    # 001:L102: "Acties", then only the description and the tables
    t = report_2024(
        leaf(
            "AC34485 - Het ondersteunen van de stadsregionale en internationale werking\tDienst Internationale Netwerken en Subsidies"
        ),
        [
            "Acties",
            "",
            '- We treden op als "matchmaker" tussen subsidieopportunities en de prioritaire ambities van de Stad.',
            "",
            *tables(expl_out="1.259.206\t1.142.272\t90,7%\t1.169.943\t97,6%"),
        ],
        ["Acties", "", "- Nog een blok zonder kop.", "", *tables()],
        leaf(
            "PR40663 - Uitwerken (alternatief) organisatie- en ondersteuningsmodel adviesraden\tLopend\tUitvoering\t2023 - 2026\tDienst Beleidsparticipatie"
        ),
        ["Acties", "", "Een project zonder kop.", "", *tables()],
    )
    ids = [n.node_id for n in leaves(t)]
    assert ids == ["AC34485", "OD10075~lost1", "OD10075~lost2", "PR40663", "OD10075~lost3"]
    lost = node(t, "OD10075~lost1")
    assert (lost.code, lost.title, lost.service, lost.header_lost, lost.parent_node_id, lost.level) == (
        None,
        None,
        None,
        True,
        "OD10075",
        "action",
    )
    assert node(t, "OD10075~lost3").level == "project"  # after a project: a project, by position
    assert not node(t, "AC34485").header_lost
    rows = budget_rows(t, "OD10075~lost1")
    assert len(rows) == 6 and (rows[0].budget, rows[0].actual, rows[0].actual_prev) == (1259206, 1142272, 1169943)
    assert [r.node_id for r in t["staffing_lines"]].count("OD10075~lost1") == 1
    texts = [x.text for x in t["texts"] if x.node_id == "OD10075~lost1"]
    assert texts == [
        '- We treden op als "matchmaker" tussen subsidieopportunities en de prioritaire ambities van de Stad.'
    ]
    assert sorted(a.node_id for a in anomalies(t, "header_lost")) == ["OD10075~lost1", "OD10075~lost2", "OD10075~lost3"]


def test_a_second_table_without_marker_is_a_new_lost_block():
    t = report_2024(leaf("AC34485 - Titel\tDienst X"), budget(expl_out="5\t5\t100,0%\t5\t100,0%"))
    assert [n.node_id for n in leaves(t)] == ["AC34485", "OD10075~lost1"]
    assert budget_rows(t, "OD10075~lost1")[0].budget == 5
    assert anomalies(t, "marker_missing") and anomalies(t, "header_lost")


# ------------------------------------------------------------------ misspelt fixed labels


def test_misspelt_labels_are_read_and_reported():
    # 001:L1191, L1199 and the "Investing" rows
    t = report_2024(
        [
            "Acties",
            "",
            "AC34852 - Titel\tDienst Publiekszaken",
            "",
            *budget(label="Budgettaire onderbouwning", investering="Investing", inv_out="10\t8\t80,0%\t4\t200,0%"),
            *staffing(label="Onderbouwning personeel", cells="1,00\t1,00\t100,0%\t1,00\t100,0%"),
        ]
    )
    rows = budget_rows(t, "AC34852")
    assert [(r.category, r.direction) for r in rows][2] == ("investering", "uitgaven")
    assert rows[2].label_printed == "Investing Uitgaven" and rows[2].budget == 10
    staff = [r for r in t["staffing_lines"] if r.node_id == "AC34852"]
    assert len(staff) == 1 and staff[0].plan_fte == Decimal("1.00")
    details = " | ".join(a.detail for a in anomalies(t, "label_misspelt"))
    assert len(anomalies(t, "label_misspelt")) == 3
    for printed in ("Budgettaire onderbouwning", "Onderbouwning personeel", "Investing"):
        assert printed in details
    assert all(a.node_id == "AC34852" for a in anomalies(t, "label_misspelt"))


# ------------------------------------------------------------------ a dropped column

DROPPED_001 = [  # 001:L762-768, AC34852: the actual column is not printed
    "Budgettaire onderbouwing\tBudget 2024\tJaarrekening 2024\t% Besteding budget 2024\tJaarrekening 2023\tJaarrekening 2024 t.o.v. 2023",
    "Exploitatie\tUitgaven\t1.158.616\t106,2%\t1.178.695\t104,3%",
    "\tOntvangsten\t66.573\t139,7%\t10.836\t858,3%",
    "Investering\tUitgaven\t0\t0,0%\t0\t0,0%",
    "\tOntvangsten\t0\t0,0%\t0\t0,0%",
    "Financiering\tUitgaven\t0\t0,0%\t0\t0,0%",
    "\tOntvangsten\t0\t0,0%\t0\t0,0%",
    "",
]


def test_a_dropped_column_is_null_and_nothing_shifts():
    t = report_2024(
        [
            "Acties",
            "",
            "AC34852 - Het verder uitbouwen van de eerstelijnsdienstverlening\tDienst Publiekszaken",
            "",
            *DROPPED_001,
            *staffing(cells="15,30\t15,37\t100,5%\t16,08\t95,6%"),
        ]
    )
    rows = budget_rows(t, "AC34852")
    assert cells(rows[0]) == ("1.158.616", None, "106,2%", "1.178.695", "104,3%")
    assert cells(rows[1]) == ("66.573", None, "139,7%", "10.836", "858,3%")
    for row in rows[2:]:
        assert cells(row) == ("0", None, "0,0%", "0", "0,0%")
    assert (rows[0].budget, rows[0].actual, rows[0].execution_pct, rows[0].actual_prev, rows[0].change_pct) == (
        1158616,
        None,
        Decimal("106.2"),
        1178695,
        Decimal("104.3"),
    )
    missing = anomalies(t, "missing_cell")
    assert len(missing) == 6 and all(a.node_id == "AC34852" and a.detail.startswith("actual") for a in missing)
    assert not anomalies(t, "percentage_mismatch")


def test_a_dropped_budget_column_is_told_apart_by_the_arithmetic():
    # 001:L53 without its budget cell: actual/previous = 92,3% places 11.968.763 as the actual
    lines = budget(expl_out="11.968.763\t91,7%\t12.969.510\t92,3%", expl_in="469.401\t119,5%\t654.825\t71,7%")
    t = report_2024(["Acties", "", "AC34999 - x\tDienst X", "", *lines, *staffing()])
    rows = budget_rows(t, "AC34999")
    assert cells(rows[0]) == (None, "11.968.763", "91,7%", "12.969.510", "92,3%")
    assert cells(rows[1]) == (None, "469.401", "119,5%", "654.825", "71,7%")
    assert [(a.line, a.detail.split(" ")[0]) for a in anomalies(t, "missing_cell")] == [
        (rows[0].line, "budget"),
        (rows[1].line, "budget"),
    ]


def test_a_row_that_fits_no_column_stays_null():
    t = report_2024(leaf("AC34999 - x\tDienst X", expl_out="1\t2\t3\t4\t5\t6"))
    row = budget_rows(t, "AC34999")[0]
    assert cells(row) == (None,) * 5 and anomalies(t, "row_unreadable")


# ------------------------------------------------------------------ TABs, spaces, markup


def test_tabs_spaces_and_markup_around_cells_give_the_same_rows():
    plain = report_2024(leaf("AC34999 - x\tDienst X", expl_out="648.927\t663.509\t102,2%\t591.188\t112,2%"))
    damaged = report_2024(
        [
            "<b>Acties</b>\t",
            "",
            "AC34999 - x\t\t\t\t\t\tDienst X",
            "",
            "**Budgettaire onderbouwing**" + BUDGET_HEAD,
            "<b>Exploitatie</b>\t\t\tUitgaven\t\t648.927\t\t\t663.509\t102,2%\t\t591.188\t112,2%",  # varying TABs
            "\tOntvangsten  0  0  0,0%  0  0,0%",  # cells glued with (several) spaces
            "Investering Uitgaven 0 0 0,0% 0 0,0%",  # single spaces, as in 000
            "\t\tOntvangsten\t0\t0\t0,0%\t0\t0,0%\t",
            "Financiering\tUitgaven\t0\t0\t0,0%\t0\t0,0%",
            "\tOntvangsten\t0\t0\t0,0%\t0\t0,0%",
            "",
            "Onderbouwing personeel" + STAFF_HEAD,
            "<b>VTE</b>\t\t0,00\t0,00\t0,0%\t0,00\t0,0%",
            "",
        ]
    )
    strip = lambda rows: [(r.node_id, r.row_no, r.category, r.direction, cells(r)) for r in rows]  # noqa: E731
    assert strip(damaged["budget_lines"]) == strip(plain["budget_lines"])
    assert [r.plan_fte for r in damaged["staffing_lines"]] == [r.plan_fte for r in plain["staffing_lines"]]
    assert node(damaged, "AC34999").service == "Dienst X"
    assert not [a for a in damaged["anomalies"] if a.kind not in ("service_missing",)]


def test_markdown_markers_open_blocks():
    # 002 prints "### Beleidsdoelstelling", "#### Actieplan", "<b>Acties</b>", "**Acties**"
    t = extract_lines(
        [
            *FRONT_2024,
            "### Beleidsdoelstelling SD10021",
            "",
            "Meer Gentenaars aan het werk",
            "",
            *tables(),
            "#### Actieplan",
            "",
            "<b>OD10039</b>\tTitel\t2020 - 2027\tGroep Gent",
            "",
            *tables(),
            "#### Acties",
            "",
            "AC35518 - a\tDienst A",
            "",
            *tables(),
            "**Acties**",
            "",
            "AC35519 - b\tDienst B",
            "",
            *tables(),
            "<b>Acties</b>\t",
            "",
            "AC35520 - c\tDienst C",
            "",
            *tables(),
        ]
    )
    assert [(n.level, n.code, n.parent_node_id) for n in sorted(t["nodes"], key=lambda n: n.position)] == [
        ("goal", "SD10021", None),
        ("action_plan", "OD10039", "SD10021"),
        ("action", "AC35518", "OD10039"),
        ("action", "AC35519", "OD10039"),
        ("action", "AC35520", "OD10039"),
    ]


# ------------------------------------------------------------------ where the service is printed


def test_service_at_the_end_of_the_code_line():
    t = report_2024(leaf("AC35441 - Versterken van de lokale democratie\t\t\t\t\t\tDienst Beleidsparticipatie"))
    n = node(t, "AC35441")
    assert (n.title, n.service, n.entity) == (
        "Versterken van de lokale democratie",
        "Dienst Beleidsparticipatie",
        "stad",
    )


def test_service_on_its_own_paragraph_and_wrapped():
    t = report_2024(
        leaf(
            [
                "AC34485 - Het ondersteunen van de stadsregionale en internationale werking van stadsdiensten",
                "",
                "Dienst Internationale Netwerken en Subsidies",
            ],
            "- Internationale netwerken en agenda's evalueren, beheren en opvolgen.",
        ),
        leaf(
            [
                "ACP1710 - Het ondersteunen van de stadsregionale en internationale werking van stadsdiensten",
                "",
                "Dienst Wegen, Bruggen",
                "en Waterlopen",
            ],
            "Een beschrijving.",
        ),
    )
    assert node(t, "AC34485").service == "Dienst Internationale Netwerken en Subsidies"
    assert node(t, "ACP1710").service == "Dienst Wegen, Bruggen en Waterlopen"
    assert node(t, "ACP1710").entity == "ocmw"
    desc = {x.node_id: x.text for x in t["texts"]}
    assert desc["AC34485"] == "- Internationale netwerken en agenda's evalueren, beheren en opvolgen."
    assert "Dienst" not in desc["ACP1710"]


def test_service_glued_to_the_title_is_split_off_by_the_lexicon():
    # 001:L5622 and L5639: the same service is printed apart elsewhere in the report
    t = report_2024(
        leaf(
            "ACO1011 - Organiseren en beheren van goederentransport en magazijnen Dienst FM Welzijn",
            "Instaan voor magazijnbeheer.",
        ),
        leaf("ACO1113 - Organiseren facilitair beheer - Dienst FM Welzijn Dienst FM Welzijn"),
        leaf("ACO1200 - Iets anders\tDienst FM Welzijn"),
        leaf("ACO1300 - Een titel zonder dienst", "Een beschrijving."),
    )
    assert (node(t, "ACO1011").title, node(t, "ACO1011").service) == (
        "Organiseren en beheren van goederentransport en magazijnen",
        "Dienst FM Welzijn",
    )
    assert (node(t, "ACO1113").title, node(t, "ACO1113").service) == (
        "Organiseren facilitair beheer - Dienst FM Welzijn",
        "Dienst FM Welzijn",
    )
    assert {a.node_id for a in anomalies(t, "service_glued")} == {"ACO1011", "ACO1113"}
    # No service known to end the title: the title stays whole and the gap is reported.
    assert (node(t, "ACO1300").title, node(t, "ACO1300").service) == ("Een titel zonder dienst", None)
    assert [a.node_id for a in anomalies(t, "service_missing")] == ["ACO1300"]


def test_a_service_set_flush_against_its_title_is_told_by_the_description_repeating_the_title():
    # 001:L5076 as LibreOffice prints a grid header: no gap wider than a word space between
    # the title cell and a service the report names nowhere else.
    t = report_2024(
        leaf(
            "ACX1300 - Beheren campus Welzijnsknoop Ledeberg Campus Welzijnsknoop Ledeberg",
            "Beheren campus Welzijnsknoop Ledeberg",
        )
    )
    n = node(t, "ACX1300")
    assert (n.title, n.service) == ("Beheren campus Welzijnsknoop Ledeberg", "Campus Welzijnsknoop Ledeberg")
    assert [x.text for x in t["texts"] if x.node_id == "ACX1300"] == ["Beheren campus Welzijnsknoop Ledeberg"]
    assert [a.node_id for a in anomalies(t, "header_columns")] == ["ACX1300"]


def test_project_header_with_status_phase_period_and_service():
    # 001:L1688
    t = report_2024(
        leaf(
            "PR40751 - Ontwikkelen Fundament Meta Projectendatabank (RADAR)\t\tAfgewerkt\tNazorg\t2020 - 2024\tDienst Wegen, Bruggen en Waterlopen\t"
        )
    )
    n = node(t, "PR40751")
    assert (n.level, n.title, n.status, n.phase, n.period_start, n.period_end, n.service) == (
        "project",
        "Ontwikkelen Fundament Meta Projectendatabank (RADAR)",
        "Afgewerkt",
        "Nazorg",
        2020,
        2024,
        "Dienst Wegen, Bruggen en Waterlopen",
    )


def test_service_name_typos_are_kept_as_printed():
    # 001:L3668 "Organisaatiebrede", 002:L3084 "Welijnsbureau" (split a group-by, but are printed so)
    t = report_2024(
        leaf("AC35118 - overige algemene financiering\tDienst Organisaatiebrede budgetten"),
        leaf(
            [
                "ACC2210 - Aanbieden van maatgerichte hulp -en dienstverlening in Welzijnsbureau Bloemekenswijk (hulpverleners)",
                "",
                "Welijnsbureau Bloemekenswijk",
            ],
            "Binnen elk Welzijnsbureau wordt er decentraal hulp geboden.",
        ),
    )
    assert node(t, "AC35118").service == "Dienst Organisaatiebrede budgetten"
    assert node(t, "ACC2210").service == "Welijnsbureau Bloemekenswijk"


# ------------------------------------------------------------------ prose


def test_codes_quoted_in_prose_open_no_block():
    t = report_2024(
        leaf("ACC2213 - Titel\tDienst Welzijn", "Zie omschrijving ACC2212."),
        leaf(
            "AC35000 - Titel\tDienst Integriteit",
            "Realisatie Deel 1 Uitbouwen van een gedragen integriteitsbeleid (PR40521). Vorming: elk jaar.",
            "PR40521 werd in 2024 afgerond.",
            "OD10071 en SD10041 blijven lopen.",
        ),
    )
    assert [n.code for n in leaves(t)] == ["ACC2213", "AC35000"]
    text = " ".join(x.text for x in t["texts"] if x.node_id == "AC35000")
    assert "(PR40521)" in text and "PR40521 werd in 2024 afgerond." in text and "OD10071 en SD10041" in text
    assert [x.text for x in t["texts"] if x.node_id == "ACC2213"] == ["Zie omschrijving ACC2212."]


def test_glyph_garbage_in_prose_is_kept():
    # 001:L1690: Arabic letters inside a Dutch word
    garbage = "Vanuit het fundamenteنونderzoek een onderzoeksfcie voorbereiden die ter goedkeuring wordt voorgelegd"
    t = report_2024(leaf("PR40751 - Ontwikkelen Fundament\t\tAfgewerkt\tNazorg\t2020 - 2024\tDienst Wegen", garbage))
    assert [x.text for x in t["texts"] if x.node_id == "PR40751"] == [garbage]


def test_achievements_and_indicators_are_sections():
    t = report_2024(
        leaf(
            "AC34999 - x\tDienst X",
            "Een beschrijving.",
            "",
            "Wat hebben we bereikt?",
            "",
            "We hebben veel bereikt.",
            "Wat stellen we vast?: Het aandeel nam toe.",
        )
    )
    sections = [(x.section, x.text) for x in t["texts"] if x.node_id == "AC34999"]
    assert sections == [
        ("description", "Een beschrijving."),
        ("achievements", "We hebben veel bereikt."),
        ("indicator", "Wat stellen we vast?: Het aandeel nam toe."),
    ]


# ------------------------------------------------------------------ the 2021 layout (000)

BUDGET_2021 = [
    " Budgettaire onderbouwing ",
    "Budget  ",
    "",
    "2021 ",
    "",
    "Jaarrekening  ",
    "2021 ",
    "",
    "% Besteding budget  ",
    "2021 ",
    "",
    "Jaarrekening  ",
    "2020 ",
    "",
    "Jaarrekening 2021  t.o.v. ",
    "2020 ",
    "",
    "Exploitatie ",
    "Uitgaven {} ",
    "",
    "Ontvangsten 0 0 0,0% 0 0,0% ",
    "",
    "Investering ",
    "Uitgaven 0 0 0,0% 0 0,0% ",
    "",
    "Ontvangsten 0 0 0,0% 0 0,0% ",
    "",
    "Financiering ",
    "Uitgaven 0 0 0,0% 0 0,0% ",
    "",
    "Ontvangsten 0 0 0,0% 0 0,0% ",
    "",
    "  ",
    " ",
    "",
]


def budget_2021(expl_out="0 0 0,0% 0 0,0%") -> list[str]:
    return [line.replace("{}", expl_out) for line in BUDGET_2021]


FRONT_2021 = [
    "",
    "Jaarrekening 2021 ",
    " ",
    "Documentatie ",
    "",
    "District09 – Botermarkt  1, 9000 Gent - BE0749998654 ",
    "",
    " ",
]
GOAL_2021 = [
    "Beleidsdoelstelling SD10011 ",
    "",
    "Gent verruimt het woonaanbod en maakt bestaande woningen ",
    "kwaliteitsvoller en energiezuiniger  ",
    "",
    " ",
    "",
]


def report_2021(*blocks: list[str]):
    return extract_lines([*FRONT_2021, *GOAL_2021, *(l for b in blocks for l in b)])


def test_2021_wrapped_titles_plan_headers_and_responsible():
    t = report_2021(
        [
            "Actieplan ",
            "",
            "OD10025   ",
            "",
            "Versterken van een efficiënt vergunnings-, controle- en handhavingsbeleid ",
            "voor werken en andere innames van publieke ruimte, afgestemd op de ",
            "",
            "minderhinderprincipes ",
            "",
            "2020 - 2025 Groep Gent Watteeuw Filip ",
            "",
            " ",
            " ",
            "",
            *budget_2021(),
        ],
        [
            "Acties ",
            "",
            "PR63000 - Fase 2 - Verdere ontwikkeling van een beheerpakket voor aanmaak, verwerking en beheer ",
            "van GAS4-boetes (District09)  ",
            "",
            "Lopend Onderzoek 2022 - 2025 ",
            " Pakketoplossingen ",
            "",
            " ",
            " ",
            "",
            *budget_2021("1.000 900 90,0% 0 0,0%"),
        ],
        [
            "Acties ",
            "",
            "ACAR004 - Organiseren van interne werking District09      Financiën en ",
            "Administratie ",
            "",
            " ",
            "",
            *budget_2021(),
        ],
        [
            "Acties ",
            "",
            "PR63012 - Blockchain en Energielening  Lopend Onderzoek 2022 - 2025  ERP ",
            "",
            *budget_2021(),
        ],
        # page tops marked only by a leading space (000:L222); a one-line plan header (000:L441)
        [
            " Actieplan ",
            "",
            "PO10053   Logistieke huisvesting 2021 - 2025 Groep Gent El-Bazioui Hafsa ",
            "",
            *budget_2021(),
            " Acties ",
            "",
            "PR63099 - Verhuis  Lopend Uitvoering 2021 - 2022  Facility ",
            "",
            *budget_2021(),
        ],
    )
    po = node(t, "PO10053")
    assert (po.level, po.title, po.parent_node_id, po.period_start, po.period_end, po.owner) == (
        "action_plan",
        "Logistieke huisvesting",
        "SD10011",
        2021,
        2025,
        "Groep Gent",
    )
    assert (node(t, "PR63099").parent_node_id, node(t, "PR63099").service) == ("PO10053", "Facility")
    goal = node(t, "SD10011")
    assert goal.title == "Gent verruimt het woonaanbod en maakt bestaande woningen kwaliteitsvoller en energiezuiniger"
    plan = node(t, "OD10025")
    assert plan.title == (
        "Versterken van een efficiënt vergunnings-, controle- en handhavingsbeleid voor werken en andere "
        "innames van publieke ruimte, afgestemd op de minderhinderprincipes"
    )
    assert (plan.period_start, plan.period_end, plan.owner) == (2020, 2025, "Groep Gent")
    # The alderman's name is personal data: in the responsibles table only.
    assert [(r.node_id, r.name) for r in t["responsibles"]] == [
        ("OD10025", "Watteeuw Filip"),
        ("PO10053", "El-Bazioui Hafsa"),
    ]
    assert not [n for n in t["nodes"] if "Watteeuw" in " ".join(str(v) for v in vars(n).values())]
    p = node(t, "PR63000")
    assert (p.title, p.status, p.phase, p.period_start, p.period_end, p.service, p.entity) == (
        "Fase 2 - Verdere ontwikkeling van een beheerpakket voor aanmaak, verwerking en beheer van GAS4-boetes (District09)",
        "Lopend",
        "Onderzoek",
        2022,
        2025,
        "Pakketoplossingen",
        "district09",
    )
    assert (node(t, "ACAR004").title, node(t, "ACAR004").service) == (
        "Organiseren van interne werking District09",
        "Financiën en Administratie",
    )
    assert (node(t, "PR63012").title, node(t, "PR63012").service, node(t, "PR63012").status) == (
        "Blockchain en Energielening",
        "ERP",
        "Lopend",
    )
    rows = budget_rows(t, "PR63000")
    assert [(r.category, r.direction) for r in rows][:2] == [
        ("exploitatie", "uitgaven"),
        ("exploitatie", "ontvangsten"),
    ]
    assert (rows[0].budget, rows[0].actual, rows[0].execution_pct, rows[0].year, rows[0].previous_year) == (
        1000,
        900,
        Decimal("90.0"),
        2021,
        2020,
    )
    assert not t["staffing_lines"]  # 2021: staffing not reported (not 0)
    assert {a.node_id for a in anomalies(t, "title_wrapped")} >= {"OD10025", "PR63000"}


def test_2021_page_header_inside_a_sentence_is_dropped_and_the_paragraph_rejoined():
    # 000:L3706-3718
    t = report_2021(
        [
            "Actieplan ",
            "",
            "OD10087   ",
            "",
            "Aanbieden van een facilitaire dienstverlening ",
            "",
            "2020 - 2025 Groep Gent Bracke Sofie ",
            "",
            "Wat hebben we bereikt? ",
            "",
            "Het beleid van departement FM is met de nodige expertise ondersteund.  ",
            "-We werken verder aan kwalitatieve dienstverlening. Naast de dagelijkse werking is ingezet op "
            "optimalisatie van ondersteuning op vlak van fin, ",
            "",
            "",
            "",
            " ",
            "",
            "District09 / Jaarrekening 2021 / Overzicht van alle beleidsdoelstellingen, met de bijbehorende actieplannen en acties  ",
            " ",
            "",
            " ",
            "",
            "communicatie, HR, overheidsopdrachten, processen, data en applicatie.  ",
            "-De beleidsnota departement FM is gefinaliseerd.    ",
            "",
            " ",
            " ",
            "",
            *budget_2021(),
        ],
    )
    text = next(x.text for x in t["texts"] if x.node_id == "OD10087" and x.section == "achievements")
    assert "op vlak van fin, communicatie, HR, overheidsopdrachten" in text.replace("\n", " ")
    assert "fin,\ncommunicatie" not in text  # one paragraph, not two
    assert "Jaarrekening 2021 /" not in " ".join(x.text for x in t["texts"])
    assert [a.line for a in anomalies(t, "page_header_removed")] == [len(FRONT_2021) + len(GOAL_2021) + 18]


# ------------------------------------------------------------------ not a report, or a broken one


@pytest.mark.parametrize(
    "lines,reason",
    [
        (
            ["Jaarrekening 2024", "", "Een gewone tekst over Gent.", "Acties", "AC12345 - x"],
            "not an annual-account report",
        ),
        (["Beleidsdoelstelling", "", "zonder code"], "goal marker without an SD code"),
        (["Beleidsdoelstelling SD10001", "", "Titel", "", "Actieplan", "", "Geen code hier"], "without an OD/PO code"),
        (["Beleidsdoelstelling SD10001", "", "Titel", "", "Acties", "", "AC12345 - x"], "before any action plan"),
    ],
)
def test_text_that_breaks_the_grammar_is_refused_with_a_reason(lines, reason):
    from extract.errors import ExtractionError

    with pytest.raises(ExtractionError) as err:
        extract_lines(lines, name="weird.txt")
    assert "weird.txt" in str(err.value) and reason in str(err.value)


def test_dump_lines_count_newlines_only(tmp_path):
    """Lineage cites dump lines as `001:L762`: a form feed (pdftotext page break) or U+2028 starts no line."""
    from extract.document import extract_file

    lines = [
        *FRONT_2024,
        *GOAL_2024,
        *PLAN_2024,
        "\fActies",
        "",
        "AC34485 - Titel\tDienst X",
        "",
        "Een zin\u2028met een scheiding.",
        "",
        *tables(expl_out="7\t7\t100,0%\t7\t100,0%"),
    ]
    path = tmp_path / "formfeed.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    t = extract_file(path).tables
    row = budget_rows(t, "AC34485")[0]
    assert row.budget == 7 and lines[row.line - 1] == "Exploitatie\tUitgaven\t7\t7\t100,0%\t7\t100,0%"
    assert node(t, "AC34485").line == lines.index("AC34485 - Titel\tDienst X") + 1


# ------------------------------------------------------------------ bidirectional controls (issue 19.7)


def test_a_bidi_override_is_kept_as_printed_and_recorded_on_its_line():
    # "Trojan Source": U+202E makes a viewer show "fdp.exe" reversed; the title keeps every character
    title = "Titel met \u202eexe.fdp\u202c erin"
    t = report_2024(leaf(f"AC35118 - {title}\tDienst Welzijn"), leaf("AC35119 - Gewone titel\tDienst Welzijn"))
    assert node(t, "AC35118").title == title
    found = anomalies(t, "bidi_control")
    assert len(found) == 1  # one line holds controls; the clean header does not
    assert "U+202C POP DIRECTIONAL FORMATTING" in found[0].detail and "U+202E RIGHT-TO-LEFT OVERRIDE" in found[0].detail
    assert found[0].raw_text.startswith("AC35118") and found[0].line is not None


def test_the_samples_have_no_bidi_controls(extracted):
    assert not [
        a for s in ("000", "001", "002") for a in extracted(s, "text").tables["anomalies"] if a.kind == "bidi_control"
    ]
