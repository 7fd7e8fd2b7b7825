"""The text rules that make other engines' PDFs read like the dumps, one pure function each:
words broken at a line end, names wrapped over lines set apart, services in small caps,
italic fonts by name."""

from __future__ import annotations

import pytest

from extract.grammar import RENDERER_HYPHENATES, document_vocabulary, guessed_break, join_lines
from extract.parser import name_goes_on, word_case_reader
from extract.pdf_lines import _italic
from extract.pdfium_lines import _visual_order


def vocabulary(*texts: str, hyphenates: bool = False) -> frozenset[str]:
    words = document_vocabulary(list(texts))
    return words | {RENDERER_HYPHENATES} if hyphenates else words - {RENDERER_HYPHENATES}


@pytest.mark.parametrize(
    "parts,words,hyphenates,joined",
    [
        (["sport-", "en cultuur"], (), False, "sport- en cultuur"),  # a suspended hyphen keeps its space
        (["efficiën\u00ad", "tie"], (), False, "efficiëntie"),  # a soft hyphen is always the renderer's
        (
            ["aanvangsbe-", "geleiding"],
            ("de aanvangsbegeleiding start",),
            False,
            "aanvangsbegeleiding",
        ),  # printed whole elsewhere
        (
            ["data-", "ontsluiting"],
            ("de data-ontsluiting loopt",),
            True,
            "data-ontsluiting",
        ),  # printed with it elsewhere
        (["UCO-", "site"], (), True, "UCO-site"),  # a capital at the joint
        (["e-", "loket"], (), True, "e-loket"),  # a short prefix
        # Nothing in the document tells: a renderer that hyphenates made the hyphen, even in a
        # long compound as long as words the document prints whole ...
        (["door-", "loopt"], ("door", "loopt", "verkeerslichten"), True, "doorloopt"),
        (
            ["Vastgoedinformatie-", "platform"],
            ("de verkeerslichtenbeïnvloeding",),
            True,
            "Vastgoedinformatieplatform",
        ),
        # ... unless the vowels would run together (Dutch spelling writes those with a hyphen)
        (["ruimte-", "efficiëntie"], ("ruimte", "efficiëntie"), True, "ruimte-efficiëntie"),
        # or the whole is longer than any word the document prints whole;
        (
            ["beleidsgebouwen-", "investeringsenveloppe"],
            ("de verkeerslichtenbeïnvloeding",),
            True,
            "beleidsgebouwen-investeringsenveloppe",
        ),
        # ... and one that does not printed it.
        (["sector-", "georganiseerde"], (), False, "sector-georganiseerde"),
    ],
)
def test_a_word_broken_at_a_line_end_is_joined_as_the_document_says(parts, words, hyphenates, joined):
    assert join_lines(parts, vocabulary(*words, hyphenates=hyphenates)) == joined


def test_a_document_hyphenates_when_its_own_words_explain_its_line_end_hyphens():
    hyphenating = ["de aanvangsbe-", "geleiding en de beleids-", "domeinen", "aanvangsbegeleiding beleidsdomeinen"]
    printing = ["de data-", "ontsluiting en de data-ontsluiting"]
    assert RENDERER_HYPHENATES in document_vocabulary(hyphenating)
    assert RENDERER_HYPHENATES not in document_vocabulary(printing)


def test_only_a_break_nothing_explains_is_a_guess():
    words = vocabulary("de aanvangsbegeleiding", hyphenates=True)
    assert guessed_break("aanvangsbe-", "geleiding", words) is None  # the document prints it whole
    assert guessed_break("door-", "loopt", words) == "doorloopt"
    assert guessed_break("door", "loopt", words) is None  # no hyphen, no question
    assert guessed_break("-", "delen", words, before="lessen.") == "- delen"  # a dash, or "-delen"?
    assert guessed_break("-", "rapportering", words, before="en") is None  # "opvolging en -rapportering"


@pytest.mark.parametrize(
    "parts,words,joined",
    [
        (["opvolging en -", "rapportering"], (), "opvolging en -rapportering"),
        (["vrijetijds-", "sport- en cultuur"], ("de sport",), "vrijetijds- sport- en cultuur"),  # a series of parts
        (["eerste-", "lijnsgezondheids- en"], ("eerstelijnsgezondheids",), "eerstelijnsgezondheids- en"),
    ],
)
def test_parts_of_words_left_out_keep_their_hyphens(parts, words, joined):
    assert join_lines(parts, vocabulary(*words, hyphenates=True)) == joined


