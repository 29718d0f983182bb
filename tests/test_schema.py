"""The published SDL: exported from code, committed, and a superset of the contract's read side."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    build_schema,
)

from gateway.__main__ import export_schema

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = Path(__file__).parent / "fixtures" / "schema-contract.graphql"
SHARED_CONTRACT = ROOT.parent / "shared" / "design" / "schema-contract.graphql"


def _named(type_: GraphQLType) -> GraphQLNamedType:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_


def _reachable(schema: GraphQLSchema, root: str) -> dict[str, GraphQLNamedType]:
    seen: dict[str, GraphQLNamedType] = {}
    stack: list[GraphQLNamedType] = [schema.get_type(root)]  # type: ignore[list-item]
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen[current.name] = current
        if isinstance(current, (GraphQLObjectType, GraphQLInterfaceType)):
            for field in current.fields.values():
                stack.append(_named(field.type))
                stack.extend(_named(arg.type) for arg in field.args.values())
        elif isinstance(current, GraphQLInputObjectType):
            stack.extend(_named(f.type) for f in current.fields.values())
    return seen


def test_schema_graphql_equals_export() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_schema(), "run: order360 export-schema > schema.graphql"


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="design notes not checked out beside")
def test_contract_copy_is_current() -> None:
    assert CONTRACT.read_text() == SHARED_CONTRACT.read_text()


@pytest.mark.parametrize("root", ["Query", "Mutation"])
def test_every_contract_name_exists(root: str) -> None:
    contract = build_schema(CONTRACT.read_text())
    ours = build_schema(export_schema())
    missing: list[str] = []
    for name, expected in _reachable(contract, root).items():
        actual = ours.get_type(name)
        if actual is None:
            missing.append(name)
            continue
        if isinstance(expected, (GraphQLObjectType, GraphQLInputObjectType)):
            assert isinstance(actual, type(expected)), name
            for field_name, field in expected.fields.items():
                if field_name not in actual.fields:
                    missing.append(f"{name}.{field_name}")
                    continue
                ours_field = actual.fields[field_name]
                assert str(ours_field.type) == str(field.type), f"{name}.{field_name}"
                for arg in getattr(field, "args", {}):
                    if arg not in ours_field.args:  # type: ignore[union-attr]
                        missing.append(f"{name}.{field_name}({arg})")
        elif isinstance(expected, GraphQLEnumType):
            assert isinstance(actual, GraphQLEnumType)
            missing += [f"{name}.{v}" for v in expected.values if v not in actual.values]
    assert missing == []


def test_only_plain_attributes_skip_strawberrys_resolver_path() -> None:
    from strawberry.types.field import StrawberryField

    from resolvers import build_schema

    schema = build_schema()._schema
    replaced = guarded = 0
    for named in schema.type_map.values():
        for field in getattr(named, "fields", {}).values():
            definition = (field.extensions or {}).get("strawberry-definition")
            resolve = getattr(field, "resolve", None)
            if getattr(resolve, "__name__", "") == "resolve":  # the direct getattr
                assert isinstance(definition, StrawberryField)
                assert definition.is_basic_field, (named.name, definition.python_name)
                replaced += 1
            elif isinstance(definition, StrawberryField) and definition.extensions:
                guarded += 1
    assert replaced > 50
    assert guarded > 0  # permission-checked fields keep strawberry's path
