"""The inbox folder: which report files are there, with their content hashes.

Every entry is judged alone, so one odd entry never stops the others:
- a `.pdf` regular file directly in the inbox is a report; a link to such a file in the inbox
  is followed (it is then a second copy of that report);
- a `.pdf` file that cannot be read (permissions, I/O error) or whose name is not valid UTF-8
  is *unreadable*: named with its reason, a partial success; rows loaded from it earlier stay;
- anything else is *ignored* with its reason: folders, other file types, special files (FIFOs,
  sockets, devices: reading them could block), links leading out of the inbox (the inbox is
  the one folder that says what is published) and broken links;
- hidden entries (a name starting with a dot: editors' and downloads' temporary files) pass
  silently.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from extract.atomic_files import sha256_of

REPORT_SUFFIXES = {".pdf"}

_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class InboxListing:
    files: dict[str, str] = field(default_factory=dict)  # report file name -> sha256
    unreadable: dict[str, str] = field(default_factory=dict)  # printable name -> why the report cannot be read
    ignored: dict[str, str] = field(default_factory=dict)  # printable name -> why it is no report
    present: frozenset[str] = frozenset()  # every (decodable) name in the inbox, reports or not


def printable(name: str) -> str:
    """A file name as a terminal and a database can show it: undecodable bytes as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _decodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.listdir keeps bytes that are not UTF-8 as lone surrogates
        return False
    return True


def judge_entry(path: Path, root: Path) -> tuple[str, str | None]:
    """('report', None), ('unreadable', reason) or ('ignored', reason) for one entry of the inbox."""
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.exists():
                return "ignored", "a link to nothing"
            if target.parent != root:
                return "ignored", "a link that leads out of the inbox"
        mode = path.stat().st_mode
    except OSError as exc:
        return "ignored", f"cannot be examined ({exc.strerror})"
    if stat.S_ISDIR(mode):
        return "ignored", "a folder (reports are read from the inbox itself only)"
    for test, kind in _SPECIAL:
        if test(mode):
            return "ignored", f"{kind}, not a regular file"
    if path.suffix.lower() not in REPORT_SUFFIXES:
        return "ignored", "not a .pdf file"
    if not _decodable(path.name):
        return "unreadable", "its name is not valid UTF-8: rename the file"
    return "report", None


def report_entries(inbox: Path) -> tuple[dict[str, Path], InboxListing]:
    """The inbox's report files (name -> path, not read yet) and the judgement of every other entry."""
    root = inbox.resolve()
    try:
        entries = sorted(inbox.iterdir())
    except OSError:  # missing, not a folder, not listable: no entries (the build says so, see startup)
        return {}, InboxListing()
    reports, unreadable, ignored = {}, {}, {}
    for path in entries:
        if path.name.startswith("."):
            continue
        verdict, reason = judge_entry(path, root)
        if verdict == "report":
            reports[path.name] = path
        else:
            (unreadable if verdict == "unreadable" else ignored)[printable(path.name)] = reason
    present = frozenset(p.name for p in entries if _decodable(p.name))
    return reports, InboxListing({}, unreadable, ignored, present)


def read_inbox(inbox: Path) -> InboxListing:
    """Every entry of the inbox judged, the reports hashed (sha256 of their bytes)."""
    reports, listing = report_entries(inbox)
    files, unreadable = {}, dict(listing.unreadable)
    for name, path in reports.items():
        try:
            files[name] = _sha256(path)
        except OSError as exc:
            unreadable[name] = f"cannot be read ({exc.strerror})"
    return InboxListing(files, dict(sorted(unreadable.items())), listing.ignored, listing.present)


def inbox_files(inbox: Path) -> dict[str, str]:
    """File name -> sha256 of the reports directly in the inbox that can be read."""
    return read_inbox(inbox).files


_sha256 = sha256_of  # a name of its own here: the tests count the reads of the inbox


def same_size_files(inbox: Path, name: str, sha: str, size: int) -> dict[str, str]:
    """The inbox's report files that may be copies of `name` (same size), with their sha256.

    Only files of the same size are read: one partition does not hash the whole inbox.
    The result holds `name` itself, with its `sha`, and every file name in the inbox mapped to
    something, so that `set(result)` tells which files are present.
    """
    reports, _ = report_entries(inbox)
    found = {}
    for other, path in reports.items():
        try:
            if other == name:
                found[name] = sha
            elif path.stat().st_size == size:
                found[other] = _sha256(path)
            else:
                found[other] = ""  # present, not a copy
        except OSError:
            found[other] = ""  # present but unreadable: not a copy that could be loaded instead
    return found
