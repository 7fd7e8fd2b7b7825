"""The report grammar as a state machine over printed lines: blocks, headers, tables, prose.

A report is a flat sequence of blocks; the hierarchy is implicit in the order
(REPORT_FORMAT §1). Only a marker (`Beleidsdoelstelling`, `Actieplan`, `Acties`) opens a
block, so codes quoted in prose never do. One grammar serves both layouts: where they
differ (headers wrapped over lines, service placement) the rules accept every variant.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import grammar
from .grammar import collapse
from .lines import Line
from .tables import Issue, Table, parse_table

LEVEL_OF_MARKER = {"goal": "goal", "plan": "action_plan"}
MAX_HEADER_LINES = 8


@dataclass
class Section:
    name: str  # description, achievements, indicator
    paragraphs: list[list[str]]
    line: Line


@dataclass
class Block:
    level: str
    code: str | None
    node_id: str
    parent: "Block | None"
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


class ReportParser:
    def __init__(self, lines: list[Line]):
        self.lines = lines
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
        assign_services_from_lexicon(self.blocks, self.issues)
        return ParseResult(front, self.blocks, self.issues)

    def _step(self, i: int) -> int:
        line = self.lines[i]
        text = line.text
        if grammar.EMBEDDED_PAGE_HEADER.match(text):
            # The header may itself wrap: its paragraph goes with it.
            _, j, _ = self._paragraph_from(text, i + 1)
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
            return self._leaf_header(i, i)
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
        m = grammar.GOAL_MARKER.match(marker.text)
        code, j = m.group("code"), i + 1
        if code is None and j < len(self.lines) and grammar.GOAL_CODE.match(self.lines[j].text):
            code, j = grammar.GOAL_CODE.match(self.lines[j].text).group("code"), j + 1
        if code is None:
            raise LayoutError(f"line {marker.line}: goal marker without an SD code: {marker.text!r}")
        goal = self._new_block("goal", code, None, marker)
        self.goal, self.plan = goal, None
        title, j = self._paragraph(j)
        goal.title, j = self._complete_from_toc(code, title, j)
        return j

    def _open_plan(self, i: int) -> int:
        marker = self.lines[i]
        rest = grammar.PLAN_MARKER.match(marker.text).group("rest")
        j = i + 1
        if not rest and j < len(self.lines):
            rest, header_line, j = self.lines[j].text, self.lines[j], j + 1
        else:
            header_line = marker
        m = grammar.PLAN_CODE.match(rest)
        if m is None:
            raise LayoutError(f"line {marker.line}: action plan marker without an OD/PO code: {rest!r}")
        if self.goal is None:
            self._issue("completeness", f"action plan {m.group('code')} before any goal", marker)
        plan = self._new_block("action_plan", m.group("code"), self.goal, header_line)
        self.plan = plan
        # The header runs until its period "2020 - 2027" (the 2021 layout wraps it over lines).
        parts, used = [m.group("rest")], 0
        while not grammar.PERIOD.search(" ".join(parts)) and j < len(self.lines) and used < MAX_HEADER_LINES:
            if self._ends_header(self.lines[j]):
                break
            parts.append(self.lines[j].text)
            j, used = j + 1, used + 1
        # A period wrapped mid-header ("2020 - 2025 Groep" / "Gent …") goes on in its paragraph.
        header, j, more = self._paragraph_from(" ".join(parts), j)
        used += more
        period = _last_period(header)
        if period is None:
            self._issue("header_incomplete", f"no period in the header of {plan.code}", header_line)
            plan.title = collapse(header) or None
            return j
        plan.title = collapse(header[: period.start()]) or None
        plan.period_start, plan.period_end = int(period.group("start")), int(period.group("end"))
        after = collapse(header[period.end():])
        owner = grammar.GROUP_OWNER.match(after)
        if owner:
            plan.owner = owner.group("owner")
            plan.responsible = owner.group("rest") or None
        elif after:
            plan.owner = after
        if used:
            self._issue("title_wrapped", f"header of {plan.code} joined from {used + 1} lines", header_line)
        plan.title, j = self._complete_from_toc(plan.code, plan.title, j)
        return j

    def _open_leaf(self, i: int) -> int:
        marker = self.lines[i]
        rest = grammar.LEAF_MARKER.match(marker.text).group("rest")
        if rest:  # "Acties AC12345 - …" on one line
            return self._leaf_header(i, i, text=rest)
        j = i + 1
        if j < len(self.lines) and self._is_leaf_header(self.lines[j].text):
            return self._leaf_header(j, i)
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
        self._issue("header_lost", f"block without code/title/service line kept as {node_id} ({level} by position)", marker, leaf)
        return j

    def _leaf_parent(self, line: Line) -> Block:
        if self.plan is None:
            raise LayoutError(f"line {line.line}: action or project before any action plan")
        return self.plan

    @staticmethod
    def _is_leaf_header(text: str) -> bool:
        m = grammar.LEAF_CODE.match(text)
        return bool(m) and (text[len(m.group("code")):].lstrip()[:1] in ("-", "–", "\t", ""))

    def _leaf_header(self, j: int, marker_index: int, text: str | None = None) -> int:
        first = self.lines[j]
        m = grammar.LEAF_CODE.match(text if text is not None else first.text)
        code = m.group("code")
        parent = self._leaf_parent(first)
        level = "project" if code.startswith("PR") else "action"
        leaf = self._new_block(level, code, parent, first)
        if any(b.node_id == code for b in self.blocks[:-1]):
            leaf.node_id = f"{code}#{sum(b.code == code for b in self.blocks)}"
            self._issue("duplicate_code", f"{code} printed more than once; kept as {leaf.node_id}", first, leaf)
        header, k, wrapped = self._paragraph_from(m.group("rest"), j + 1)
        status = grammar.PROJECT_STATUS.search(header)
        if status is None and level == "project":
            extra, k2, _ = self._paragraph_from("", k)
            if grammar.PROJECT_STATUS.search(extra):
                header, k, wrapped = f"{header}\t{extra}", k2, wrapped + 1
                status = grammar.PROJECT_STATUS.search(header)
        if wrapped:
            self._issue("title_wrapped", f"header of {code} joined from {wrapped + 1} lines", first, leaf)
        if status:
            leaf.status, leaf.phase = status.group("status"), status.group("phase")
            leaf.period_start, leaf.period_end = int(status.group("start")), int(status.group("end"))
            leaf.title = collapse(header[: status.start()]) or None
            leaf.service = collapse(header[status.end():]) or None
        else:
            cells = [c.strip() for c in header.split("\t") if c.strip()]
            leaf.title = collapse(cells[0]) if cells else None
            if len(cells) >= 2:
                leaf.service = collapse(cells[-1])
                if len(cells) > 2:
                    self._issue("header_cells", f"{len(cells)} cells in the header of {code}; middle ones kept in the title", first, leaf)
                    leaf.title = collapse(" ".join(cells[:-1]))
        if leaf.service is None and k < len(self.lines):
            candidate, k2, _ = self._paragraph_from("", k)
            if candidate and grammar.looks_like_service(collapse(candidate)):
                leaf.service, k = collapse(candidate), k2
        return k

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
        indicator = grammar.INDICATOR.match(line.text)
        section = "indicator" if indicator else (self.section if self.section != "indicator" or not line.para_start else self._base_section(block))
        new_paragraph = line.para_start or indicator or line.text.startswith(("- ", "• "))
        if self.rejoin and block.sections and not grammar.ends_sentence(" ".join(block.sections[-1].paragraphs[-1])):
            new_paragraph = False
            section = block.sections[-1].name
        self.rejoin = False
        self.section = section if section != "indicator" else "indicator"
        if not block.sections or block.sections[-1].name != section:
            block.sections.append(Section(section, [[]], line))
        elif new_paragraph and block.sections[-1].paragraphs[-1]:
            block.sections[-1].paragraphs.append([])
        block.sections[-1].paragraphs[-1].append(line.words)

    @staticmethod
    def _base_section(block: Block) -> str:
        names = [s.name for s in block.sections if s.name != "indicator"]
        return names[-1] if names else "description"

    # -- helpers ----------------------------------------------------------------------------
    def _ends_header(self, line: Line) -> bool:
        text = line.text
        return grammar.is_block_start(text) or bool(grammar.LEAF_CODE.match(text)) or bool(grammar.EMBEDDED_PAGE_HEADER.match(text))

    def _paragraph(self, j: int) -> tuple[str | None, int]:
        """The paragraph starting at lines[j] (None when a block or table starts there)."""
        if j >= len(self.lines) or self._ends_header(self.lines[j]):
            return None, j
        text, k, _ = self._paragraph_from(self.lines[j].text, j + 1)
        return collapse(text), k

    def _paragraph_from(self, text: str, k: int) -> tuple[str, int, int]:
        """Extend text with the lines that continue its paragraph; return text, next index, count."""
        parts, joined = [text] if text else [], 0
        while k < len(self.lines) and not self._ends_header(self.lines[k]):
            line = self.lines[k]
            if parts and line.para_start:
                break
            parts.append(line.text)
            k += 1
            joined += 1 if len(parts) > 1 else 0
        return " ".join(parts), k, joined

    def _complete_from_toc(self, code: str, title: str | None, j: int) -> tuple[str | None, int]:
        """A header wrapped by the renderer continues on the next lines: the TOC says how far."""
        full = self.toc.get(code)
        if not full or not title or collapse(title) == full or not full.startswith(collapse(title)):
            return title, j
        while j < len(self.lines) and not self._ends_header(self.lines[j]):
            candidate = collapse(f"{title} {self.lines[j].words}")
            if not full.startswith(candidate):
                break
            title, j = candidate, j + 1
        return title, j

    def _issue(self, kind: str, detail: str, line: Line, block: Block | None = None) -> None:
        self.issues.append(Issue(kind, detail, line, (block or self.current).node_id if (block or self.current) else None))


class LayoutError(ValueError):
    """The text does not follow the report grammar (layout drift): stop, do not guess."""


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
                entry = grammar.GOAL_CODE.match(pending) or grammar.PLAN_CODE.match(pending)
                front.toc[entry.group("code")] = collapse(pending[len(entry.group("code")): end.start()].lstrip(" -–"))
                pending = None
    return front


def assign_services_from_lexicon(blocks: list[Block], issues: list[Issue]) -> None:
    """Services glued to the end of a title: split them off when another leaf names that service."""
    known = sorted({b.service for b in blocks if b.service}, key=len, reverse=True)
    for block in blocks:
        if block.level not in ("action", "project") or block.service or block.header_lost or not block.title:
            continue
        for service in known:
            if block.title.endswith(" " + service) and len(block.title) > len(service) + 1:
                block.title, block.service = block.title[: -len(service) - 1].rstrip(), service
                issues.append(Issue("service_glued", f"service {service!r} split off the title of {block.node_id}", block.line, block.node_id))
                break
        else:
            issues.append(Issue("service_missing", f"no service printed for {block.node_id}", block.line, block.node_id))
