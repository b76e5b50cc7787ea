"""Render a cdk.tf.json document as Terraform native syntax (HCL), using the provider schema to tell blocks from maps.

Why our own renderer: `cdktf synth --hcl` (cdktf 0.21) does not escape quotes in strings that hold `${...}`, so
every JSON policy with a reference comes out as invalid HCL (hashicorp/terraform-cdk#3911). In Terraform's JSON
syntax a nested block and a map attribute look alike; the provider schema (`terraform providers schema -json`)
says which is which. Pure functions only: the runner (export_hcl.py) fetches the schema and validates the result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
BARE_META = {"depends_on", "ignore_changes", "replace_triggered_by"}  # lists of references, written bare
TOP_LEVEL_ORDER = ("terraform", "provider", "variable", "locals", "data", "resource", "module", "output")

JsonObject = dict[str, Any]
"""A JSON object as json.loads returns it: a cdk.tf.json document, a block body, a provider schema."""


class UnsupportedJson(ValueError):
    """The document uses a construct this renderer does not handle; better to stop than to emit wrong HCL."""


class Schema:
    """Block schemas from `terraform providers schema -json`, looked up by the provider's local name."""

    def __init__(self, providers_schema: JsonObject, required_providers: JsonObject) -> None:
        self.by_local_name: dict[str, JsonObject] = {}
        schemas = providers_schema.get("provider_schemas", {})
        for local_name, requirement in required_providers.items():
            source = requirement.get("source", local_name) if isinstance(requirement, dict) else local_name
            self.by_local_name[local_name] = schemas.get(_full_source(source), {})

    def _provider_for(self, type_name: str, explicit: str | None) -> JsonObject:
        local_name = (explicit or type_name).split(".")[0].split("_")[0]
        return self.by_local_name.get(local_name, {})

    def provider(self, local_name: str) -> JsonObject:
        block: JsonObject = self.by_local_name.get(local_name, {}).get("provider", {}).get("block", {})
        return block

    def resource(self, type_name: str, provider: str | None = None) -> JsonObject:
        found = self._provider_for(type_name, provider).get("resource_schemas", {}).get(type_name)
        if found is None:
            raise UnsupportedJson(f"no schema for resource type {type_name}")
        block: JsonObject = found["block"]
        return block

    def data(self, type_name: str, provider: str | None = None) -> JsonObject:
        found = self._provider_for(type_name, provider).get("data_source_schemas", {}).get(type_name)
        if found is None:
            raise UnsupportedJson(f"no schema for data source {type_name}")
        block: JsonObject = found["block"]
        return block


def _full_source(source: str) -> str:
    parts = source.split("/")
    if len(parts) == 1:
        parts = ["hashicorp", *parts]
    if len(parts) == 2:
        parts = ["registry.terraform.io", *parts]
    return "/".join(parts).lower()


# ---- strings and expressions -------------------------------------------------------------------------------


def _match_brace(text: str, index: int) -> int:
    """Index of the `}` closing a `${` / `%{` whose body starts at `index` (skips nested braces and strings)."""
    depth = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _skip_string(text, index)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise UnsupportedJson(f"unbalanced template interpolation in {text!r}")


def _skip_string(text: str, index: int) -> int:
    """Index just past the quoted string (inside an interpolation) that starts at `index`."""
    index += 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text[index] == '"':
            return index + 1
        elif text.startswith(("${", "%{"), index):
            index = _match_brace(text, index + 2) + 1
        else:
            index += 1
    raise UnsupportedJson(f"unterminated string inside an interpolation in {text!r}")


def template_parts(text: str) -> list[tuple[bool, str]]:
    """Split a Terraform string template into (is_interpolation, text) parts; `$${` / `%%{` stay literal."""
    parts: list[tuple[bool, str]] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            literal.append(text[index : index + 3])
            index += 3
        elif text.startswith(("${", "%{"), index):
            end = _match_brace(text, index + 2)
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            parts.append((True, text[index : end + 1]))
            index = end + 1
        else:
            literal.append(text[index])
            index += 1
    if literal:
        parts.append((False, "".join(literal)))
    return parts


