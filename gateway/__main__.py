"""The ``order360`` command: serve, token, sandbox, export-schema (CONTRACT.md, "Commands")."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
from collections.abc import Sequence

from .settings import Settings, SettingsError, environment, load_settings

__all__ = ["main"]

AGENT_SCOPES = "orders:read pii:read cases:read cases:write refunds:write"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="order360", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the gateway (with the sandbox when no upstream is set)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    token = commands.add_parser("token", help="print a signed access token from the sandbox issuer")
    token.add_argument("--scope", default="orders:read pii:read")
    token.add_argument(
        "--partner", default=None, help="partner id: confines the token to partner:<id>"
    )
    token.add_argument("--sub", default="agent-007")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    sandbox = commands.add_parser(
        "sandbox", help="run only the simulated upstreams and token issuer"
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8100)
    sandbox.add_argument("--latency-ms", type=int, default=None)
    sandbox.add_argument("--seed", type=int, default=None)
    sandbox.add_argument(
        "--shopify-bucket",
        type=int,
        default=None,
        help="Shopify call-limit bucket size (default 400, Shopify Plus); raise for load tests",
    )
    sandbox.add_argument(
        "--shopify-leak-per-s", type=float, default=None, help="bucket leak rate (default 20/s)"
    )
    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument(
        "--federation",
        action="store_true",
        help="print the Federation v2 subgraph SDL (schema.federation.graphql) instead",
    )
    return parser


def mint_token(settings: Settings, *, scope: str, partner: str | None, sub: str, ttl: int) -> str:
    """A sandbox-issued access token that ``serve`` on this machine accepts."""
    from sandbox import issue_token, load_or_create_signing_key

    key = load_or_create_signing_key(settings.sandbox.key_file)
    token: str = issue_token(
        key,
        issuer=settings.auth.issuer,
        audience=settings.auth.audience,
        subject=sub,
        scope=scope,
        partner_id=partner,
        ttl_seconds=ttl,
    )
    return token


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from .app import create_app
    from .telemetry import configure_logging

    configure_logging()
    public = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if settings.sandbox_mode:
        settings = settings.with_sandbox_at(public)
    app = create_app(settings)
    print(f"Order360 GraphQL: {public}/graphql", flush=True)
    if settings.mount_sandbox:
        token = mint_token(
            settings, scope=AGENT_SCOPES, partner=None, sub="agent-007", ttl=8 * 3600
        )
        print(f"Sandbox upstreams: {public}/sandbox/ (seed {settings.sandbox.seed})")
        print("Agent token (8 h), paste into GraphiQL's headers as")
        print(f'  {{"Authorization": "Bearer {token}"}}', flush=True)
    _freeze_startup_heap()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _freeze_startup_heap() -> None:
    """Hide what start-up built from the cyclic garbage collector.

    Modules, the schema and settings live as long as the process, yet every full
    collection walked them all: a 110-125 ms pause every few hundred requests, and about
    half of the collector's time per request (bench/results findings). ``gc.freeze``
    moves them to a permanent generation that collections skip.
    """
    gc.collect()
    gc.freeze()


def _sandbox(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from sandbox import SandboxConfig, create_standalone_app, load_or_create_signing_key

    config = SandboxConfig(
        seed=args.seed if args.seed is not None else settings.sandbox.seed,
        latency_ms=args.latency_ms if args.latency_ms is not None else settings.sandbox.latency_ms,
        signing_key=load_or_create_signing_key(settings.sandbox.key_file),
        issuer=settings.auth.issuer,
    )
    if args.shopify_bucket is not None:
        config = dataclasses.replace(config, shopify_bucket_size=args.shopify_bucket)
    if args.shopify_leak_per_s is not None:
        config = dataclasses.replace(config, shopify_leak_per_s=args.shopify_leak_per_s)
    print(f"Sandbox: http://{args.host}:{args.port}/sandbox/", flush=True)
    uvicorn.run(create_standalone_app(config), host=args.host, port=args.port, log_level="warning")


def export_schema(*, federation: bool = False) -> str:
    """The SDL of the schema, as committed in ``schema.graphql``; with ``federation``, the
    subgraph's, as committed in ``schema.federation.graphql``."""
    from resolvers import build_schema, build_subgraph_schema

    if federation:
        return build_subgraph_schema().subgraph_sdl + "\n"
    return build_schema().as_str() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``order360`` console command."""
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        sys.stdout.write(export_schema(federation=args.federation))
        return 0
    try:
        settings = load_settings(environment())
    except SettingsError as exc:
        print(f"order360: {exc}", file=sys.stderr)
        return 2
    if args.command == "token":
        print(
            mint_token(settings, scope=args.scope, partner=args.partner, sub=args.sub, ttl=args.ttl)
        )
    elif args.command == "serve":
        _serve(settings, args.host, args.port)
    else:
        _sandbox(settings, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
