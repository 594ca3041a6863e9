"""A ``sharedsky serve`` child process for ``demo`` and the tests: start, wait, stop."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from sharedsky.errors import SharedskyError

__all__ = ["free_port", "served", "sharedsky_command"]


def sharedsky_command(*args: str) -> list[str]:
    """The ``sharedsky`` command line of this interpreter (no reliance on PATH)."""
    return [sys.executable, "-c", "from sharedsky.cli import main; main()", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(database_url: str, port: int, *, timeout_s: float = 90.0) -> Iterator[str]:
    """Run ``sharedsky serve`` on ``database_url`` at 127.0.0.1:``port``; yields its URL."""
    process = subprocess.Popen(
        sharedsky_command("serve", "--port", str(port), "--database-url", database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                last = (err.strip().splitlines() or ["no output"])[-1]
                raise SharedskyError(f"sharedsky serve did not start on port {port}: {last}")
            time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
