"""The report grammar as a state machine over printed lines: blocks, headers, tables, prose.

A report is a flat sequence of blocks; the hierarchy is implicit in the order
(REPORT_FORMAT §1). Only a marker (`Beleidsdoelstelling`, `Actieplan`, `Acties`) opens a
block, so codes quoted in prose never do. One grammar serves both layouts: where they
differ (headers wrapped over lines, service placement) the rules accept every variant.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from . import grammar
from .grammar import collapse
from .lines import Line, row_columns
from .tables import Issue, Table, hoist_table_headers, join_split_markers, parse_table

LEVEL_OF_MARKER = {"goal": "goal", "plan": "action_plan"}
MAX_HEADER_LINES = 8
MAX_TITLE_PARAGRAPHS = 2  # a goal title set apart over more one-line paragraphs than this is not read as one


@dataclass
class Section:
    name: str  # description, achievements, indicator
    paragraphs: list[list[str]]
    line: Line
    starts: list[Line] = field(default_factory=list)  # the printed line each paragraph starts on


@dataclass
class Block:
    level: str
    code: str | None
    node_id: str
    parent: Block | None
    line: Line
    position: int
    title: str | None = None
    service: str | None = None
    status: str | None = None
    phase: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    owner: str | None = None
    responsible: str | None = None
    header_lost: bool = False
    tables: list[Table] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    lost_children: int = 0
    alternative: dict | None = None  # header fields read column by column, when the geometry could not tell


@dataclass
class FrontMatter:
    title: str | None = None
    theme: str | None = None
    entities: list[tuple[str, str]] = field(default_factory=list)  # (name, enterprise number)
    toc: dict[str, str] = field(default_factory=dict)  # code -> title


@dataclass
class ParseResult:
    front: FrontMatter
    blocks: list[Block]
    issues: list[Issue]


def parse_report(lines: list[Line]) -> ParseResult:
    """Parse twice: the services read for more than one block in the first pass are the
    report's own lexicon in the second, so a service wrapped over lines set apart like paragraphs is read whole
    wherever the report prints it whole once."""
    first = ReportParser(lines).parse()
    recurring = Counter(b.service for b in first.blocks if b.service)
    return ReportParser(lines, {s for s, n in recurring.items() if n > 1}).parse()


class ReportParser:
    def __init__(self, lines: list[Line], services: set[str] | frozenset[str] = frozenset()):
        self.lines = hoist_table_headers(join_split_markers(lines))
        self.vocabulary = grammar.document_vocabulary([l.words for l in self.lines])
        self.from_pdf = any(l.page is not None for l in self.lines)
        self.known_services = self._header_services() | set(services)
        self.blocks: list[Block] = []
        self.issues: list[Issue] = []
        self.goal: Block | None = None
        self.plan: Block | None = None
        self.current: Block | None = None
        self.section = "description"
        self.rejoin = False  # the previous line was a page header cut into a paragraph

    # -- driver ---------------------------------------------------------------------------
    def parse(self) -> ParseResult:
        start = next((k for k, l in enumerate(self.lines) if grammar.marker_kind(l.text) == "goal"), len(self.lines))
        front = parse_front_matter(self.lines[:start])
        self.toc = front.toc
        i = start
        while i < len(self.lines):
            i = self._step(i)
        choose_header_readings(self.blocks, self.issues)
        restore_capitalised_services(self.blocks, self.issues, [l.words for l in self.lines])
        assign_services_from_lexicon(self.blocks, self.issues)
        if self.from_pdf:
            report_guessed_hyphens(self.lines[start:], self.blocks, self.vocabulary, self.issues)
        return ParseResult(front, self.blocks, self.issues)

    def _step(self, i: int) -> int:
        line = self.lines[i]
        text = line.text
        if grammar.EMBEDDED_PAGE_HEADER.match(text):
            # The header may itself wrap: its paragraph goes with it, up to a deliberate line
            # break when no gap sets it off from the text it interrupts.
            _, j, _ = self._paragraph_from(text, i + 1, stop_at_break=True)
            self._issue("page_header_removed", "page header inside the text layer dropped", line)
            self.rejoin = True
            return j
        kind = grammar.marker_kind(text)
        if kind == "goal":
            return self._open_goal(i)
        if kind == "plan":
            return self._open_plan(i)
        if kind == "leaf":
            return self._open_leaf(i)
        if grammar.TABLE_MARKER.match(text):
            return self._table(i)
        if line.para_start and self._is_leaf_header(text) and self.plan is not None:
            self._issue("marker_missing", "leaf header without an 'Acties' marker", line)
            row = self._header_row(i, self._is_leaf_header)
            assert row is not None  # lines[i] is a code line itself
            _, row_text, end, alternative = row
            return self._leaf_header(i, i, text=row_text, end=end, alternative=alternative)
        achieved = grammar.ACHIEVEMENTS.match(text)
        if achieved:
            self.section = "achievements"
            if achieved.group("rest"):
                self._prose(Line(achieved.group("rest"), line.page, line.line, True, line.bold))
            return i + 1
        self._prose(line)
        return i + 1

    # -- blocks -----------------------------------------------------------------------------
    def _new_block(self, level, code, parent, line, node_id=None) -> Block:
        block = Block(level, code, node_id or code, parent, line, len(self.blocks))
        self.blocks.append(block)
        self.current = block
        self.section = "description"
        self.rejoin = False
        return block

    def _open_goal(self, i: int) -> int:
        marker = self.lines[i]
        code, j = grammar.must_match(grammar.GOAL_MARKER, marker.text).group("code"), i + 1
        below = grammar.GOAL_CODE.match(self.lines[j].text) if code is None and j < len(self.lines) else None
        if below:
            code, j = below.group("code"), j + 1
        if code is None:
            raise LayoutError(f"line {marker.line}: goal marker without an SD code: {marker.text!r}")
        goal = self._new_block("goal", code, None, marker)
        self.goal, self.plan = goal, None
        title, j = self._paragraph(j)
        title, j = self._bold_continuation(title, j)
        goal.title, j = self._complete_from_toc(code, title, j)
        return j

    def _open_plan(self, i: int) -> int:
        marker = self.lines[i]
        rest = grammar.must_match(grammar.PLAN_MARKER, marker.text).group("rest")
        j = i + 1
        row = self._header_row(j, lambda text: bool(grammar.PLAN_CODE.match(text))) if not rest else None
        if row:
            code_at, rest, j, _ = row
            header_line = self.lines[code_at]
        elif not rest and j < len(self.lines):
            rest, header_line, j = self.lines[j].text, self.lines[j], j + 1
        else:
            header_line = marker
        m = grammar.PLAN_CODE.match(rest)
        if m is None:
            raise LayoutError(f"line {marker.line}: action plan marker without an OD/PO code: {rest!r}")
        if self.goal is None:
            self._issue("structure", f"action plan {m.group('code')} before any goal", marker)
        plan = self._new_block("action_plan", m.group("code"), self.goal, header_line)
        self.plan = plan
        # The header runs until its period "2020 - 2027" (the 2021 layout wraps it over lines).
        parts, lines, used = [m.group("rest")], [], 0
        while not grammar.PERIOD.search(" ".join(parts)) and j < len(self.lines) and used < MAX_HEADER_LINES:
            if self._ends_header(self.lines[j]):
                break
            parts.append(self.lines[j].text)
            lines.append(self.lines[j])
            j, used = j + 1, used + 1
        # A period wrapped mid-header ("2020 - 2025 Groep" / "Gent …") goes on in its paragraph,
        # up to a deliberate line break (a meta line set tight above the description).
        joined = self._join(parts, lines)
        header, j, more = self._paragraph_from(
            joined, j, row=header_line, stop_at_break=bool(grammar.PERIOD.search(joined))
        )
        used += more
        period = _last_period(header)
        if period is None:
            self._issue("header_incomplete", f"no period in the header of {plan.code}", header_line)
            plan.title = collapse(header) or None
            return j
        plan.title = collapse(grammar.without_separators(header[: period.start()])) or None
        plan.period_start, plan.period_end = int(period.group("start")), int(period.group("end"))
        after = collapse(grammar.without_separators(header[period.end() :]))
        owner = grammar.GROUP_OWNER.match(after)
        if owner:
            plan.owner = grammar.canonical(owner.group("owner"), ("Groep Gent",))
            plan.responsible = owner.group("rest") or None
        elif after:
            plan.owner = after
        if used:
            self._issue("title_wrapped", f"header of {plan.code} joined from {used + 1} lines", header_line)
        plan.title, j = self._complete_from_toc(plan.code, plan.title, j)
        return j

    def _open_leaf(self, i: int) -> int:
        marker = self.lines[i]
        rest = grammar.must_match(grammar.LEAF_MARKER, marker.text).group("rest")
        if rest:  # "Acties AC12345 - …" on one line
            return self._leaf_header(i, i, text=rest)
        j = i + 1
        row = self._header_row(j, self._is_leaf_header)
        if row:
            code_at, row_text, end, alternative = row
            return self._leaf_header(code_at, i, text=row_text, end=end, alternative=alternative)
        nxt = self.lines[j] if j < len(self.lines) else None
        if nxt is not None and grammar.marker_kind(nxt.text):
            self._issue("empty_marker", "'Acties' marker followed by another marker", marker)
            return j
        return self._lost_leaf(marker, j)

    def _lost_leaf(self, marker: Line, j: int) -> int:
        parent = self._leaf_parent(marker)
        parent.lost_children += 1
        siblings = [b for b in self.blocks if b.parent is parent]
        level = "project" if any(b.level == "project" for b in siblings) else "action"
        node_id = f"{parent.node_id}~lost{parent.lost_children}"
        leaf = self._new_block(level, None, parent, marker, node_id=node_id)
        leaf.header_lost = True
        self._issue(
            "header_lost",
            f"block without code/title/service line kept as {node_id} ({level} by position)",
            marker,
            leaf,
        )
        return j

    def _leaf_parent(self, line: Line) -> Block:
        if self.plan is None:
            raise LayoutError(f"line {line.line}: action or project before any action plan")
        return self.plan

    @staticmethod
    def _is_leaf_header(text: str) -> bool:
        m = grammar.LEAF_CODE.match(text)
        return m is not None and (text[len(m.group("code")) :].lstrip()[:1] in ("-", "–", "\t", ""))

    def _leaf_header(
        self, j: int, marker_index: int, text: str | None = None, end: int | None = None, alternative: str | None = None
    ) -> int:
        first = self.lines[j]
        m = grammar.must_match(grammar.LEAF_CODE, text if text is not None else first.text)
        code = m.group("code")
        parent = self._leaf_parent(first)
        level = "project" if code.startswith("PR") else "action"
        leaf = self._new_block(level, code, parent, first)
        if any(b.node_id == code for b in self.blocks[:-1]):
            leaf.node_id = f"{code}#{sum(b.code == code for b in self.blocks)}"
            self._issue("duplicate_code", f"{code} printed more than once; kept as {leaf.node_id}", first, leaf)
        header, k, wrapped = self._paragraph_from(m.group("rest"), j + 1 if end is None else end, row=first)
        status = grammar.PROJECT_STATUS.search(grammar.without_separators(header))
        if status is None and level == "project":
            # The status line below; a title set apart over two paragraphs of its own style
            # (same weight as the code line) may come first.
            title_parts: list[str] = []
            at = k
            for _ in range(3):
                extra, k2, _ = self._paragraph_from("", at, stop_at_break=True)
                if not extra:
                    break
                if grammar.PROJECT_STATUS.search(grammar.without_separators(extra)):
                    header = self._join([header, *title_parts]) + f"\t{extra}"
                    k, wrapped = k2, wrapped + 1 + len(title_parts)
                    status = grammar.PROJECT_STATUS.search(grammar.without_separators(header))
                    break
                if self.lines[at].bold != first.bold or self.lines[at].bold is None:
                    break
                title_parts.append(extra)
                at = k2
        if level == "action" and first.bold and "\t" not in header and k < len(self.lines) and self.lines[k].bold:
            # A title wrapped by the source over lines that the renderer spaced like paragraphs.
            longer, k2 = self._bold_continuation(header, k)
            # Only where bold sets the header apart: in a design that sets everything bold
            # the text below would go on bold too.
            if longer and longer != header and k2 < len(self.lines) and self.lines[k2].bold is False:
                header, wrapped, k = longer, wrapped + (k2 - k), k2
        if wrapped:
            self._issue("title_wrapped", f"header of {code} joined from {wrapped + 1} lines", first, leaf)
        fields = leaf_header_fields(header)
        for name, value in fields.items():
            setattr(leaf, name, value)
        cells = len([c for c in header.split("\t") if c.strip()])
        if not fields["status"] and cells > 2:
            self._issue(
                "header_cells", f"{cells} cells in the header of {code}; middle ones kept in the title", first, leaf
            )
        if alternative:
            leaf.alternative = leaf_header_fields(grammar.must_match(grammar.LEAF_CODE, alternative).group("rest"))
            service = leaf.alternative["service"]
            if leaf.status is None and leaf.alternative["status"]:
                reason = "only so its status, phase and period are read"
            elif _title_tail_below(leaf, leaf.alternative, self.known_services) and not collapse(first.text).endswith(
                " " + leaf.alternative["service"]
            ):  # else a service wrapped below
                reason = "the last line of its title lies under the title, not after the service"
            elif leaf.service is None and service and grammar.looks_like_service(service):
                reason = "only so it has a service"  # read as one line the header has none
            else:
                reason = None
            if reason:
                for name, value in leaf.alternative.items():
                    setattr(leaf, name, value)
                leaf.alternative = None
                self._issue("header_columns", f"header of {code} read cell by cell: {reason}", first, leaf)
        if leaf.service and _LINKING_WORD.search(leaf.service) and k < len(self.lines):
            # "Financiën en" / "Administratie": a service cell ending on a linking word goes on
            # in the line below, however the renderer set that line.
            rest, k2 = self._paragraph(k)
            if rest and grammar.looks_like_service(f"{leaf.service} {rest}") and k2 == k + 1:
                leaf.service, k = f"{leaf.service} {rest}", k2
                self._issue(
                    "service_wrapped", f"service of {code} goes on below its header: {leaf.service!r}", first, leaf
                )
        if level == "action" and end in (None, j + 1) and leaf.service not in self.known_services:
            inside = self._service_inside(first, m.group("rest"), self.lines[j + 1 : k])
            if inside:
                leaf.title, leaf.service = inside
                self._issue(
                    "header_columns",
                    f"service {leaf.service!r} of {code} read inside the header's lines: "
                    f"a cell beside its wrapped title",
                    first,
                    leaf,
                )
        if leaf.service is None and k < len(self.lines):
            candidate, k2, _ = self._paragraph_from("", k)
            after, _, _ = self._paragraph_from("", k2) if k2 < len(self.lines) else ("", k2, 0)
            repeated = _title_repeated_below(leaf.title, collapse(candidate), collapse(after))
            if repeated:
                leaf.title, leaf.service = repeated
                self._issue(
                    "header_columns",
                    f"service {leaf.service!r} of {code} read after the title that the "
                    f"text below repeats: a cell set flush against the title",
                    first,
                    leaf,
                )
                return k
            runs = self._service_runs(k)
            known = [run[:2] for run in runs if run[0] in self.known_services]
            continued = [run[:2] for run in runs if run[2]]
            if known and _wrapped_rest(known[-1][0], runs[-1][0]):
                leaf.service, k = runs[-1][:2]  # a known service with a word or two more: its wrapped rest
            elif (
                known
                and (collapse(candidate) not in self.known_services or len(known[-1][0]) > len(collapse(candidate)))
                and not _wrapped_rest(known[-1][0], collapse(candidate))
            ):
                leaf.service, k = known[-1]
            elif continued:
                leaf.service, k = continued[-1]
            elif candidate and grammar.looks_like_service(collapse(candidate)):
                leaf.service, k = collapse(candidate), k2
            elif runs:
                leaf.service, k = runs[-1][:2]
        return k

    def _service_inside(self, first: Line, rest: str, below: list[Line]) -> tuple[str, str] | None:
        """(title, service) of a header whose service cell sits beside its wrapped title: the
        end of one of its lines that stands right of all its other lines (a column of its own),
        either a cell after a wide gap or, with no wider gap than a word space, a service the
        report names elsewhere. None when no line has one."""
        parts, lines = [rest] + [l.text for l in below], [first, *below]
        for t, part in enumerate(parts):
            words = collapse(part).split()
            cell = len(part.rsplit("\t", 1)[1].split()) if "\t" in part.strip() else 0
            for n in range(len(words) - 1, 0, -1):  # the longest service first, a title word before it
                service = " ".join(words[-n:])
                after = parts[t + 1] if t + 1 < len(parts) else ""
                # A service wrapped below, as dumps print them. Beside a wrapped title, the line
                # below may as well be the title's rest: there only a linking word or a known
                # name's start tells, not the lower case.
                # Where the line below ends left of the service (a cell's rest would wrap in
                # its own column), only a name the report prints whole says it goes on there.
                if (
                    after
                    and name_goes_on(service, after, self.known_services, lower_case=t == 0)
                    and not (
                        t > 0
                        and _ends_before(lines[t + 1], lines[t], n)
                        and not any(name.startswith(service + " ") for name in self.known_services)
                    )
                ):
                    continue
                # A cell on a later line than the code's, centred beside the wrapped title; on
                # the code's line it may as well be a service wrapped below.
                a_cell = (
                    t > 0
                    and (n == cell or _set_apart(lines[t], n) or _past_wrap(lines, t, n))
                    and grammar.looks_like_service(service)
                )
                if (service in self.known_services or a_cell) and _beside(lines, t, n):
                    title_parts = [*parts[:t], " ".join(words[:-n]), *parts[t + 1 :]]
                    # Broken inside a narrow cell: no line break of the title is deliberate.
                    return collapse(grammar.join_lines(title_parts, self.vocabulary)), service
        return None

    def _header_services(self) -> set[str]:
        """Services printed in the last cell of a one-line leaf header: the report's own lexicon."""
        found = set()
        for line, nxt in zip(self.lines, self.lines[1:]):
            if "\t" in line.text and nxt.para_start and self._is_leaf_header(line.text):
                service = collapse(line.text.rsplit("\t", 1)[1])
                if grammar.looks_like_service(service) and not grammar.PROJECT_STATUS.search(service):
                    found.add(service)
        return found

    def _service_runs(self, k: int) -> list[tuple[str, int, bool]]:
        """Service names printed with no gap above the text below them: (text, index after,
        whether it goes on past a paragraph break).

        The renderer ended the service's last line although the next word would have fit
        (`Line.after_short_line`), or the paragraph ends there. Every run of at most three
        lines from lines[k] that ends so and reads as a service name, shortest first.
        """
        runs, crossed, joints_hold = [], False, True
        for m in range(k, min(k + 3, len(self.lines))):
            line = self.lines[m]
            if self._ends_header(line):
                break
            # A renderer may set each line of a wrapped service apart like a paragraph: past
            # such a break the run goes on where the name plainly does, or where the report
            # prints the whole name elsewhere.
            if m > k and line.para_start:
                crossed = True
                before = collapse(self._join([l.text for l in self.lines[k:m]], self.lines[k:m]))
                joints_hold = joints_hold and name_goes_on(
                    before, line.words, self.known_services, _same_style(self.lines[m - 1], line)
                )
            nxt = self.lines[m + 1] if m + 1 < len(self.lines) else None
            text = collapse(self._join([l.text for l in self.lines[k : m + 1]], self.lines[k : m + 1]))
            ends = (
                nxt is None
                or nxt.para_start
                or nxt.after_short_line
                or _left_of(nxt, self.lines[k])
                or self._ends_header(nxt)
            )
            if crossed and text in self.known_services:
                runs.append((text, m + 1, True))
            elif (joints_hold or not crossed) and ends and grammar.looks_like_service(text):
                runs.append((text, m + 1, crossed))  # the text below starts left of an indented service
        return runs

    def _table(self, i: int) -> int:
        table, j = parse_table(self.lines, i)
        owner = self.current
        if owner is None:
            self._issue("completeness", "table before any goal, plan or action", table.marker)
            self.issues.extend(table.issues)
            return j
        if any(t.kind == table.kind for t in owner.tables):
            # A second table of the same kind: a block whose marker and header were both lost.
            if self.plan is None:
                self._issue("completeness", f"second {table.kind} table in {owner.node_id}", table.marker)
                self.issues.extend(table.issues)
                return j
            self._issue("marker_missing", f"second {table.kind} table after {owner.node_id}: new block", table.marker)
            self._lost_leaf(table.marker, j)
            owner = self.current
            assert owner is not None  # the block _lost_leaf opened
        owner.tables.append(table)
        for issue in table.issues:
            issue.node_id = owner.node_id
        self.issues.extend(table.issues)
        return j

    # -- prose ------------------------------------------------------------------------------
    def _prose(self, line: Line) -> None:
        block = self.current
        if block is None:
            return
        inside = grammar.INDICATOR_INSIDE.search(line.words)
        if inside:  # "… in 2020. Wat stellen we vast?: …": an indicator section starts mid-line
            self._prose(replace(line, text=line.words[: inside.start()].rstrip(), boxes=()))
            line = replace(line, text=line.words[inside.start() :], boxes=(), para_start=True)
        indicator = grammar.INDICATOR.match(line.text)
        section = (
            "indicator"
            if indicator
            else (self.section if self.section != "indicator" or not line.para_start else self._base_section(block))
        )
        new_paragraph = line.para_start or indicator or line.text.startswith(("- ", "• "))
        before = block.sections[-1].paragraphs[-1][-1:] if block.sections else []
        if (
            new_paragraph
            and not indicator
            and line.text[:1].islower()
            and before
            and before[0].split()
            and grammar.hyphenated_end(before[0].split()[-1])
        ):
            new_paragraph = False  # "co-" / "creatiefonds": no paragraph ends inside a word
        if self.rejoin and block.sections and not grammar.ends_sentence(" ".join(block.sections[-1].paragraphs[-1])):
            new_paragraph = False
            section = block.sections[-1].name
        self.rejoin = False
        self.section = section if section != "indicator" else "indicator"
        if not block.sections or block.sections[-1].name != section:
            block.sections.append(Section(section, [[]], line, [line]))
        elif new_paragraph and block.sections[-1].paragraphs[-1]:
            block.sections[-1].paragraphs.append([])
            block.sections[-1].starts.append(line)
        paragraph = block.sections[-1].paragraphs[-1]
        if not paragraph:
            paragraph.append(line.words)
            return
        joined = self._join([paragraph[-1], line.words], [line])  # a word broken at the line end goes on here
        inside = grammar.INDICATOR_INSIDE.search(joined)
        if inside:  # "… coronapandemie. Wat stellen we" / "vast?: …": the indicator's label wrapped
            paragraph[-1] = joined[: inside.start()].rstrip()
            self._prose(replace(line, text=joined[inside.start() :], boxes=(), para_start=True))
        else:
            paragraph[-1] = joined

    @staticmethod
    def _base_section(block: Block) -> str:
        names = [s.name for s in block.sections if s.name != "indicator"]
        return names[-1] if names else "description"

    # -- header rows ------------------------------------------------------------------------
    def _header_row(self, j: int, is_code_line) -> tuple[int, str, int, str | None] | None:
        """The block header row starting at lines[j]: (code line index, text, index after, alternative).

        The text starts with the code. A row whose cells wrap over lines (code, a long title,
        period, owner or service side by side) is read column by column, the columns
        TAB-separated, its lines all used. Otherwise only the code line is taken and the
        caller continues the paragraph as before; when the lines might also be such a row
        (nothing in the geometry tells), its column reading comes back as the alternative.
        None when the row prints no code.
        """
        if j >= len(self.lines):
            return None
        code_at = j if is_code_line(self.lines[j].text) else self._code_below(j, is_code_line)
        if code_at is None:
            return None
        end = code_at + 1
        code_line = self.lines[code_at]
        while (
            end < len(self.lines)
            and end - j < MAX_HEADER_LINES
            and not self.lines[end].para_start
            and not self._ends_header(self.lines[end])
            and not _left_of(self.lines[end], code_line)
        ):
            end += 1
        read = row_columns(self.lines[j:end], self.vocabulary)
        if read is not None and end - j == 1 and len(read[0]) <= len(code_line.text.split("\t")):
            read = None  # one line whose cells its TABs already show: keep it as printed
        if read is None:
            if code_at == j:
                return code_at, code_line.text, j + 1, None
            others = [l.text for l in self.lines[j:end] if l is not code_line]
            return code_at, " ".join([code_line.text, *others]), end, None
        columns, proven = read
        code = re.split(r"[ \t]", code_line.text, maxsplit=1)[0]
        for n, column in enumerate(columns):  # the code goes first, out of the column it sat in
            cut = re.sub(rf"(?<!\S){re.escape(code)}(?!\S)\s*", "", column, count=1)
            if cut != column:
                columns[n] = cut.strip()
                break
        text = "\t".join([code, *(c for c in columns if c)])
        if proven or code_at != j:
            return code_at, text, end, None
        return code_at, code_line.text, j + 1, text

    def _code_below(self, j: int, is_code_line) -> int | None:
        """The code line of a header row whose first line(s) print other cells, if any.

        A renderer that centres (or bottom-aligns) the code cell in a row whose title cell
        wraps prints pieces of the title above the code. Those pieces lie right of the code,
        in the title's column, and on the same page and paragraph; prose that merely quotes a
        code at the start of a line starts at the same left edge as the code, so never counts.
        """
        first = self.lines[j]
        if not first.boxes:
            return None
        for k in range(j + 1, min(j + MAX_HEADER_LINES, len(self.lines))):
            line = self.lines[k]
            if line.para_start or line.page != first.page:
                return None
            if is_code_line(line.text):
                right = line.boxes[0][1] if line.boxes else None
                above = self.lines[j:k]
                return k if right is not None and all(l.boxes and l.boxes[0][0] >= right for l in above) else None
            if self._ends_header(line):
                return None
        return None

    # -- helpers ----------------------------------------------------------------------------
    def _ends_header(self, line: Line) -> bool:
        text = line.text
        return (
            grammar.is_block_start(text)
            or bool(grammar.LEAF_CODE.match(text))
            or bool(grammar.EMBEDDED_PAGE_HEADER.match(text))
        )

    def _bold_continuation(self, title: str | None, j: int) -> tuple[str | None, int]:
        """A title set over paragraphs of its own goes on while the paragraphs stay bold (a
        renderer that keeps the source's line breaks may space them like paragraphs), or, in
        any weight, when one-line paragraphs like it lead straight to the achievements."""
        start = j - 1
        while (
            title
            and j < len(self.lines)
            and self.lines[start].bold
            and self.lines[j].bold
            and not self._ends_header(self.lines[j])
            and not grammar.ACHIEVEMENTS.match(self.lines[j].text)
            and not grammar.ends_sentence(title)
        ):
            more, k = self._paragraph(j)
            if not more:
                break
            title, j = collapse(self._join([title, more], [self.lines[j]])), k
        rest = self.lines[j : j + MAX_TITLE_PARAGRAPHS + 1]
        ends = next((n for n, l in enumerate(rest) if grammar.ACHIEVEMENTS.match(l.text) or self._ends_header(l)), None)
        if (
            title
            and ends
            and not grammar.ends_sentence(title)
            and all(
                l.para_start and l.bold == self.lines[start].bold and not grammar.ends_sentence(l.text)
                for l in rest[:ends]
            )
        ):
            title, j = collapse(self._join([title, *(l.text for l in rest[:ends])], rest[:ends])), j + ends
        return title, j

    def _join(self, parts: list[str], lines: list[Line] | None = None) -> str:
        """Parts of one text, `lines` the lines they came from (aligned to the end of `parts`)."""
        if not self.from_pdf:
            # A dump keeps the line breaks of the PDF it came from; a renderer of the dump
            # flows its lines with a space ("data-" / "ontsluiting" prints "data- ontsluiting").
            return " ".join(p for p in parts if p)
        flags = [False] * (len(parts) - len(lines or [])) + [l.after_short_line for l in lines or []]
        return grammar.join_lines(parts, self.vocabulary, flags)

    def _paragraph(self, j: int) -> tuple[str | None, int]:
        """The paragraph starting at lines[j] (None when a block or table starts there)."""
        if j >= len(self.lines) or self._ends_header(self.lines[j]):
            return None, j
        text, k, _ = self._paragraph_from(self.lines[j].text, j + 1)
        return collapse(text), k

    def _paragraph_from(
        self, text: str, k: int, stop_at_break: bool = False, row: Line | None = None
    ) -> tuple[str, int, int]:
        """Extend text with the lines that continue its paragraph; return text, next index, count.

        With `row` (the code line of a header), a line starting elsewhere ends the header
        even with no gap."""
        parts, joined, used = [text] if text else [], 0, []
        while k < len(self.lines) and not self._ends_header(self.lines[k]):
            line = self.lines[k]
            if parts and (
                line.para_start or (stop_at_break and line.after_short_line) or (row and _elsewhere(line, row))
            ):
                break
            parts.append(line.text)
            used.append(line)
            k += 1
            joined += 1 if len(parts) > 1 else 0
        return self._join(parts, used), k, joined

    def _complete_from_toc(self, code: str | None, title: str | None, j: int) -> tuple[str | None, int]:
        """A header wrapped by the renderer continues on the next lines: the TOC says how far."""
        full = self.toc.get(code) if code else None
        if not full or not title or collapse(title) == full or not full.startswith(collapse(title)):
            return title, j
        while j < len(self.lines) and not self._ends_header(self.lines[j]):
            candidate = collapse(self._join([title, self.lines[j].words], [self.lines[j]]))
            if not full.startswith(candidate):
                break
            title, j = candidate, j + 1
        return title, j

    def _issue(self, kind: str, detail: str, line: Line, block: Block | None = None) -> None:
        owner = block or self.current
        self.issues.append(Issue(kind, detail, line, owner.node_id if owner else None))


