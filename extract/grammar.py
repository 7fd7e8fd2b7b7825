"""The line grammar shared by every layout: block markers, codes, labels, headers.

Pure functions from printed text to small values. Everything is anchored on words and
codes printed in the report, never on positions on a page.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass

# Markers are capitalised words of their own; "acties" in lower case is prose.
GOAL_MARKER = re.compile(r"^(?:Beleidsdoelstelling|BELEIDSDOELSTELLING)\b\s*(?P<code>SD[0-9]{5})?\s*(?P<rest>.*)$")
PLAN_MARKER = re.compile(r"^(?:Actieplan|ACTIEPLAN)\b\s*(?P<rest>.*)$")
LEAF_MARKER = re.compile(r"^(?:Acties|ACTIES)\b\s*(?P<rest>.*)$")
PLAN_CODE = re.compile(r"^(?P<code>(?:OD|PO)[0-9]{5})\b[\s\-–:]*(?P<rest>.*)$")
GOAL_CODE = re.compile(r"^(?P<code>SD[0-9]{5})\b[\s\-–:]*(?P<rest>.*)$")
LEAF_CODE = re.compile(r"^(?P<code>(?:AC|PR)[A-Z0-9]{5})\b\s*(?:[-–]\s*)?(?P<rest>.*)$")
# Tolerant on purpose: the reports misspell these ("onderbouwning", "Onderbouwning").
TABLE_MARKER = re.compile(r"^(?P<label>Budgettaire\s+onderbouw\w*|Onderbouw\w*\s+personeel)\b\s*(?P<rest>.*)$", re.I)
# Words of the column headers of both tables ("Budget 2024", "% Besteding plan 2024",
# "Jaarrekening 2024 t.o.v. 2023", "Betaald 2023"): a renderer may wrap them over lines.
TABLE_HEADER_WORD = re.compile(r"^(?:%|budget|jaarrekening|besteding|plan|betaald|t\.o\.v\.?|(?:19|20)\d{2})$", re.I)
ACHIEVEMENTS = re.compile(r"^Wat hebben we bereikt\s*\?\s*(?P<rest>.*)$", re.I)
INDICATOR = re.compile(r"^(?P<label>Wat stellen we vast|Wat valt op)\s*\?\s*:?", re.I)
# The same label after a sentence inside a line: a renderer flowed it into the paragraph before.
INDICATOR_INSIDE = re.compile(r"(?<=[.!?:;)] )(?=(?:Wat stellen we vast|Wat valt op)\s*\?)", re.I)
PERIOD = re.compile(r"(?<![0-9])(?P<start>(?:19|20)[0-9]{2})\s*-\s*(?P<end>(?:19|20)[0-9]{2})(?![0-9])")
# Case-insensitive: a design may set the meta line in small caps ("LOPEND", "GROEP GENT");
# the printed word is read as the report's own spelling (`canonical`).
STATUSES = ("Lopend", "Afgewerkt", "Stopgezet", "On hold", "Nog niet gestart")
PHASES = ("Onderzoek", "Ontwerp", "Uitvoering", "Nazorg")
_ANY_SPACING = r"\s+"
PROJECT_STATUS = re.compile(
    r"\b(?P<status>"
    + "|".join(s.replace(" ", _ANY_SPACING) for s in STATUSES)
    + r")\s+(?P<phase>"
    + "|".join(PHASES)
    + ")"
    r"\s+(?P<start>(?:19|20)[0-9]{2})\s*-\s*(?P<end>(?:19|20)[0-9]{2})(?![0-9])",
    re.I,
)
# The status and phase that open a project's meta cells, its period perhaps wrapped below.
STATUS_AND_PHASE = re.compile(
    r"\b(?P<status>"
    + "|".join(s.replace(" ", _ANY_SPACING) for s in STATUSES)
    + r")\s+(?P<phase>"
    + "|".join(PHASES)
    + r")\b",
    re.I,
)
GROUP_OWNER = re.compile(r"^\s*(?P<owner>Groep\s+Gent)\b\s*(?P<rest>.*)$", re.I)
# Typography between the cells of a header's meta line: "Lopend · Ontwerp · 2018 - 2020 · Dienst X".
META_SEPARATOR = re.compile(r"\s+[·|•▪◦]\s+|\s+[·|•▪◦]$|^[·|•▪◦]\s+")


def canonical(printed: str, vocabulary: tuple[str, ...]) -> str:
    """The vocabulary's spelling of a word printed in another case or spacing ("NOG NIET GESTART")."""
    key = " ".join(printed.split()).lower()
    return next((v for v in vocabulary if v.lower() == key), printed)