def _escape_literal(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def bare(text: str) -> str:
    """The expression inside a string that is exactly one `${...}`, else the string itself (for references)."""
    parts = template_parts(text) if "${" in text else []
    if len(parts) == 1 and parts[0][0] and parts[0][1].startswith("${"):
        return parts[0][1][2:-1].strip()
    return text


def render_string(text: str) -> str:
    """A JSON-syntax string as a native-syntax expression: bare when it is one interpolation, else a template."""
    parts = template_parts(text)
    if len(parts) == 1 and parts[0][0] and parts[0][1].startswith("${"):
        return parts[0][1][2:-1].strip()
    lines = text.split("\n")
    if len(lines) > 2 and text.endswith("\n") and "\r" not in text and "EOT" not in (line.strip() for line in lines):
        return "<<EOT\n" + text + "EOT"  # heredoc: no backslash escapes, templates as in JSON
    return '"' + "".join(part if is_expr else _escape_literal(part) for is_expr, part in parts) + '"'


def render_key(key: str) -> str:
    return key if IDENTIFIER.match(key) else json.dumps(key)


def render_value(value: Any, indent: int = 0) -> str:
    """Any JSON value as an attribute expression."""
    if isinstance(value, list):
        return _render_list(value, indent)
    if isinstance(value, dict):
        return _render_object(value, indent)
    return _render_scalar(value)


def _render_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return render_string(value)
    raise UnsupportedJson(f"unexpected JSON value {value!r}")


def _render_list(value: list[Any], indent: int) -> str:
    pad = "  " * indent
    items = [render_value(item, indent + 1) for item in value]
    if sum(len(item) for item in items) < 80 and not any("\n" in item for item in items):
        return "[" + ", ".join(items) + "]"
    return "[\n" + "".join(f"{pad}  {item},\n" for item in items) + pad + "]"


def _render_object(value: JsonObject, indent: int) -> str:
    pad = "  " * indent
    if not value:
        return "{}"
    body = "".join(f"{pad}  {render_key(key)} = {render_value(item, indent + 1)}\n" for key, item in value.items())
    return "{\n" + body + pad + "}"


# ---- blocks ------------------------------------------------------------------------------------------------


def _blocks(value: Any, where: str) -> list[JsonObject]:
    items: list[Any] = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in items):
        raise UnsupportedJson(f"{where}: a block given as an expression (dynamic blocks are not supported)")
    return items


