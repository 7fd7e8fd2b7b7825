"""The Belgian number parser: examples, round trips and garbage (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from extract.number_format import format_amount
from extract.numbers import parse_amount, parse_fte, parse_percent, ratio_percent, shape
from extract.tables import percentage_consistent

# ------------------------------------------------------------------ an own Belgian formatter


def be_int(n: int) -> str:
    digits = str(abs(n))
    groups = []
    while digits:
        digits, groups = digits[:-3], [digits[-3:], *groups]
    return ("-" if n < 0 else "") + ".".join(groups)


def be_decimal(value: Decimal, places: int) -> str:
    """Decimal('-1097.07'), 2 -> '-1.097,07'."""
    scaled = int(value.scaleb(places))
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{be_int(whole)},{frac:0{places}d}"


# ------------------------------------------------------------------ examples


@pytest.mark.parametrize(
    "text,value",
    [
        ("0", 0),
        ("7", 7),
        ("999", 999),
        ("1.000", 1000),
        ("-1.252.546", -1252546),
        ("13.057.602", 13057602),
        ("522.707.722", 522707722),
    ],
)
def test_amounts(text, value):
    assert parse_amount(text) == value and shape(text) == "A"
    assert format_amount(value) == text


@pytest.mark.parametrize(
    "text,value",
    [
        ("0,0%", "0.0"),
        ("-18,4%", "-18.4"),
        ("-0,3%", "-0.3"),
        ("100,0%", "100.0"),
        ("5.475,1%", "5475.1"),
        ("2.766.541,7%", "2766541.7"),
    ],
)
def test_percentages(text, value):
    assert parse_percent(text) == Decimal(value) and shape(text) == "P"


@pytest.mark.parametrize(
    "text,value", [("0,00", "0.00"), ("0,08", "0.08"), ("76,70", "76.70"), ("1.097,07", "1097.07")]
)
def test_fte(text, value):
    parsed = parse_fte(text)
    assert parsed == Decimal(value) and parsed.as_tuple().exponent == -2 and shape(text) == "F"


GARBAGE = [
    "",
    " ",
    "-",
    "--1",
    "+5",
    "1.25",
    "1,252",
    "1.2345",
    "1.000.00",
    "12 ",
    " 12",
    "1 000",
    "1e3",
    "1_000",
    "12,34%",
    "12%",
    "1,0",
    "1,000",
    "%",
    ",5%",
    "0,5",
    "007",
    "0.123",
    "00,0%",
    "٣",
    "١٢٣",
    "٣,٣%",
    "١,٠٠",
    "NaN",
    "Infinity",
    "1.097,07%",
    "€ 12",
    "12€",
    "−5",  # U+2212 minus is not the printed '-'
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_refused_by_every_parser(text):
    for parse in (parse_amount, parse_percent, parse_fte):
        with pytest.raises(ValueError):
            parse(text)


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_has_no_cell_shape(text):
    assert shape(text) is None


def test_shapes_do_not_overlap():
    assert (shape("1.000"), shape("1.000,00"), shape("1.000,0%"), shape("1,0")) == ("A", "F", "P", None)


# ------------------------------------------------------------------ properties

AMOUNTS = st.integers(min_value=-(10**15), max_value=10**15)


@given(AMOUNTS)
@example(0)
@example(-1000)
@example(999_999)
def test_amount_round_trip(n):
    text = be_int(n)
    assert parse_amount(text) == n
    assert format_amount(n) == text
    assert shape(text) == "A"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=1, allow_nan=False, allow_infinity=False))
def test_percent_round_trip(value):
    text = be_decimal(value, 1) + "%"
    parsed = parse_percent(text)
    assert parsed == value and parsed.as_tuple().exponent == -1
    assert shape(text) == "P"


@given(st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False, allow_infinity=False))
def test_fte_round_trip(value):
    text = be_decimal(value, 2)
    assert parse_fte(text) == value
    assert shape(text) == "F"


def _canonical(value, kind: str) -> set[str]:
    """The printings of a parsed value; '-0' is how a report prints a negative amount rounded to 0."""
    if kind == "A":
        forms = {be_int(value)}
    else:
        forms = {be_decimal(value, 1) + "%" if kind == "P" else be_decimal(value, 2)}
    return forms | {"-" + f for f in forms if not f.startswith("-") and not value}


CELLISH = st.text(alphabet="0123456789.,%- ٣١e", max_size=14)


@settings(max_examples=400)
@given(st.one_of(CELLISH, st.text(max_size=12)))
@example("007")
@example("1.23")
@example("١٢٣")
@example("-0")
def test_garbage_never_parses_silently(text):
    """A string either parses to a value whose Belgian printing it is, or raises ValueError."""
    for kind, parse in (("A", parse_amount), ("P", parse_percent), ("F", parse_fte)):
        try:
            value = parse(text)
        except ValueError:
            continue
        assert text in _canonical(value, kind), (kind, text, value)
        assert shape(text) == kind


@given(AMOUNTS, AMOUNTS.filter(bool))
def test_ratio_percent_is_the_ratio_rounded_half_up(numerator, denominator):
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    got = ratio_percent(numerator, denominator)
    assert abs(got - exact) <= Decimal("0.05")
    assert got.as_tuple().exponent == -1


def test_ratio_percent_examples():
    assert ratio_percent(5, 0) == 0  # a zero base prints 0,0%
    assert ratio_percent(1, 2000) == Decimal("0.1")  # 0,05 rounds half up
    assert ratio_percent(-1, 2000) == Decimal("-0.1")
    assert ratio_percent(11968763, 13057602) == Decimal("91.7")  # 001:L53


@pytest.mark.parametrize(
    "printed,num,den,ok",
    [
        ("124.5", 1270, 1020, True),  # 001: 1.020 -> 1.270
        ("105.1", 179, 170, True),  # 002: amounts rounded, the report divides the unrounded ones
        ("125.5", 1270, 1020, False),
        ("0.0", 0, 0, True),
        ("0.0", 5, 0, True),
        ("2766541.7", 11066, 0, True),  # a base that rounds to 0 gives a huge %
        ("50.0", 100, 0, False),
        ("-18.4", -184, 1000, True),
    ],
)
def test_percentage_consistent(printed, num, den, ok):
    assert percentage_consistent(Decimal(printed), num, den, Decimal("0.5")) is ok