def without_separators(text: str) -> str:
    """Header text with meta-line separators read as cell gaps (TABs)."""
    return META_SEPARATOR.sub("\t", text)


# A page header that survived in the text layer, e.g. "District09 / Jaarrekening 2021 / Overzicht …".
EMBEDDED_PAGE_HEADER = re.compile(r"^[^/\t]{2,60} / Jaarrekening [0-9]{4} / ", re.I)
# A table-of-contents entry ends with its page number: "OD10071 - Title<TAB>12".
TOC_ENTRY_END = re.compile(r"\s(?P<page>[0-9]{1,4})\s*$")
ENTITY_LINE = re.compile(
    r"^(?P<name>Stad Gent|OCMW Gent|District09)\s*[-–].*?\b(?P<number>BE\s?[0-9]{4}\s?[0-9]{3}\s?[0-9]{3}|BE\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{3})\s*$"
)

# Stad codes are 5 digits, OCMW codes a letter and 4 digits (REPORT_FORMAT §1).
STAD_CODE = re.compile(r"^(?:AC|PR)[0-9]{5}$")
OCMW_CODE = re.compile(r"^(?:AC|PR)[A-Z][0-9]{4}$")
DISTRICT09_CODE = re.compile(r"^(?:AC[A-Z]{2}[0-9]{3}|PR[0-9]{5})$")

CATEGORIES = ("exploitatie", "investering", "financiering")
DIRECTIONS = ("uitgaven", "ontvangsten")
STAFFING_LABEL = "vte"
TERMINAL = (".", "!", "?", ":", ";")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance; labels are short, so the quadratic version is fine."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Label:
    canonical: str  # e.g. "investering"
    printed: str  # e.g. "Investing"

    @property
    def misspelt(self) -> bool:
        return self.printed.lower() != self.canonical


@functools.lru_cache(maxsize=4096)  # the same few printed words, thousands of times per report
def match_label(word: str, vocabulary: tuple[str, ...], max_distance: int = 2) -> Label | None:
    """The vocabulary word this printed word stands for, tolerating small misspellings."""
    lowered = word.lower()
    if len(lowered) < 3:
        return None
    best = min(vocabulary, key=lambda v: edit_distance(lowered, v))
    if edit_distance(lowered, best) <= max_distance:
        return Label(best, word)
    return None


def leaf_entity(code: str, layout: str) -> str | None:
    """Entity that owns a leaf code, or None when the code shape is unknown for the layout."""
    if layout == "district09":
        return "district09" if DISTRICT09_CODE.match(code) else None
    if STAD_CODE.match(code):
        return "stad"
    if OCMW_CODE.match(code):
        return "ocmw"
    return None


def is_block_start(text: str) -> bool:
    """Lines that always open something new: block markers and table markers."""
    return bool(
        (GOAL_MARKER.match(text) and _marker_only(GOAL_MARKER, text))
        or (PLAN_MARKER.match(text) and _marker_only(PLAN_MARKER, text))
        or (LEAF_MARKER.match(text) and _marker_only(LEAF_MARKER, text))
        or TABLE_MARKER.match(text)
        or ACHIEVEMENTS.match(text)
    )


