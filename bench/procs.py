"""Process management for the out-of-process benchmark: sandbox and gateway, each pinned.

Every process is started in its own session (process group) and killed as a group when
the ``stack`` block ends, whatever happens inside it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER360 = str(ROOT / ".venv" / "bin" / "order360")
ISSUER = "urn:order360:sandbox-idp"
SCOPES = "orders:read pii:read cases:read"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports on loopback that nothing listens on right now."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid: int, key: str) -> int:
    """A ``kB`` figure of /proc/<pid>/status, e.g. VmHWM (peak RSS) or VmRSS."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(key)


def serving_pid(leader: int) -> int:
    """The process that really serves: the deepest child of the launched one (or itself)."""
    pid = leader
    while True:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if not children:
            return pid
        pid = int(children[0])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """Poll ``url`` until it answers 200; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


@dataclass
class Stack:
    """A running sandbox and gateway, their ports and pids, and a token for the gateway."""

    workdir: Path
    sandbox_port: int
    gateway_port: int
    sandbox_pid: int
    gateway_pid: int
    token: str
    env: dict[str, str] = field(repr=False)

    @property
    def sandbox_url(self) -> str:
        """Base URL of the sandbox's ``/sandbox`` tree."""
        return f"http://127.0.0.1:{self.sandbox_port}/sandbox"

    @property
    def gateway_url(self) -> str:
        """The gateway's GraphQL endpoint."""
        return f"http://127.0.0.1:{self.gateway_port}/graphql"


def base_env(workdir: Path, sandbox_port: int) -> dict[str, str]:
    """Environment shared by sandbox, gateway and token minting."""
    sandbox = f"http://127.0.0.1:{sandbox_port}/sandbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDER360_")}
    env.update(gateway_environ(sandbox, workdir))
    env["ORDER360_SANDBOX_KEY_FILE"] = str(workdir / "signing-key.json")
    return env


def gateway_environ(sandbox: str, workdir: Path) -> dict[str, str]:
    """ORDER360_* settings of a benchmarked gateway: upstreams at ``sandbox`` (its
    ``/sandbox`` base URL), a journal in ``workdir``, and no limit that a load test hits."""
    return {
        "ORDER360_ERP_URL": f"{sandbox}/erp",
        "ORDER360_OMS_URL": f"{sandbox}/oms",
        "ORDER360_CRM_URL": f"{sandbox}/crm",
        "ORDER360_CARRIER_URL": f"{sandbox}/carrier",
        "ORDER360_JWKS_URL": f"{sandbox}/idp/.well-known/jwks.json",
        "ORDER360_ISSUER": ISSUER,
        "ORDER360_DATABASE_URL": f"sqlite:///{workdir}/journal.db",
        "ORDER360_RATE_LIMIT_CAPACITY": "1000000000",
        "ORDER360_RATE_LIMIT_RESTORE_PER_S": "1000000000",
        "ORDER360_MAX_QUERY_COST": "1000000",
        "ORDER360_REQUEST_DEADLINE_MS": "10000",
    }


@contextmanager
def stack(
    workdir: Path, *, cache_ttl_s: float, latency_ms: int = 20, cores: tuple[int, int] = (0, 1)
) -> Iterator[Stack]:
    """Sandbox pinned to ``cores[0]``, gateway to ``cores[1]``; both killed on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    sandbox_port, gateway_port = free_ports(2)
    env = base_env(workdir, sandbox_port)
    env["ORDER360_CACHE_TTL_SECONDS"] = str(cache_ttl_s)
    # Create the signing key once, before two processes race to write it.
    token = subprocess.run(
        [ORDER360, "token", "--scope", SCOPES, "--sub", "bench", "--ttl", "7200"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        sandbox = subprocess.Popen(
            [
                *("taskset", "-c", str(cores[0]), ORDER360, "sandbox"),
                *("--port", str(sandbox_port), "--latency-ms", str(latency_ms)),
                # Measure the gateway, not Shopify Plus's 20 calls/s leaky bucket.
                *("--shopify-bucket", "1000000", "--shopify-leak-per-s", "100000"),
            ],
            env=env,
            stdout=(workdir / "sandbox.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(sandbox)
        wait_http(f"http://127.0.0.1:{sandbox_port}/sandbox/stats", sandbox)
        gateway = subprocess.Popen(
            ["taskset", "-c", str(cores[1]), ORDER360, "serve", "--port", str(gateway_port)],
            env=env,
            stdout=(workdir / "gateway.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(gateway)
        wait_http(f"http://127.0.0.1:{gateway_port}/healthz", gateway)
        yield Stack(
            workdir,
            sandbox_port,
            gateway_port,
            serving_pid(sandbox.pid),
            serving_pid(gateway.pid),
            token,
            env,
        )
    finally:
        for proc in reversed(procs):
            if proc.poll() is not None:
                print(f"bench: {proc.args!r} exited early with {proc.returncode}", file=sys.stderr)
            kill_group(proc)
