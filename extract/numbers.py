"""Belgian-style numbers as printed in the reports: `1.252.546`, `-18,4%`, `1.097,07`.

Parsing is exact (int / Decimal, never float) so that sums reconcile to the euro.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# ASCII digits only (`\d` would take Arabic-Indic digits from glyph garbage for numbers), and
# no leading zeros: a printed integer part is `0` or starts with 1-9 (`007`, `0.123` are no cells).
_INTEGER = r"-?(?:0|[1-9][0-9]{0,2}(?:\.[0-9]{3})*)"
AMOUNT = re.compile(_INTEGER)
PERCENT = re.compile(_INTEGER + r",[0-9]%")
FTE = re.compile(_INTEGER + r",[0-9]{2}")

# One printed cell, classified by shape: amount (A), percentage (P) or FTE (F).
_SHAPES = (("P", PERCENT), ("F", FTE), ("A", AMOUNT))


def shape(token: str) -> str | None:
    """'A', 'P' or 'F' when the token is a whole number cell of that shape, else None."""
    for name, pattern in _SHAPES:
        if pattern.fullmatch(token):
            return name
    return None


def _plain(text: str) -> str:
    return text.replace(".", "").replace(",", ".")


def parse_amount(text: str) -> int:
    """`-1.252.546` -> -1252546 (whole euros)."""
    if not AMOUNT.fullmatch(text):
        raise ValueError(f"not an amount: {text!r}")
    return int(text.replace(".", ""))


def parse_percent(text: str) -> Decimal:
    """`2.766.541,7%` -> Decimal('2766541.7') (percentage points, one decimal)."""
    if not PERCENT.fullmatch(text):
        raise ValueError(f"not a percentage: {text!r}")
    return Decimal(_plain(text[:-1]))


def parse_fte(text: str) -> Decimal:
    """`1.097,07` -> Decimal('1097.07') (VTE, two decimals)."""
    if not FTE.fullmatch(text):
        raise ValueError(f"not an FTE value: {text!r}")
    return Decimal(_plain(text))


def ratio_percent(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """The report's percentage: numerator/denominator in %, one decimal, 0,0% when the base is 0."""
    if denominator == 0:
        return Decimal("0.0")
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
