"""The subgraph SDL: exported, committed, served by ``_service``, and a valid Fed 2 subgraph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.__main__ import export_schema, main

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schema.federation.graphql"


def test_schema_federation_graphql_equals_export() -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    assert committed == export_schema(federation=True), (
        "run: order360 export-schema --federation > schema.federation.graphql"
    )


def test_the_standalone_export_is_unchanged_by_building_the_subgraph() -> None:
    export_schema(federation=True)
    assert (ROOT / "schema.graphql").read_text(encoding="utf-8") == export_schema()


def test_the_command_prints_the_subgraph(capsys: Any) -> None:
    assert main(["export-schema", "--federation"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text(encoding="utf-8")


def test_one_link_importing_only_key() -> None:
    sdl = COMMITTED.read_text(encoding="utf-8")
    links = [line for line in sdl.splitlines() if "@link(" in line]
    assert links == [
        'schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"]) {'
    ]


def test_the_entities_and_their_keys() -> None:
    sdl = COMMITTED.read_text(encoding="utf-8")
    assert 'type Order @key(fields: "id", resolvable: true) @key(fields: "number", ' in sdl
    assert 'type Customer @key(fields: "id", resolvable: true) {' in sdl
    assert 'type Case @key(fields: "number", resolvable: true) {' in sdl
    assert 'type RefundRequest @key(fields: "id", resolvable: true) {' in sdl
    assert "union _Entity = Case | Customer | Order | RefundRequest" in sdl
    assert "_entities(representations: [_Any!]!): [_Entity]!" in sdl
    assert "_service: _Service!" in sdl


async def test_service_serves_the_committed_sdl(subgraph: Callable[..., Any]) -> None:
    body = await subgraph("{ _service { sdl } }")
    assert body["data"]["_service"]["sdl"] + "\n" == COMMITTED.read_text(encoding="utf-8")