def _attribute(name: str, value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if name in BARE_META and isinstance(value, list):
        return [f"{pad}{name} = [{', '.join(bare(item) for item in value)}]"]
    return [f"{pad}{name} = {render_value(value, indent)}"]


def render_body(body: JsonObject, schema: JsonObject | None, indent: int, where: str) -> list[str]:
    """Attributes first, then nested blocks (per the schema), then the lifecycle meta-block."""
    pad = "  " * indent
    block_types = (schema or {}).get("block_types", {})
    attributes: list[str] = []
    blocks: list[str] = []
    for name, value in body.items():
        if name == "//":
            continue
        if name in ("provisioner", "connection", "dynamic"):
            raise UnsupportedJson(f"{where}: `{name}` is not supported by this renderer")
        if name == "provider" and isinstance(value, str):
            attributes.append(f"{pad}provider = {bare(value)}")
        elif name in ("lifecycle", "precondition", "postcondition", "validation"):
            for item in _blocks(value, f"{where}.{name}"):
                blocks += [f"{pad}{name} {{", *render_body(item, None, indent + 1, f"{where}.{name}"), f"{pad}}}"]
        elif name in block_types:
            nested = block_types[name]["block"]
            for item in _blocks(value, f"{where}.{name}"):
                blocks += [f"{pad}{name} {{", *render_body(item, nested, indent + 1, f"{where}.{name}"), f"{pad}}}"]
        else:
            attributes += _attribute(name, value, indent)
    return attributes + blocks


def _labelled(keyword: str, labels: list[str], lines: list[str]) -> list[str]:
    return [" ".join([keyword, *(json.dumps(label) for label in labels), "{"]), *lines, "}", ""]


def _terraform_block(body: JsonObject) -> list[str]:
    lines: list[str] = []
    for name, value in body.items():
        if name == "required_providers":
            lines += ["  required_providers {", *_attribute_lines(value, 2), "  }"]
        elif name == "backend":
            for backend_type, config in value.items():
                lines += [f'  backend "{backend_type}" {{', *_attribute_lines(config, 2), "  }"]
        elif name == "required_version":
            lines += _attribute(name, value, 1)
        else:
            raise UnsupportedJson(f"terraform.{name} is not supported by this renderer")
    return _labelled("terraform", [], lines)


def _attribute_lines(values: JsonObject, indent: int) -> list[str]:
    lines: list[str] = []
    for name, value in values.items():
        if name != "//":
            lines += _attribute(name, value, indent)
    return lines


def _each_named(section: JsonObject, what: str) -> Iterator[tuple[str, JsonObject]]:
    for name, body in section.items():
        for item in _blocks(body, f"{what}.{name}"):
            yield name, item


def render_document(document: JsonObject, schema: Schema) -> str:
    """The whole cdk.tf.json document as HCL text (unformatted; run `terraform fmt` for alignment)."""
    unknown = set(document) - set(TOP_LEVEL_ORDER) - {"//"}
    if unknown:
        raise UnsupportedJson(f"top-level {sorted(unknown)} not supported by this renderer")
    out: list[str] = []
    for section in TOP_LEVEL_ORDER:
        value = document.get(section)
        if not value:
            continue
        if section == "terraform":
            for body in _blocks(value, "terraform"):
                out += _terraform_block(body)
        elif section == "provider":
            for name, body in _each_named(value, "provider"):
                out += _labelled("provider", [name], render_body(body, schema.provider(name), 1, f"provider.{name}"))
        elif section == "locals":
            for body in _blocks(value, "locals"):
                out += _labelled("locals", [], _attribute_lines(body, 1))
        elif section in ("resource", "data"):
            out += _typed_blocks(section, value, schema)
        else:  # variable, module, output: attributes plus meta-blocks
            out += _named_blocks(section, value)
    return "\n".join(out).rstrip("\n") + "\n"


def _typed_blocks(section: str, value: JsonObject, schema: Schema) -> list[str]:
    """The `resource` or `data` section: blocks labelled with type and name, their bodies per the provider schema."""
    lookup = schema.resource if section == "resource" else schema.data
    out: list[str] = []
    for type_name, named in value.items():
        for name, body in _each_named(named, f"{section}.{type_name}"):
            block_schema = lookup(type_name, body.get("provider"))
            out += _labelled(
                section, [type_name, name], render_body(body, block_schema, 1, f"{section}.{type_name}.{name}")
            )
    return out


def _named_blocks(section: str, value: JsonObject) -> list[str]:
    """A `variable`, `module` or `output` section: attributes plus meta-blocks, no schema."""
    out: list[str] = []
    for name, body in _each_named(value, section):
        typed = section == "variable" and "type" in body  # a type constraint is a bare expression
        rest = {key: item for key, item in body.items() if not (typed and key == "type")}
        lines = [f"  type = {bare(body['type'])}"] if typed else []
        out += _labelled(section, [name], lines + render_body(rest, None, 1, f"{section}.{name}"))
    return out


# ---- round trip --------------------------------------------------------------------------------------------


def normalized(value: Any, key: str | None = None) -> Any:
    """A form in which a JSON document and the parse of its HCL (cdktf's hcl2json) compare equal.

    Drops "//" comments, turns one-element lists of objects into the object (JSON syntax allows a block as either),
    and writes reference lists (depends_on, ignore_changes, provider) without `${}`.
    """
    if isinstance(value, dict):
        return {name: normalized(item, name) for name, item in value.items() if name != "//"}
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], dict):
            return normalized(value[0], key)
        return [normalized(item, key) for item in value]
    if isinstance(value, str) and (key in BARE_META or key in {"provider", "type"}):
        return bare(value)
    return value


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """Where two normalized documents first differ, as a readable path with both values; None when equal."""
    if isinstance(left, dict) and isinstance(right, dict):
        for name in sorted(set(left) | set(right)):
            if name not in left or name not in right:
                return f"{path}.{name}: only in {'HCL' if name in right else 'JSON'}"
            found = first_difference(left[name], right[name], f"{path}.{name}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):  # lengths are equal here
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: JSON {left!r} != HCL {right!r}"
