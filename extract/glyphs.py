"""Ligature glyphs a PDF maps to private-use code points, read back as the letters they draw.

A font's ligatures ("tt", "ffi") that the PDF gives no text for come out of the text layer as
private-use characters (U+E000–U+F8FF): "We ze\\ue03cen" for "We zetten". Which letters a code
point stands for is learnt from the document itself: the candidate that turns the most words
into words the document prints elsewhere without it. Pure: lines in, lines and findings out.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from .lines import Line

PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
LIGATURES = (
    "ff",
    "fi",
    "fl",
    "ffi",
    "ffl",
    "ft",
    "fj",
    "fb",
    "fh",
    "fk",
    "tt",
    "tz",
    "st",
    "ct",
    "sp",
    "th",
    "Th",
    "ch",
    "ck",
    "Qu",
)
# A contextual alternate stands for one letter: Linux Libertine's "f" before ")" in "(innovatief)".
ALTERNATES = tuple("abcdefghijklmnopqrstuvwxyz")


def _words(text: str) -> list[str]:
    """Words as runs of letters, a private-use character counting as a letter."""
    return re.findall(r"(?:[^\W\d_]|[\ue000-\uf8ff])+", text)


def recover_ligatures(lines: list[Line]) -> tuple[list[Line], list[tuple[str, str | None, int]]]:
    """Lines with each learnt private-use character replaced; (character, letters or None, times)."""
    if not any(PRIVATE_USE.search(l.text) for l in lines):
        return lines, []
    known = {w.lower() for l in lines for w in _words(l.text) if not PRIVATE_USE.search(w)}
    votes: dict[str, Counter] = defaultdict(Counter)
    seen: Counter = Counter()
    for line in lines:
        for word in _words(line.text):
            for char in set(PRIVATE_USE.findall(word)):
                seen[char] += 1
                for letters in LIGATURES + ALTERNATES:
                    if word.replace(char, letters).lower() in known:
                        votes[char][letters] += 1
    learnt = {char: votes[char].most_common(1)[0][0] for char in seen if votes[char]}
    findings = [(char, learnt.get(char), times) for char, times in sorted(seen.items())]
    if not learnt:
        return lines, findings
    pattern = re.compile("|".join(map(re.escape, learnt)))
    return [
        replace(l, text=pattern.sub(lambda m: learnt[m.group()], l.text)) if pattern.search(l.text) else l
        for l in lines
    ], findings