def must_match(pattern: re.Pattern[str], text: str) -> re.Match[str]:
    """The match of a pattern the caller has already seen match `text` (typed as never None)."""
    m = pattern.match(text)
    if m is None:
        raise ValueError(f"{pattern.pattern!r} does not match {text!r}")
    return m


def _marker_only(pattern: re.Pattern[str], text: str) -> bool:
    """A marker word opens a block only when it stands alone or is followed by a code."""
    rest = must_match(pattern, text).group("rest")
    return not rest or bool(GOAL_CODE.match(rest) or PLAN_CODE.match(rest) or LEAF_CODE.match(rest))


def marker_kind(text: str) -> str | None:
    """'goal', 'plan' or 'leaf' for a block marker line, else None."""
    goal = GOAL_MARKER.match(text)
    if goal and (goal.group("code") or not goal.group("rest")):
        return "goal"
    for kind, pattern in (("plan", PLAN_MARKER), ("leaf", LEAF_MARKER)):
        if pattern.match(text) and _marker_only(pattern, text):
            return kind
    return None


def is_table_header_fragment(text: str) -> bool:
    """A line made only of column-header words: a piece of a wrapped table header row."""
    words = text.split()
    return bool(words) and all(TABLE_HEADER_WORD.match(w) for w in words)


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(TERMINAL)


def looks_like_service(text: str) -> bool:
    """A responsible-service line: a short name, not a sentence, not a bullet or table."""
    words = text.split()
    return (
        0 < len(words) <= 10
        and len(text) <= 80
        and not ends_sentence(text)
        and ". " not in text
        and not text.startswith(("-", "•", "*", "("))
        and not text[0].isdigit()
        and not is_block_start(text)
        and not LEAF_CODE.match(text)
    )


def collapse(text: str) -> str:
    """One space between words (cell gaps included)."""
    return " ".join(text.split())


# A word broken at a line end: "ruimte-" / "efficiëntie" (a hyphen printed in the word) or
# "effi-" / "ciëntie" (a hyphen the renderer added). U+00AD is always the renderer's.
LINE_END_HYPHENS = ("-", "\u2010", "\u00ad")
# "sport- en cultuurleven", "stads- of gemeentegrenzen": a hyphen standing for a word part
# left out is followed by a conjunction, with a space.
SUSPENDED_BEFORE = frozenset({"en", "of", "tot", "noch", "als", "and", "or", "&"})
_WORD_EDGE = re.compile(r"^[^\w]+|[^\w-]+$")


def _bare(word: str) -> str:
    return _WORD_EDGE.sub("", word).lower()


def document_vocabulary(texts: list[str]) -> frozenset[str]:
    """Words printed whole in a document (lowercased): they tell how a broken word goes on."""
    words: set[str] = set()
    broken = False
    for text in texts:
        tokens = text.split()
        start = 1 if broken else 0
        broken = bool(tokens) and hyphenated_end(tokens[-1])
        words.update(_bare(w) for w in tokens[start : len(tokens) - 1 if broken else None])
    words.discard("")
    # "exploitatie-budget": the document writes compounds with a hyphen before "budget", so a
    # line-end "investerings-" / "budget" may be one of them even where it prints the word whole.
    words.update({HYPHEN_TAIL + w.rsplit("-", 1)[1] for w in words if "-" in w.strip("-")})
    if any(_INNER_U2010.search(text) for text in texts):
        words.add("\u2010")  # the document prints U+2010 itself: at a line end it may be its own
    if _renderer_hyphenates(texts, words):
        words.add(RENDERER_HYPHENATES)
    return frozenset(words)


