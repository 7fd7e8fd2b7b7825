"""Numbers as the report prints them (Belgian style) and as its data-value attributes hold them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from extract.number_format import belgian


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def number(value, decimals: int = 0) -> str:
    """Belgian style: '.' for thousands, ',' for decimals: 1.234.567 / 1.097,07 / -18,4."""
    d = _dec(value)
    if d is None:
        return "–"
    return belgian(d, decimals)


def eur(value) -> str:
    return "–" if value is None else f"{number(value)} €"


def pct(value) -> str:
    return "–" if value is None else f"{number(value, 1)}%"


def fte(value) -> str:
    return "–" if value is None else number(value, 2)


def raw_value(value, decimals: int | None = None) -> str:
    """The value for a data-value attribute: plain decimal notation, '' for null."""
    d = _dec(value)
    if d is None:
        return ""
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{d:f}"


def ratio_pct(numerator, denominator) -> Decimal | None:
    """numerator / denominator × 100, one decimal (half up); null for a zero or null denominator."""
    n, d = _dec(numerator), _dec(denominator)
    if n is None or d is None or d == 0:
        return None
    return (n * 100 / d).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