class LayoutError(ValueError):
    """The text does not follow the report grammar (layout drift): stop, do not guess."""


def _wrapped_rest(run: str, paragraph: str) -> bool:
    """Is the paragraph a known service run plus a word or two that read as its wrapped rest
    ("Welzijnsbureau" / "Bloemekenswijk"), not as a description below it?"""
    rest = paragraph[len(run) :].split() if paragraph.startswith(run + " ") else []
    return 0 < len(rest) <= 2 and grammar.looks_like_service(paragraph)


# A name does not end on a word that joins it to more: "Centrum voor" / "Leerlingenbegeleiding".
_LINKING_WORD = re.compile(r"(?:^|\s)(?:en|of|van|voor|de|der|den|het|in|op|met|tot|bij|&|-|–)$|\w-$", re.I)


def name_goes_on(before: str, line: str, known: set[str], same_style: bool = True, lower_case: bool = True) -> bool:
    """Is `line` (set apart like a paragraph) the rest of the name `before`? Where `before`
    ends on a linking word or hyphen; or, in the same weight and slant, where `line` starts in
    lower case (unless `lower_case` is False) or another name of the report starts with
    `before` ("Welzijnsbureau" / "Bloemekenswijk")."""
    first = line.lstrip()[:1]
    return bool(_LINKING_WORD.search(before)) or (
        same_style and ((lower_case and first.islower()) or any(name.startswith(before + " ") for name in known))
    )