def _renderer_hyphenates(texts: list[str], words: set[str]) -> bool:
    """Are the document's line-end hyphens that its own words explain mostly the renderer's?"""
    votes: Counter[str] = Counter()
    for text, nxt in itertools.pairwise(texts):
        tokens, following = text.split(), nxt.split()
        if not tokens or not following or not hyphenated_end(tokens[-1]) or not following[0][:1].islower():
            continue
        before, piece = _bare(tokens[-1][:-1]), _bare(following[0])
        if tokens[-1].endswith("\u00ad") or (before + piece in words and f"{before}-{piece}" not in words):
            votes["renderer"] += 1
        elif f"{before}-{piece}" in words:
            votes["printed"] += 1
    return votes["renderer"] > votes["printed"]


_INNER_U2010 = re.compile("\\w\u2010\\w")


def hyphenated_end(word: str) -> bool:
    return len(word) > 1 and word.endswith(LINE_END_HYPHENS) and word[-2].isalpha()


def join_lines(parts: list[str], vocabulary: frozenset[str] = frozenset(), deliberate: list[bool] | None = None) -> str:
    """Lines of one paragraph or cell as one text: a space between them, except where a word
    was broken at the line end.

    A hyphen followed by a conjunction or by another such part stays with a space ("sport- en
    cultuurleven", "vrijetijds- sport- en"); a lone hyphen after one goes with the part after
    it ("kosten en -" / "subsidies"). The
    hyphen stays, without a space, when the word is printed with it ("data-" / "ontsluiting" is "data-ontsluiting"): a renderer may break any word
    after its hyphen. It goes when it is a soft hyphen (or U+2010 in a document that prints no
    U+2010 itself: the renderer's hyphenation character), when the document prints the word
    whole without it elsewhere, or when neither piece is a word of the document (syllables,
    so the renderer hyphenated). A break after a slash ("S/" / "4HANA") is no space either.
    A part that follows a deliberate line break (`deliberate[i]`: the line before stopped
    although this one's first word would have fit) follows a line end of the source itself:
    a space, as a text dump of the report reads it.
    """
    out = ""
    for i, part in enumerate(parts):
        part = part.lstrip(" ")
        head = out.rstrip(" ")
        if not part or not head.strip():
            out = out or part
            continue
        words = head.rsplit(None, 2)
        last, first = words[-1], part.split(None, 1)[0]
        if deliberate and deliberate[i]:
            joint = "space"
        elif (
            _lone_dash(last, first)
            and len(words) > 1
            and words[-2].lower() in SUSPENDED_BEFORE
            and not _dash_closes_in(part)
        ):
            joint = "glued"  # "kosten en -" / "subsidies": a word's part left out, its hyphen before the rest
        else:
            joint = _line_break(last, first, vocabulary)
        if joint == "space":
            out = f"{head} {part}"
        elif joint == "glued":
            out = head + part
        else:  # the line ended in a hyphen: the word goes on here, with or without it
            out = head[:-1] + ("-" if joint == "hyphen" else "") + part
    return out


def _line_break(last: str, first: str, vocabulary: frozenset[str]) -> str:
    """How a line ending in `last` goes on with `first`: 'space', 'glued', 'hyphen' (the word
    goes on after its own hyphen) or 'dehyphenated' (the hyphen was the renderer's)."""
    return _judge_break(last, first, vocabulary)[0]


def _judge_break(last: str, first: str, vocabulary: frozenset[str]) -> tuple[str, bool]:
    """The joint of `_line_break`, and whether the document says so (False: a guess)."""
    if len(last) > 1 and last.endswith("/") and first[:1].isalnum():
        return "glued", True
    if not (first[:1].isalpha() and hyphenated_end(last)):
        return "space", True
    before, piece = _bare(last[:-1]), _bare(first)
    if piece in SUSPENDED_BEFORE or (first.endswith(LINE_END_HYPHENS) and _bare(first[:-1]) in vocabulary):
        return "space", True  # "sport- en", "vrijetijds- sport- en": parts of a word left out
    renderers, certain = hyphen_evidence(last, before, piece, first, vocabulary)
    return ("dehyphenated" if renderers else "hyphen"), certain


