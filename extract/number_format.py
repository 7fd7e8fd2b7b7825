"""Numbers written the way the reports print them (`1.234.567`, `91,7`, `1.097,07`): the one
formatter of the project, on babel's `nl_BE` locale (`extract.numbers` parses them back)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal


def belgian(value: Decimal | int | float | str, decimals: int = 0) -> str:
    """`value` with `decimals` places, half up as the reports round (babel alone rounds half even)."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, format="#,##0" + ("." + "0" * decimals if decimals else ""), locale="nl_BE")


def format_amount(value: int) -> str:
    """Inverse of `extract.numbers.parse_amount`: 1252546 -> '1.252.546'."""
    return belgian(value)
