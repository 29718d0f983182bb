"""The gateway in this thread, the sandbox in another, and a count of Python calls.

Used by the CI guard on execution cost (tests/fast_path) and by the benchmark's
breakdown of where a request's calls go (bench/calls.py). The gateway uses the
production transport over loopback sockets; the sandbox is served by uvicorn on its own
event loop in a second thread, so a profile hook set in this thread sees the gateway's
whole request path (and the in-process client posting to it), nothing of the sandbox.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import load_settings

from .procs import ISSUER, gateway_environ

__all__ = ["ISSUER", "CallCounter", "gateway_over_loopback", "sandbox_in_thread"]


@contextmanager
def sandbox_in_thread(app: Starlette) -> Iterator[str]:
    """The sandbox on a loopback port, served by its own event loop in another thread."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sandbox thread did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/sandbox"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@asynccontextmanager
async def gateway_over_loopback(sandbox: str) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway with the production transport, no cache, reaching ``sandbox`` by socket."""
    environ = gateway_environ(sandbox, Path(tempfile.mkdtemp(prefix="order360-")))
    environ["ORDER360_CACHE_TTL_SECONDS"] = "0"
    app = create_app(load_settings(environ, env_file=None))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


class CallCounter:
    """Counts Python function calls (and coroutine resumptions) in this thread, by file.

    Only Python frames count: interpreted calls are where the time goes, while a C call
    (``str.isascii``) costs a fraction as much and would swamp the count.
    """

    def __init__(self) -> None:
        self.files: Counter[str] = Counter()

    @property
    def calls(self) -> int:
        """Calls counted so far, in every file."""
        return self.files.total()

    def _hook(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self.files[frame.f_code.co_filename] += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count while the block runs."""
        sys.setprofile(self._hook)
        try:
            yield
        finally:
            sys.setprofile(None)