def _title_tail_below(leaf: Block, columns: dict, known: set[str]) -> bool:
    """Do the two readings of a header differ only in words that the line-by-line reading
    appends to the service and the column reading to the title, under the title's column,
    and that do not read as the rest of the service ("Dienst" / "Activering en Werk")?"""
    service, title = leaf.service or "", leaf.title or ""
    short = columns["service"] or ""
    tail = service[len(short) :].strip() if short and service.startswith(short + " ") else ""
    return (
        bool(tail)
        and columns["status"] == leaf.status
        and columns["title"] == f"{title} {tail}"
        and not name_goes_on(short, tail, known)
    )


def _same_style(a: Line, b: Line) -> bool:
    """Same weight and slant: an italic service does not go on in the regular text below it."""
    return a.bold == b.bold and a.italic == b.italic


def _title_repeated_below(title: str | None, below: str, after: str = "") -> tuple[str, str] | None:
    """(title, service) of a one-line header whose service cell a renderer set flush against
    the title (no gap wider than a word space), told by the text below: a description often
    repeats the title word for word, and then the header line goes on past it with the
    service. None when the text below repeats no start of the line, or when the paragraph
    after it goes on with the rest (a service that repeats the whole title, wrapped)."""
    if not title or not below or not title.startswith(below + " "):
        return None
    service = title[len(below) + 1 :]
    if after.startswith(service):
        return None
    return (below, service) if grammar.looks_like_service(service) else None


