"""Undo the markup that text converters add around the printed words.

The dumps come from different converters (plain, `pdftotext -layout`, markdown-ish).
A PDF never shows `###`, `**`, `<b>` or backslash escapes: it shows the words. Both the
sample renderer and the text-dump reader go through `clean_line`, so a dump and its
rendered PDF carry the same printed text.
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^\s*#{1,6}\s+")
_TAGS = re.compile(r"</?(?:b|i|u|strong|em|sup|sub)>", re.IGNORECASE)
_BOLD = re.compile(r"\*\*")
# A converter may escape twice ("Stad\\\\_Gent"): however many backslashes, the PDF shows the character.
_ESCAPE = re.compile(r"\\+([\\*_#\[\]()`>-])")
# Links print their text only; an autolink "<https://…>" prints the address.
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
# Two or more spaces (or any tab) separate cells in the layout dumps; one tab stands for all.
_GAP = re.compile(r"[ \u00a0]*\t[\t \u00a0]*|[ \u00a0]{2,}")
_RULE = re.compile(r"^[\s\-|:]*-[\s\-|:]*$")


def clean_line(raw: str) -> str:
    """Printed text of one dump line: markup removed, cell gaps as single TABs, ends trimmed."""
    line = _HEADING.sub("", raw)
    line = _TAGS.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _BOLD.sub("", line)
    line = _ESCAPE.sub(r"\1", line)
    line = _GAP.sub("\t", line)
    return line.strip(" \t\u00a0\r\n\f\v")


def is_rule(line: str) -> bool:
    """A markdown table rule (`---\t----`): converter syntax, not printed text."""
    return bool(line) and bool(_RULE.match(line))
