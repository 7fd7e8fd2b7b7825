"""Compare the rows extracted from a text dump with those from its rendered PDF (debug aid).

    python tools/compare_sources.py data/dumps/000_….txt data/samples/000_….pdf
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.compare import content_rows  # noqa: E402
from extract.document import extract_file  # noqa: E402


def main(dump: str, pdf: str) -> int:
    left, right = content_rows(extract_file(dump)), content_rows(extract_file(pdf))
    different = 0
    for table in left:
        a, b = left[table], right[table]
        for i in range(max(len(a), len(b))):
            ra = a[i] if i < len(a) else None
            rb = b[i] if i < len(b) else None
            if ra != rb:
                different += 1
                if different <= 40:
                    print(f"{table}[{i}]\n  dump: {ra}\n  pdf:  {rb}")
        print(f"{table}: dump {len(a)} rows, pdf {len(b)} rows")
    print(f"{different} differing rows")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