def _beside(lines: list[Line], t: int, n: int) -> bool:
    """Do the last n words of lines[t] stand right of every other line of the header (a cell
    of their own beside the title's), rather than end a title that fills the text width?
    A title line that wrapped (not the header's last line) must show it: a last line is
    short anyway."""
    if len(lines[t].boxes) < n or len(lines) < 2 or not any(k != t for k in range(len(lines) - 1)):
        return False
    x0 = lines[t].boxes[-n][0]
    return all(l.boxes and l.boxes[-1][1] < x0 for k, l in enumerate(lines) if k != t)


def _ends_before(line: Line, row: Line, n: int) -> bool:
    """Does `line` end left of where the last n words of `row` start? Then no name among
    those words goes on in it: a cell's rest wraps inside the cell's column."""
    return bool(line.boxes) and len(row.boxes) >= n and line.boxes[-1][1] < row.boxes[-n][0]


def _past_wrap(lines: list[Line], t: int, n: int) -> bool:
    """Do the last n words of lines[t] lie past the width of the column its other words fill?

    A title line that wrapped shows that width: the first word of the next line did not fit
    after it. Words of a later line beyond that bound stand in a cell of their own, however
    tight the renderer set it (LibreOffice pads cells by less than a word space)."""
    row = lines[t].boxes
    if t == 0 or len(row) <= n:
        return False
    bounds = [
        above.boxes[-1][1] + _word_space(below) + (below.boxes[0][1] - below.boxes[0][0])
        for above, below in itertools.pairwise(lines[: t + 1])
        if above.boxes and len(below.boxes) > 1
    ]
    return bool(bounds) and row[-n - 1][1] <= min(bounds) < row[-1][1]