def test_a_lone_dash_that_a_second_one_closes_opens_an_aside():
    parts = ["gebeurt op afspraak en -", "waar wettelijk mogelijk - maximaal digitaal."]
    assert (
        join_lines(parts, vocabulary(hyphenates=True))
        == "gebeurt op afspraak en - waar wettelijk mogelijk - maximaal digitaal."
    )


def test_a_break_before_a_part_the_document_also_hyphenates_is_a_guess():
    # "investeringsbudget" is printed whole, but "exploitatie-budget" too: either may be meant.
    words = vocabulary("het investeringsbudget", "extra exploitatie-budget", hyphenates=True)
    assert join_lines(["extra investerings-", "budget"], words) == "extra investeringsbudget"
    assert guessed_break("investerings-", "budget", words) == "investeringsbudget"
    assert guessed_break("investerings-", "budget", vocabulary("het investeringsbudget", hyphenates=True)) is None


@pytest.mark.parametrize(
    "before,line,goes_on",
    [
        ("Centrum voor", "Leerlingenbegeleiding CLB", True),  # ends on a linking word
        ("Welijnsbureau Sint-", "Amandsberg", True),  # ends on a hyphen
        ("Dienst syndicale", "hoofdafgevaardigden", True),  # the next line starts in lower case
        ("Welzijnsbureau", "Bloemekenswijk", True),  # another service starts with it
        ("Campus Muide", "Beheren Campus De Muide", False),  # the description below
        ("Dienst Wonen", "Via de oprichting van GentinfoPunten", False),
    ],
)
def test_a_name_set_apart_over_lines_goes_on_only_where_it_plainly_does(before, line, goes_on):
    known = {"Welzijnsbureau Gentbrugge - Ledeberg", "Campus Zwijnaarde"}
    assert name_goes_on(before, line, known) is goes_on


def test_a_service_in_capitals_takes_the_case_of_its_words_elsewhere():
    recase = word_case_reader(
        ["Dienst Wegen, Bruggen en Waterlopen"],
        ["Opmaken van het Mobiliteitsbedrijf plan"],
        ["Het IVA werkt met de dienst.", "de ontwikkeling van de stad"],
    )
    assert recase("DIENST WEGEN, BRUGGEN EN WATERLOPEN") == "Dienst Wegen, Bruggen en Waterlopen"
    assert recase("IVA MOBILITEITSBEDRIJF") == "IVA Mobiliteitsbedrijf"  # only ever in capitals: an acronym
    assert recase("ONTWIKKELING") == "Ontwikkeling"  # the first word starts with a capital
    assert recase("BELEIDSCEL POOW") == "Beleidscel POOW"  # a long first word printed nowhere else is no acronym


@pytest.mark.parametrize(
    "font,italic",
    [
        ("BAAAAA+LinLibertineOI", True),
        ("AAAAAA+LinLibertineO", False),
        ("CAAAAA+LinLibertineOB", False),
        ("LiberationSerif-Italic", True),
        ("Helvetica-Oblique", True),
        ("Helvetica", False),
        ("TimesI", False),  # a suffix counts only on a family printed on the page
    ],
)
def test_italic_is_read_from_the_font_name(font, italic):
    assert _italic(font, {"LinLibertineO", "Helvetica"}) is italic


def test_pdfiums_right_to_left_runs_come_in_the_order_printed():
    def char(text, x0, x1):
        return {"text": text, "x0": x0, "x1": x1, "bottom": 765.3}

    # "fundamente" + three Arabic letters + "derzoek": PDFium hands the letters right to left.
    logical = [
        char("e", 110.6, 115.3),
        char("ن", 125.8, 127.4),
        char("و", 121.5, 125.9),
        char("ن", 115.3, 121.5),
        char("d", 128.1, 132.8),
    ]
    printed = _visual_order(logical)
    assert [c["x0"] for c in printed] == [110.6, 115.3, 121.5, 125.8, 128.1]
    assert printed[3]["x1"] == 128.1  # the joined form is wider than the letter: it touches the "d"
    plain = [char("a", 10, 15), char("b", 15, 20), char(" ", 20, 22), char("c", 22, 27)]
    assert _visual_order(plain) == plain
