"""The JSON documents collabcore hands to other programs, and their JSON Schemas.

``document(value)`` is what ``--json`` prints and what the example web host answers:
the value's data (:func:`~collabcore.adapters.serialization.to_data`) with two
members in front, ``document`` (``collabcore.plan``...) and ``document_version``
(not ``version``: a request carries a ``version`` of its own). The
schemas are derived from the same attrs classes, shipped as files
(``collabcore/adapters/schemas/<name>.schema.json``) and checked in the tests
against real output, so a program in any language can validate what it reads.

``document_version`` changes whenever a document's shape does (a member added, removed or
given another meaning); the tests fail until the shipped schema is regenerated,
which is when the number must be raised.

Three more documents carry data that is no value class of the domain's: the command line's
``rules --json`` (``rulebook``), ``texts check --json`` (``catalog_check``) and each line of
``end-all --json`` (``bulk_item``); :func:`data_document` gives them their two members, and
their schemas are written out here as ``problem``'s is.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from importlib import resources
from typing import Any

import attrs

from collabcore.adapters.serialization import to_data
from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.findings import Finding, Severity
from collabcore.domain.plans import MovePlan, Plan
from collabcore.domain.records import EndResult, MoveResult, OverviewPage
from collabcore.domain.requests import DueReport, LifecycleRequest, Scheduled

VERSION = 2
"""The version of every document's shape; see the module's docstring."""

DOCUMENTS: Mapping[str, type] = {
    "plan": Plan,
    "finding": Finding,
    "end_result": EndResult,
    "overview_page": OverviewPage,
    "request": LifecycleRequest,
    "scheduled": Scheduled,
    "move_plan": MovePlan,
    "move_result": MoveResult,
    "due_report": DueReport,
}
"""Document name -> the class whose data it carries; ``problem`` (RFC 9457) is one more."""

DATA_DOCUMENTS: tuple[str, ...] = ("rulebook", "catalog_check", "bulk_item")
"""Documents whose data is the command line's own (:func:`data_document`), not a class's."""

NAMES: tuple[str, ...] = (*DOCUMENTS, "problem", *DATA_DOCUMENTS)
_BY_CLASS = {kind: name for name, kind in DOCUMENTS.items()}
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def document(value: Any) -> dict[str, Any]:
    """The JSON-ready document of a plan, finding, end result, overview page or request."""
    name = _BY_CLASS.get(type(value))
    if name is None:
        raise InvalidInput(
            f"No document is defined for {describe(value)}.",
            hint=f"Documents exist for: {', '.join(k.__name__ for k in DOCUMENTS.values())}.",
            path="value",
        )
    return {"document": f"collabcore.{name}", "document_version": VERSION, **to_data(value)}


def document_json(value: Any) -> str:
    """:func:`document` as one line of JSON (what ``--json`` prints)."""
    return json.dumps(document(value), ensure_ascii=False)


def problem_document(data: Mapping[str, Any]) -> dict[str, Any]:
    """An RFC 9457 problem document (``Problem.to_dict()``) with the two members in front."""
    return {"document": "collabcore.problem", "document_version": VERSION, **data}


def data_document(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """One of :data:`DATA_DOCUMENTS`: ``data`` with the two members in front."""
    if name not in DATA_DOCUMENTS:
        raise InvalidInput(
            f"No data document is named {describe(name)}; there are: {', '.join(DATA_DOCUMENTS)}.",
            path="name",
        )
    return {"document": f"collabcore.{name}", "document_version": VERSION, **data}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one document, as shipped."""
    if name not in NAMES:
        raise InvalidInput(f"No schema named {describe(name)}; there are: {', '.join(NAMES)}.", path="name")
    text = (
        resources.files("collabcore.adapters").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def generate(name: str) -> dict[str, Any]:
    """The JSON Schema of one document, derived from its class (what the shipped file holds)."""
    defs: dict[str, Any] = {}
    written = {"problem": _problem, "rulebook": _rulebook, "catalog_check": _catalog_check}
    if name in written:
        body = written[name](defs)
    elif name == "bulk_item":
        body = _bulk_item(defs)
    else:
        _of(DOCUMENTS[name], defs)
        body = defs.pop(DOCUMENTS[name].__name__)
    header = {"document": {"const": f"collabcore.{name}"}, "document_version": {"const": VERSION}}
    if header.keys() & body["properties"].keys():
        raise TypeError(f"a field of {name} is named like a document's header")  # rename the header
    properties = {**header, **body["properties"]}
    out: dict[str, Any] = {
        "$schema": _DIALECT,
        "$id": f"urn:collabcore:schema:{name}:{VERSION}",
        "title": f"collabcore {name.replace('_', ' ')}, version {VERSION}",
        "type": "object",
        "properties": properties,
        "required": [*header, *body["required"]],
        "additionalProperties": False,
    }
    if defs:
        out["$defs"] = dict(sorted(defs.items()))
    return out


def _of(kind: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_of(arg, defs) for arg in args]}
    if kind is type(None):
        return {"type": "null"}
    if origin in (tuple, frozenset, set):
        return {"type": "array", "items": _of(args[0], defs)}
    if origin is not None and issubclass(origin, Mapping):
        return {"type": "object", "additionalProperties": _of(args[1], defs)}
    if isinstance(kind, type) and issubclass(kind, Enum):
        return {"type": "string", "enum": [member.value for member in kind]}
    if kind is bool:
        return {"type": "boolean"}
    simple = {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"}}
    if kind in simple:
        return dict(simple[kind])
    if kind is datetime:
        return {"type": "string", "format": "date-time"}
    if kind is date:
        return {"type": "string", "format": "date"}
    if attrs.has(kind):
        name = kind.__name__
        if name not in defs:
            defs[name] = {}  # a placeholder first: a class may refer to itself
            hints = typing.get_type_hints(kind)
            fields = attrs.fields(kind)
            defs[name] = {
                "type": "object",
                "properties": {f.name: _of(hints[f.name], defs) for f in fields},
                "required": [f.name for f in fields],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {kind!r}")  # a new field type: teach _of about it


def _problem(defs: dict[str, Any]) -> dict[str, Any]:
    string = {"type": "string"}
    return {
        "properties": {
            "type": string,
            "title": string,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": string,
            "instance": string,
            "codes": {"type": "array", "items": string},
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": string,
                        "key": string,
                        "severity": _of(Severity, defs),
                        "message": string,
                        "remedy": {"type": "array", "items": string},
                    },
                    "required": ["code", "key", "severity", "message", "remedy"],
                    "additionalProperties": False,
                },
            },
            "invalid": {
                "type": "object",
                "properties": {"path": string, "reason": string},
                "required": ["reason"],
                "additionalProperties": False,
            },
        },
        "required": ["type", "title", "status", "detail"],
    }