def _word_space(line: Line) -> float:
    gaps = sorted(b[0] - a[1] for a, b in zip(line.boxes, line.boxes[1:]))
    return gaps[len(gaps) // 2]


CELL_PADDING_SHARE = 1.5  # a gap this many times the line's usual word space parts two cells


def _set_apart(line: Line, n: int) -> bool:
    """Is the gap before the last n words of the line clearly wider than its word spaces?"""
    boxes = line.boxes
    if len(boxes) <= n or len(boxes) < 3:
        return False
    return boxes[-n][0] - boxes[-n - 1][1] > CELL_PADDING_SHARE * _word_space(line)


def _left_of(line: Line, row: Line) -> bool:
    """Does `line` start left of the header row's code cell? Then it is text below the row
    (the row's cells are padded inside the text edge), even with no gap above it."""
    return bool(line.boxes and row.boxes) and line.boxes[0][0] < row.boxes[0][0] - 1


def _elsewhere(line: Line, row: Line) -> bool:
    """Does `line` start elsewhere than the header's code, left (text below a header row) or
    right (a service or description indented below a stacked header)? Either ends a header
    whose lines were read as one paragraph, even with no gap above it."""
    return bool(line.boxes and row.boxes) and abs(line.boxes[0][0] - row.boxes[0][0]) > 1


def _last_period(text: str):
    matches = list(grammar.PERIOD.finditer(text))
    return matches[-1] if matches else None


def parse_front_matter(lines: list[Line]) -> FrontMatter:
    front = FrontMatter()
    pending: str | None = None
    for line in lines:
        text = collapse(line.text)
        if front.title is None and "jaarrekening" in text.lower() and not grammar.EMBEDDED_PAGE_HEADER.match(line.text):
            front.title = text
            if "|" in text:
                front.theme = text.split("|", 1)[1].strip()
        entity = grammar.ENTITY_LINE.match(text)
        if entity:
            front.entities.append((entity.group("name"), entity.group("number")))
        # TOC entries: "SD10041 - Title<TAB>1", possibly wrapped over lines by a renderer.
        start = grammar.GOAL_CODE.match(text) or grammar.PLAN_CODE.match(text)
        if start:
            pending = text
        elif pending is not None:
            pending = f"{pending} {text}"
        if pending is not None:
            end = grammar.TOC_ENTRY_END.search(pending)
            if end:
                entry = grammar.GOAL_CODE.match(pending) or grammar.must_match(grammar.PLAN_CODE, pending)
                front.toc[entry.group("code")] = collapse(pending[len(entry.group("code")) : end.start()].lstrip(" -–"))
                pending = None
    return front


def leaf_header_fields(header: str) -> dict:
    """Title, service and project status/phase/period of a leaf header (the text after the code)."""
    fields: dict[str, str | int | None] = dict(
        title=None, service=None, status=None, phase=None, period_start=None, period_end=None
    )
    header = grammar.without_separators(header)
    status = grammar.PROJECT_STATUS.search(header)
    if status:
        fields.update(
            status=grammar.canonical(status.group("status"), grammar.STATUSES),
            phase=grammar.canonical(status.group("phase"), grammar.PHASES),
            period_start=int(status.group("start")),
            period_end=int(status.group("end")),
            title=collapse(header[: status.start()]) or None,
            service=collapse(header[status.end() :]) or None,
        )
        return fields
    cells = [c.strip() for c in header.split("\t") if c.strip()]
    fields["title"] = collapse(cells[0]) if cells else None
    if len(cells) >= 2:
        fields["service"] = collapse(cells[-1])
        if len(cells) > 2:  # middle cells stay in the title
            fields["title"] = collapse(" ".join(cells[:-1]))
    return fields


def choose_header_readings(blocks: list[Block], issues: list[Issue]) -> None:
    """Headers that read as a wrapped line or as a row of wrapped cells: let the services decide.

    Read as one wrapped line, the title's tail lands in the service ("Dienst Wonen het
    stadsbreed beleid"); read by columns, a line wrapped at the text edge gives its tail to the
    title. The report's service names tell which: a real service recurs, a mixed-up one does
    not. First the services of the headers that read only one way count; when neither reading
    occurs there, the readings of the other ambiguous headers do. Ties keep the wrapped line.
    """
    sure: Counter[str | None] = Counter(b.service for b in blocks if b.service and not b.alternative)
    either: Counter[str | None] = Counter(
        s for b in blocks if b.alternative for s in {b.service, b.alternative["service"]} if s
    )
    for block in blocks:
        alternative, block.alternative = block.alternative, None
        if not alternative or alternative["service"] == block.service:
            continue
        wrapped, cells = block.service, alternative["service"]
        use_either = not (sure[cells] or sure[wrapped])  # then this header's own reading is not counted
        support = {s: (sure[s], either[s] - 1 if use_either else 0) for s in (wrapped, cells)}
        if support[cells] > support[wrapped]:
            for name, value in alternative.items():
                setattr(block, name, value)
            issues.append(
                Issue(
                    "header_columns",
                    f"header of {block.node_id} read cell by cell: its service "
                    f"{block.service!r} recurs in other headers",
                    block.line,
                    block.node_id,
                )
            )


def report_guessed_hyphens(
    lines: list[Line], blocks: list[Block], vocabulary: frozenset[str], issues: list[Issue]
) -> None:
    """One anomaly per block whose text joins a word broken at a hyphen on a guess: nothing in
    the document told whether the hyphen was printed or the renderer's."""
    starts = {(b.line.page, b.line.line): b for b in blocks}
    block: Block | None = None
    guessed: dict[str, tuple[Block, Line, list[str]]] = {}
    for n, line in enumerate(lines):
        block = starts.get((line.page, line.line), block)
        if block is None:
            continue
        for nxt, before, last, first in _broken_words(line, lines[n + 1 : n + 4]):
            word = grammar.guessed_break(last, first, vocabulary, before)
            if word:
                guessed.setdefault(block.node_id, (block, nxt, []))[2].append(word)
    for node_id, (_block, line, words) in guessed.items():
        issues.append(
            Issue(
                "hyphen_guessed",
                f"{len(words)} word(s) broken at a line-end hyphen joined on a guess "
                f"(printed hyphen or the renderer's?): {', '.join(words[:8])}",
                line,
                node_id,
            )
        )


def _broken_words(line: Line, below: list[Line]):
    """(line, word before, last word, first word) where a cell of `line` ends in a hyphen and the
    same column goes on below: the next line, or the piece of a later line starting where the
    cell does (a header row's cells wrap side by side)."""
    geometry = line.cells()
    cells: list[tuple[float | None, float | None, str]] = list(geometry) if geometry else [(None, None, line.text)]
    for x0, _, text in cells:
        words = text.split()
        if not words or not (grammar.hyphenated_end(words[-1]) or words[-1] in ("-", "\u2013")):
            continue
        before = words[-2] if len(words) > 1 else ""
        if x0 is None:
            if below and not below[0].after_short_line and below[0].text.strip():
                yield below[0], before, words[-1], below[0].text.split()[0]
        else:
            for other in below:
                piece = next((t for c0, _, t in other.cells() or [] if abs(c0 - x0) <= 1.5 and t.strip()), None)
                if piece:
                    yield other, before, words[-1], piece.split()[0]
                    break


def restore_capitalised_services(blocks: list[Block], issues: list[Issue], texts: Sequence[str] = ()) -> None:
    """Services printed in capitals (small caps): the spelling another block prints, if any,
    else each word as the report spells it elsewhere (an anomaly says so either way).

    Left in capitals, with an anomaly, when the report prints that service nowhere else."""
    spelled = {b.service.lower(): b.service for b in blocks if b.service and not _in_capitals(b.service)}
    recase = word_case_reader(
        [b.service for b in blocks if b.service and not _in_capitals(b.service)],
        [b.title for b in blocks if b.title],
        texts,
    )
    for block in blocks:
        if block.service and _in_capitals(block.service):
            found = spelled.get(block.service.lower())
            if found:
                issues.append(
                    Issue(
                        "service_case",
                        f"service {block.service!r} printed in capitals, read as {found!r} "
                        f"(its spelling elsewhere in the report)",
                        block.line,
                        block.node_id,
                    )
                )
                block.service = found
            else:
                guess = recase(block.service)
                issues.append(
                    Issue(
                        "service_case",
                        f"service {block.service!r} printed in capitals only: read as "
                        f"{guess!r} from the case of its words elsewhere in the report",
                        block.line,
                        block.node_id,
                    )
                )
                block.service = guess


_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
MAX_ACRONYM = 4  # letters: "OCMW", "VAPH", "POOW"; a longer word in capitals is a word
MIN_CONTENT_WORD = 3  # letters: shorter words ("en", "van", "de") are never capitalised in a name


def _in_capitals(name: str) -> bool:
    """Printed (partly) in capitals or small caps: a word in capitals too long for an acronym."""
    return any(w.isupper() and len(w) > MAX_ACRONYM for w in _WORD.findall(name))


def word_case_reader(services: list[str], titles: list[str], texts: Sequence[str]):
    """A function giving a text in capitals the case its words have elsewhere in the report:
    as in other services first, then in titles, then anywhere; a word the report only prints
    in capitals (an acronym: "POOW", "IVA") stays so. The first word starts with a capital."""
    sources = []
    for source in (services, titles, texts):
        forms: dict[str, Counter] = {}
        for text in source:
            for k, m in enumerate(_WORD.finditer(text)):
                word = m.group()
                if not word.isupper() and (k > 0 or source is services):  # a sentence's first word says nothing
                    forms.setdefault(word.lower(), Counter())[word] += 1
        sources.append(forms)

    # How the report's services write their other words: "Dienst Wegen, Bruggen en Waterlopen"
    # (capitalised) or "Coördinatie lokale dienstencentra" (not).
    content = [w for name in services for w in _WORD.findall(name)[1:] if len(w) > MIN_CONTENT_WORD]
    capitalised = sum(w[0].isupper() for w in content) * 2 > len(content)

    def form(word: str, first: bool) -> str:
        if word.lower() in sources[0]:
            found = sources[0][word.lower()].most_common(1)[0][0]
            return found[:1].upper() + found[1:] if first else found
        if first or (capitalised and len(word) > MIN_CONTENT_WORD):
            return (
                word[0] + word[1:].lower()
                if len(word) > MAX_ACRONYM or word.lower() in sources[1] or word.lower() in sources[2]
                else word
            )
        for forms in sources[1:]:
            if word.lower() in forms:
                return forms[word.lower()].most_common(1)[0][0]
        # A word the report prints nowhere else is rather a name ("Service FACTORY") than a common noun.
        return word[0] + word[1:].lower() if len(word) > MAX_ACRONYM else word

    def recase(text: str) -> str:
        return _WORD.sub(lambda m: form(m.group(), m.start() == 0) if m.group().isupper() else m.group(), text)

    return recase


def assign_services_from_lexicon(blocks: list[Block], issues: list[Issue]) -> None:
    """Services glued to the end of a title: split them off when another leaf names that service."""
    known = sorted({b.service for b in blocks if b.service}, key=len, reverse=True)
    for block in blocks:
        if block.level not in ("action", "project") or block.service or block.header_lost or not block.title:
            continue
        for service in known:
            if block.title.endswith(" " + service) and len(block.title) > len(service) + 1:
                block.title, block.service = block.title[: -len(service) - 1].rstrip(), service
                issues.append(
                    Issue(
                        "service_glued",
                        f"service {service!r} split off the title of {block.node_id}",
                        block.line,
                        block.node_id,
                    )
                )
                break
        else:
            issues.append(
                Issue("service_missing", f"no service printed for {block.node_id}", block.line, block.node_id)
            )
