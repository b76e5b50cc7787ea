"""pydantic's validation errors as the settings file's error lines: the dotted key the user wrote, the value, what
is allowed, and "did you mean" for unknown keys."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from constructs_lib.validation import Problem

from .schema import SECTIONS, Allowed, SettingsProblems, StackSettings, top_level_keys

TYPE_ERRORS = {
    "string_type",
    "int_type",
    "bool_type",
    "float_type",
    "list_type",
    "dict_type",
    "model_type",
    "model_attributes_type",
    "is_instance_of",
    "none_required",
}


def problems_from(
    error: ValidationError, document: dict[str, Any], model: type[BaseModel] = StackSettings
) -> list[Problem]:
    """One Problem per pydantic error, named by the TOML key the user wrote."""
    problems: list[Problem] = []
    for details in error.errors():
        loc = tuple(details["loc"])
        context = details.get("ctx") or {}
        if details["type"] == "value_error" and isinstance(context.get("error"), SettingsProblems):
            path, _ = _field_path(model, loc)
            prefix = ".".join(path)
            problems.extend(problem.under(prefix) for problem in context["error"].problems)
            continue
        path, field = _field_path(model, loc)
        key = ".".join(path)
        if details["type"] == "extra_forbidden":
            problems.append(Problem(key, details["input"], unknown_key_hint(".".join(path[:-1]), path[-1])))
        elif details["type"] in TYPE_ERRORS or field is None:
            value = _lookup(document, path)
            problems.append(Problem(key, value, _type_message(path, field)))
        else:
            problems.append(Problem(key, details["input"], _allowed(field, details)))
    return problems


def _field_path(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[list[str], FieldInfo | None]:
    """The keys of `loc` down to the field that holds the error (list items and table entries belong to it)."""
    path: list[str] = []
    current: type[BaseModel] | None = model
    field: FieldInfo | None = None
    for part in loc:
        if current is None or not isinstance(part, str):
            break
        path.append(part)
        field = current.model_fields.get(part)
        if field is None:
            break
        current = _model_of(field.annotation)
    return path, field


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _lookup(document: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


SIMPLE_KINDS: dict[Any, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    list: "string list",
    dict: "string table",
}


def kind_of(annotation: Any) -> str:
    """The TOML type a key takes, in words: string, integer, boolean, string list, string table, table."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, typing.Annotated):
        inner = next(arg for arg in get_args(annotation) if arg is not type(None))
        return kind_of(inner)
    if _model_of(annotation) is not None:
        return "table"
    # Literal choices and ipaddress networks are written as strings.
    return SIMPLE_KINDS.get(origin or annotation, "string")


TYPE_MESSAGES = {
    "string": "must be a string",
    "integer": "must be an integer",
    "boolean": "must be true or false",
    "string list": "must be a list of strings",
    "string table": "must be a table of string values",
}


def _type_message(path: list[str], field: FieldInfo | None) -> str:
    kind = kind_of(field.annotation) if field is not None else "string"
    if kind == "table":
        return f"must be a table, e.g. [{'.'.join(path)}]"
    return TYPE_MESSAGES[kind]


def _allowed(field: FieldInfo, details: Any) -> str:
    """What a value of the right type must be: the field's own Allowed line, else one from its constraints."""
    found = _allowed_metadata(field.metadata) or _allowed_metadata([field.annotation])
    if found is not None:
        return found
    if details["type"] == "literal_error":
        return "must be one of " + ", ".join(str(choice) for choice in get_args(field.annotation))
    if details["type"] in ("greater_than_equal", "less_than_equal"):
        low = next(item.ge for item in field.metadata if isinstance(item, Ge))
        high = next(item.le for item in field.metadata if isinstance(item, Le))
        return f"must be an integer from {low} to {high}"
    return str(details["msg"])


def _allowed_metadata(items: list[Any]) -> str | None:
    for item in items:
        if isinstance(item, Allowed):
            return item.text
        if get_origin(item) is typing.Annotated:
            found = _allowed_metadata(list(item.__metadata__)) or _allowed_metadata(list(get_args(item)[:1]))
            if found:
                return found
        elif get_origin(item) in (list, Union, types.UnionType):
            found = _allowed_metadata(list(get_args(item)))
            if found:
                return found
    return None


def every_key() -> dict[str, list[str]]:
    """Section ("" for the top level) -> its keys."""
    return {"": top_level_keys(), **{name: list(model.model_fields) for name, model in SECTIONS.items()}}


def unknown_key_hint(section: str, key: str) -> str:
    sections = every_key()
    everywhere = [f"{name}.{known}" if name else known for name, keys in sections.items() for known in keys]
    everywhere += [f"[{name}]" for name in sections if name] + ["[environments.<name>]"]
    here = sections.get(section, [])
    close = difflib.get_close_matches(key, here, n=1, cutoff=0.6)
    if close:
        suggestion = f"{section}.{close[0]}" if section else close[0]
    else:
        dotted = [name for name in everywhere if name.rsplit(".", 1)[-1].strip("[]") == key]
        near = dotted or difflib.get_close_matches(
            key, [name.rsplit(".", 1)[-1] for name in everywhere], n=1, cutoff=0.75
        )
        suggestion = dotted[0] if dotted else (next(n for n in everywhere if n.endswith(near[0])) if near else "")
    where = f"[{section}]" if section else "the top level"
    hint = f"unknown key in {where}"
    return f"{hint}; did you mean {suggestion}?" if suggestion else f"{hint}; known keys: {', '.join(here)}"
