"""Bad input files for the tests: each maker writes one kind of file that is not a readable report."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from conftest import sample_path
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    """A small grey PNG, written by hand (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def write_pdf(path: Path, draw, **kw) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **kw)
    draw(c)
    c.showPage()
    c.save()
    return path


def make_empty(d: Path) -> Path:
    (d / "empty.pdf").write_bytes(b"")
    return d / "empty.pdf"


def make_text_as_pdf(d: Path) -> Path:
    (d / "notes.pdf").write_text("Beleidsdoelstelling SD10041\nThis is a text file with a .pdf name.\n")
    return d / "notes.pdf"


def make_truncated(d: Path) -> Path:
    data = sample_path("000", "pdf").read_bytes()
    (d / "cut.pdf").write_bytes(data[: len(data) // 2])
    return d / "cut.pdf"


def make_encrypted(d: Path) -> Path:
    return write_pdf(
        d / "locked.pdf",
        lambda c: c.drawString(72, 760, "Beleidsdoelstelling SD10041"),
        encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0),
    )


def make_scanned(d: Path) -> Path:
    def draw(c):
        c.rect(72, 500, 300, 200, fill=1)
        c.drawImage(ImageReader(io.BytesIO(png_bytes())), 72, 100, width=400, height=300)

    return write_pdf(d / "scanned.pdf", draw)


def make_not_a_report(d: Path) -> Path:
    def draw(c):
        text = c.beginText(72, 760)
        for line in (
            "Jaarrekening van de tennisclub",
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "Acties",
            "AC12345 - De ballen zijn op.",
            "Budgettaire onderbouwing",
        ):
            text.textLine(line)
        c.drawText(text)

    return write_pdf(d / "tennis.pdf", draw)


# name -> (maker, the reason the extractor gives, in-process and through the sandbox alike)
BAD_FILES = {
    "empty": (make_empty, "empty file"),
    "text renamed .pdf": (make_text_as_pdf, "not a PDF"),
    "truncated": (make_truncated, "truncated PDF"),
    "encrypted": (make_encrypted, "encrypted"),
    "scanned, no text layer": (make_scanned, "no text layer"),
    "not a report": (make_not_a_report, "not an annual-account report"),
}