def _texts() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _rulebook(defs: dict[str, Any]) -> dict[str, Any]:
    """``collabcore rules --json``: the rulebook's rules in the brand and language asked for."""
    string = {"type": "string"}
    rule = _closed(
        {
            "id": string,
            "title": string,
            "severity": _of(Severity, defs),
            "operations": _texts(),
            "products": {"anyOf": [_texts(), {"type": "null"}]},
            "protected": {"type": "boolean"},
        }
    )
    properties = {"brand": string, "language": string, "rules": {"type": "array", "items": rule}}
    return {"properties": properties, "required": list(properties)}


def _catalog_check(defs: dict[str, Any]) -> dict[str, Any]:
    """``collabcore texts check --json``: one report per file, and whether every one is ok."""
    string, count = {"type": "string"}, {"type": "integer", "minimum": 0}
    pair = {"type": "array", "items": string, "minItems": 2, "maxItems": 2}
    report = _closed(
        {
            "source": string,
            "language": string,
            "brand": {"anyOf": [string, {"type": "null"}]},
            "ok": {"type": "boolean"},
            "coverage": _closed(
                {
                    "total": count,
                    "translated": count,
                    "fallen_back": count,
                    "copied": count,
                    "fallback": _texts(),
                }
            ),
            "missing": _texts(),
            "copied": _texts(),
            "unknown_placeholders": {"type": "array", "items": pair},
            "bad_keys": _texts(),
            "unresolved": _texts(),
            "unused": _texts(),
            "fuzzy": _texts(),
            "unreadable": string,
        }
    )
    properties = {"ok": {"type": "boolean"}, "reports": {"type": "array", "items": report}}
    return {"properties": properties, "required": list(properties)}


def _bulk_item(defs: dict[str, Any]) -> dict[str, Any]:
    """One line of ``collabcore end-all --json``: one collaboration's end, refusal or failure
    (``collabcore.app.BulkItem``, which this layer does not import)."""
    string = {"type": "string"}
    properties = {
        "collaboration_id": string,
        "status": {"type": "string", "enum": ["ended", "refused", "failed"]},
        "result": {"anyOf": [_of(EndResult, defs), {"type": "null"}]},
        "findings": {"type": "array", "items": _of(Finding, defs)},
        "error": {"anyOf": [string, {"type": "null"}]},
    }
    return {"properties": properties, "required": list(properties)}
