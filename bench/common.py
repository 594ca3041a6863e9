"""What every benchmark script shares: the machine description and the recorded section."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"


def machine(software: str) -> list[tuple[str, str]]:
    """The CPU, cores, memory and OS; ``software`` (the versions that matter); the commit."""
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
        if found:
            cpu = found.group(1).strip()
    except OSError:
        pass
    try:
        mem = Path("/proc/meminfo").read_text().split()[1]
        memory = f", {int(mem) / 2**20:.0f} GiB RAM"
    except (OSError, IndexError, ValueError):
        memory = ""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    uname = platform.uname()
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit += " (src/ modified)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return [
        (
            "machine",
            f"{cpu}, {cores} cores{memory}; {uname.system} {uname.release} {uname.machine}",
        ),
        ("software", f"Python {platform.python_version()}, {software}"),
        ("sharedsky commit", commit),
    ]


def record(name: str, section: str) -> None:
    """Replace (or append) the section between ``<!-- name:begin -->`` and ``<!-- name:end -->``
    of docs/benchmarks.md; ``section`` is the markdown between the two markers."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{section.strip()}\n{end}"
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text)
