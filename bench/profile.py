"""Sample the gateway with py-spy while it serves, and rank the hotspots."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

# Frames every request runs through (event loop, server, thread start): not hotspots.
_FRAMEWORK = ("(asyncio/base_events.py)", "(asyncio/events.py)", "(asyncio/runners.py)")
_FRAMEWORK += ("(uvicorn/main.py)", "(uvicorn/server.py)", "(uvicorn/_compat.py)")
_FRAMEWORK += ("(gateway/__main__.py)", "(order360)")
_LOCATION = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def py_spy() -> str | None:
    """The py-spy executable, if installed."""
    here = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


async def record(pid: int, out: Path, duration_s: int) -> Path:
    """Sample ``pid`` for ``duration_s`` into collapsed stacks at ``out`` (``--format raw``)."""
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy is not installed (pip install -e '.[bench]')")
    proc = await asyncio.create_subprocess_exec(
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(duration_s),
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=duration_s + 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"py-spy failed: {err.decode()[-500:]}")
    return out


def _short(frame: str) -> str:
    match = _LOCATION.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def hotspots(collapsed: Path, top: int = 15) -> dict[str, Any]:
    """Self and inclusive shares per function, from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if f.strip()]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        # Worker threads (aiosqlite's) block in queue.get; py-spy counts them as busy.
        if not frames or frames[0].startswith("Thread._bootstrap"):
            continue
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            if not name.endswith(_FRAMEWORK):
                total[name] += count
        leaf = frames[-1]
        package = leaf.rsplit("(", 1)[-1].split("/", 1)[0].rstrip(")")
        by_package[package] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "share": round(n / samples, 3)}
            for name, n in counter.most_common(top)
        ]

    return {
        "samples": samples,
        "note": "event-loop thread only; shares are of its samples",
        "self": share(own),
        "inclusive": share(total),
        "self_by_package": share(by_package),
    }
