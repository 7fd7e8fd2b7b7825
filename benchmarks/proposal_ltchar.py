"""A proposed change to extract/pdf_lines.py, measured: read pdfminer's characters directly.

`page.extract_words()` first builds `page.chars`: pdfplumber turns every layout object of
the page into a dict of all its attributes (colours, matrices, marked content…), resolving
each value — about half the time of our extractor. The words need eight keys. Reading the
pdfminer `LTChar`s of `page.layout` into those eight keys, with pdfplumber's own coordinate
rules, and giving them to pdfplumber's own `WordExtractor` (same settings) yields the same
words, hence the same lines and rows, in about half the time.

    python benchmarks/proposal_ltchar.py [PDF...]    # default: data/samples/*.pdf

prints, per file, whether the lines (text, page, line, paragraph/bold flags, word boxes) and
the rows are identical, and the CPU time of pdf_lines now, with the proposed reader, and of
bare `extract_words` (best of 3, interleaved).
"""
from __future__ import annotations

import hashlib
import io
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import pdfplumber  # noqa: E402
from pdfminer.layout import LTChar, LTContainer  # noqa: E402
from pdfplumber.utils.text import WordExtractor  # noqa: E402

from extract import pdf_lines as PL  # noqa: E402


# ---------------------------------------------------------------- the proposal (for extract/pdf_lines.py)

WORDS = WordExtractor(extra_attrs=["fontname", "size"], keep_blank_chars=False)  # as page.extract_words(...) now


def layout_chars(page) -> list[dict]:
    """page.chars with only the keys the words need, straight from pdfminer's layout objects.

    Coordinates as pdfplumber.Page.process_object computes them; same order as page.chars.
    """
    height, (mb_x0, mb_top) = page.height, page.mediabox[:2]
    chars: list[dict] = []

    def walk(objects) -> None:
        for obj in objects:
            if isinstance(obj, LTChar):
                top = height - obj.y1 + mb_top
                chars.append({"text": obj.get_text(), "x0": obj.x0 + mb_x0, "x1": obj.x1 + mb_x0, "top": top,
                              "bottom": height - obj.y0 + mb_top, "doctop": page.initial_doctop + top,
                              "upright": obj.upright, "fontname": obj.fontname, "size": obj.size})
            elif isinstance(obj, LTContainer):  # figures (Form XObjects) hold characters too
                walk(obj._objs)

    walk(page.layout._objs)
    return chars


def read_pages(path, data: bytes):
    """pdf_lines._read_pages with `WORDS.extract_words(layout_chars(page))` for `page.extract_words(...)`."""
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            try:
                height = float(page.height)
                words = WORDS.extract_words(layout_chars(page))
            finally:
                page.close()
            pages.append(PL._group_lines(words, number, height))
    return pages  # (error handling as in pdf_lines._read_pages, left out of the prototype)


proposed_pdf_lines = types.FunctionType(PL.pdf_lines.__code__, {**PL.pdf_lines.__globals__, "_read_pages": read_pages})


# ---------------------------------------------------------------- the measurement


def bare_extract_words(path, data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.close()


def main(argv: list[str]) -> int:
    from extract.compare import content_rows
    from extract.document import Source, extract_source

    files = [Path(a) for a in argv] or sorted((REPO / "data" / "samples").glob("*.pdf"))
    methods = {"pdf_lines now": PL.pdf_lines, "proposed": proposed_pdf_lines, "bare extract_words": bare_extract_words}
    best: dict = {}
    pages_total = 0
    for f in files:
        data = f.read_bytes()
        results = {}
        for _ in range(3):
            for name, function in methods.items():
                cpu = time.process_time()
                results[name] = function(f, data)
                best[f, name] = min(best.get((f, name), 1e9), time.process_time() - cpu)
        now, new = results["pdf_lines now"], results["proposed"]
        key = lambda l: (l.text, l.page, l.line, l.para_start, l.bold, l.boxes, l.after_short_line)  # noqa: E731
        same_lines = [key(l) for l in now[0]] == [key(l) for l in new[0]] and now[1:] == new[1:]
        doc_id = hashlib.sha256(data).hexdigest()
        same_rows = content_rows(extract_source(Source(now[0], now[1], "pdf", now[2]), f, doc_id)) == \
            content_rows(extract_source(Source(new[0], new[1], "pdf", new[2]), f, doc_id))
        pages_total += now[1]
        print(f"{f.name}: {now[1]} pages, lines {'identical' if same_lines else 'DIFFERENT'}, rows {'identical' if same_rows else 'DIFFERENT'}; "
              + ", ".join(f"{name} {now[1] / best[f, name]:.1f}" for name in methods) + " pages per CPU second")
    totals = {name: sum(best[f, name] for f in files) for name in methods}
    print(f"all files, {pages_total} pages, CPU seconds (best of 3): "
          + ", ".join(f"{name} {t:.1f}" for name, t in totals.items())
          + f"; proposed reader {totals['pdf_lines now'] / totals['proposed']:.2f}× faster than now")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
