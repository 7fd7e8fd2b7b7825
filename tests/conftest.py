"""Shared fixtures of the extractor tests: each sample is read and extracted once per session."""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from extract.document import Extraction, Source, extract_source, read_source  # noqa: E402

DUMPS = REPO / "data" / "dumps"
SAMPLES = REPO / "data" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_IDS = ("000", "001", "002")


def sample_path(sample: str, fmt: str) -> Path:
    """data/dumps/<sample>_*.txt (fmt 'text') or data/samples/<sample>_*.pdf (fmt 'pdf')."""
    folder, suffix = (DUMPS, "txt") if fmt == "text" else (SAMPLES, "pdf")
    return next(folder.glob(f"{sample}_*.{suffix}"))


@dataclass
class Extracted:
    path: Path
    source: Source  # the text layer the extraction read (lines with page/line lineage)
    extraction: Extraction

    @property
    def tables(self) -> dict[str, list]:
        return self.extraction.tables


@pytest.fixture(scope="session")
def extracted():
    """extracted(sample, fmt) -> Extracted; PDFs take seconds, so each file is read only once."""
    cache: dict[tuple[str, str], Extracted] = {}

    def get(sample: str, fmt: str) -> Extracted:
        if (sample, fmt) not in cache:
            path = sample_path(sample, fmt)
            data = path.read_bytes()  # the same steps as extract_file, keeping the Source
            source = read_source(path, data)
            cache[sample, fmt] = Extracted(path, source, extract_source(source, path, hashlib.sha256(data).hexdigest()))
        return cache[sample, fmt]

    return get