def _lone_dash(last: str, first: str) -> bool:
    """A line ending in a dash standing alone, a word after it: "en -" / "subsidies", "-" / "delen"."""
    return last in ("-", "\u2013") and first[:1].isalpha()


def _dash_closes_in(part: str) -> bool:
    """Does the line after a lone dash print another one before its clause ends ("en -" /
    "waar … mogelijk - maximaal")? Then the first opened an aside, no word's left-out part
    ("en –" / "plan volgens de richtsnoeren; - Werken": a list goes on after the clause)."""
    for token in part.split():
        if token in ("-", "\u2013"):
            return True
        if token.endswith((".", ";", ":", "!", "?")):
            return False
    return False


def guessed_break(last: str, first: str, vocabulary: frozenset[str], before: str = "") -> str | None:
    """The word as joined when a line ending in `last` went on with `first` and nothing in the
    document told whether the hyphen was printed or the renderer's; None otherwise. A line
    ending in a lone dash (`before` is the word ahead of it) is a guess too: "-" / "delen"
    may be a dash or the hyphen of "-delen"."""
    if _lone_dash(last, first) and before.lower() not in SUSPENDED_BEFORE:
        return f"{last} {first}"
    joint, certain = _judge_break(last, first, vocabulary)
    if certain:
        return None
    before, piece = _bare(last[:-1]), _bare(first)
    return before + piece if joint == "dehyphenated" else f"{before}-{piece}"


# A document whose line-end hyphens are mostly the renderer's (words it prints whole
# elsewhere) hyphenates: its other line-end hyphens likely are too. Kept in the vocabulary.
RENDERER_HYPHENATES = "\x00hyphenates"
HYPHEN_TAIL = "\x00-"  # + the part after a compound's hyphen, for every compound the document prints
_VOWELS = frozenset("aeiouyàáâäèéêëìíîïòóôöùúûü")


@functools.lru_cache(maxsize=8)
def longest_word(vocabulary: frozenset[str]) -> int:
    """Letters in the longest word a document prints whole (compounds with a hyphen left out)."""
    return max((len(w) for w in vocabulary if w.isalpha()), default=0)


def hyphen_evidence(last: str, before: str, piece: str, first: str, vocabulary: frozenset[str]) -> tuple[bool, bool]:
    """Was the hyphen that ended the line the renderer's (the word goes on without it)? And
    does the document say so, or is it a guess?

    In order: a soft hyphen, or U+2010 in a document that prints none itself, is; the word
    printed whole elsewhere says it was, printed with its hyphen elsewhere says it was not; a
    capital or digit at the joint ("UCO-site", "Noord-Zuid") and a prefix of one or two
    letters ("e-loket") keep it. Otherwise a guess: where the renderer hyphenates, two
    syllables lose it unless their vowels would run together ("ruimte-efficiëntie", as
    Dutch spelling writes them) or the whole would be longer than any word
    the document prints whole ("beleidsgebouwen-investeringsenveloppe", where
    "Vastgoedinformatieplatform" is as long as words it prints); where it does not, a
    line-end hyphen is a printed one.
    """
    if last.endswith("\u00ad") or (last.endswith("\u2010") and "\u2010" not in vocabulary):
        return True, True
    glued, kept = before + piece, f"{before}-{piece}"
    if glued in vocabulary and kept not in vocabulary:
        return True, HYPHEN_TAIL + piece not in vocabulary
    if kept in vocabulary:
        return False, True
    if not (last[-2].islower() and first[0].islower()) or len(before) <= 2:
        return False, True
    if RENDERER_HYPHENATES in vocabulary:
        clash = before[-1] in _VOWELS and piece[:1] in _VOWELS
        too_long = len((before + piece).strip("-")) > longest_word(vocabulary)
        return not (clash or too_long), False
    return False, False
