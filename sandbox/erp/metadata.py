"""A minimal EDMX `$metadata` document per service, generated from the entity definitions.

Clients fetch `$metadata` to discover types and, commonly, to run the CSRF
token handshake; both only need the structure, not SAP's annotations.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from sandbox.erp.entities import ENTITY_SETS, SERVICES

_EDM = {
    "S": "Edm.String",
    "D": 'Edm.Decimal" Precision="16" Scale="3',
    "DT": 'Edm.DateTime" Precision="0" sap:display-format="Date',
    "DTO": 'Edm.DateTimeOffset" Precision="7',
    "B": "Edm.Boolean",
}


def metadata_xml(service: str) -> str:
    types, sets, assocs = [], [], []
    for name in SERVICES[service]:
        es = ENTITY_SETS[name]
        short = f"{es.name}Type"
        keys = "".join(f'<PropertyRef Name="{k}"/>' for k in es.keys)
        props = "".join(
            f'<Property Name="{p}" Type="{_EDM[t]}" Nullable="{str(p not in es.keys).lower()}"/>'
            for p, t in es.props.items()
        )
        navs = "".join(
            f'<NavigationProperty Name="{n}" Relationship="{service}.assoc_{es.name}_{n}" '
            f'FromRole="FromRole_{es.name}" ToRole="ToRole_{nav.target}"/>'
            for n, nav in es.navs.items()
        )
        types.append(f'<EntityType Name="{short}"><Key>{keys}</Key>{props}{navs}</EntityType>')
        sets.append(f'<EntitySet Name="{es.name}" EntityType="{service}.{short}"/>')
        for n, nav in es.navs.items():
            many = "*" if nav.many else "1"
            assocs.append(
                f'<Association Name="assoc_{es.name}_{n}">'
                f'<End Type="{service}.{es.name}Type" Multiplicity="1" Role="FromRole_{es.name}"/>'
                f'<End Type="{service}.{nav.target}Type" Multiplicity="{many}" '
                f'Role="ToRole_{nav.target}"/></Association>'
            )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" '
        'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
        'xmlns:sap="http://www.sap.com/Protocols/SAPData">'
        '<edmx:DataServices m:DataServiceVersion="2.0">'
        f'<Schema Namespace={quoteattr(service)} xml:lang="en" '
        'xmlns="http://schemas.microsoft.com/ado/2008/09/edm">'
        f"{''.join(types)}{''.join(assocs)}"
        f'<EntityContainer Name="{service}_Entities" m:IsDefaultEntityContainer="true">'
        f"{''.join(sets)}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
