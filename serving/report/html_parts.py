"""Small HTML/SVG markup helpers: attributes, coordinates, shortened labels, tables."""

from __future__ import annotations

from html import escape


def _f(x: float) -> str:
    """An SVG coordinate, fixed precision so the output is byte-stable."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(**attrs) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(name if value is True else f'{name}="{escape(str(value), quote=True)}"')
    return (" " + " ".join(parts)) if parts else ""


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _table(headers: list[tuple[str, bool]], rows: list[str], caption: str) -> str:
    head = "".join(
        f'<th scope="col"{_attrs(class_="n" if numeric else None)}>{escape(h)}</th>' for h, numeric in headers
    )
    return (
        f'<table><caption class="visually-hidden">{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def _td(text: str, value=None, numeric: bool = True, cls: str | None = None) -> str:
    classes = " ".join(c for c in ("n" if numeric else None, cls) if c)
    return f"<td{_attrs(class_=classes or None, data_value=value)}>{text}</td>"


def _fallback(summary: str, table: str, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>\n{table}\n</details>"
