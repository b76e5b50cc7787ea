"""What changing one settings key does to a deployed stack: no change, in place, replaces resources, or data loss.

For a key, the default dev or prod stack is synthesized twice in this process, before and after the change
(key_variants.py picks the value), and the two Terraform JSON documents are compared per resource address and
attribute path. A resource is replaced when a changed path is one the provider forces new on
(provider_replacements.json), when a reference it holds points at a replaced resource's computed attribute and that
attribute forces new (followed until nothing more changes), or when its address disappears and another appears; it
is removed or added when its address only exists on one side. The cost of a replace or removal is plan_risk.py's:
the cluster, the KMS key, the backup vault, log groups and log buckets are data loss.

This reads the configuration, not AWS: what Terraform will do with the same two configurations and a state that
matches the first. Known limits: a conditional trigger (a CustomizeDiff) counts only when its condition is in the
configuration (see CONDITIONS); a computed attribute of a resource updated in place is taken as unchanged.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aurora_web.settings.profiles import with_profile_defaults
from aurora_web.settings.schema import StackSettings
from constructs_lib.validation import ConfigError

from . import key_variants
from .plan_risk import DATA_LOSS, DOWNTIME, risk_of
from .provider_replacements import replacements

STACK = "aurora-web"
PROFILES = ("dev", "prod")
# The default stack of each profile; prod's load balancer needs a certificate (a made-up ARN, never looked up).
BASE_DOCUMENTS: dict[str, dict[str, Any]] = {
    "dev": {},
    "prod": {
        "profile": "prod",
        "load_balancer": {"certificate_arn": key_variants.CERTIFICATE_ARN},
    },
}
META_ARGUMENTS = ("//", "depends_on", "lifecycle", "provider", "count", "for_each", "provisioner", "connection")
# Conditional triggers whose condition is an attribute of the same resource: (type, path) -> that attribute.
CONDITIONS = {("aws_instance", "user_data"): "user_data_replace_on_change"}
UNKNOWN = "(known after apply)"
_REFERENCE = re.compile(r"\b((?:data\.)?aws_\w+\.[\w-]+)\.(\w+)")
_INDEX = re.compile(r"\.\d+(?=\.|$)")

NO_CHANGE, IN_PLACE, REPLACES, REMOVES = "no change", "in place", "replaces", "removes"
KINDS = (DATA_LOSS, DOWNTIME, REPLACES, REMOVES, IN_PLACE, NO_CHANGE)  # worst first


@dataclass(frozen=True)
class Effect:
    """What a change does to one stack: resource addresses by what Terraform would do to them."""

    key: str
    profile: str
    value: Any
    note: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    forced_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # replaced address -> paths
    may_replace: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # address -> conditional paths
    outside_resources: tuple[str, ...] = ()  # provider or backend settings that changed
    moved_region: str = ""  # the provider's new region, when it changed

    @property
    def kind(self) -> str:
        """The plan's class, the worst that applies (KINDS). Backend settings move the state, not a resource."""
        if self.data_loss:
            return DATA_LOSS
        if self.downtime:
            return DOWNTIME
        if self.replaced or self.region_moved:
            return REPLACES
        if self.removed:
            return REMOVES
        if self.added or self.updated or [name for name in self.outside_resources if name.startswith("provider.")]:
            return IN_PLACE
        return NO_CHANGE

    @property
    def region_moved(self) -> bool:
        """The provider's region changed: Terraform then looks for every resource in the new region."""
        return bool(self.moved_region)

    def _costing(self, cost: str) -> tuple[str, ...]:
        return tuple(
            address
            for address in (*self.replaced, *self.removed)
            if (risk_of(address.removeprefix("data.").split(".")[0]) or ("", ""))[0] == cost
        )

    @property
    def data_loss(self) -> tuple[str, ...]:
        """Replaced or removed resources whose loss loses data (plan_risk.DATA_LOSS_TYPES)."""
        return self._costing(DATA_LOSS)

    @property
    def downtime(self) -> tuple[str, ...]:
        return self._costing(DOWNTIME)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for name, item in value.items():
            yield from _leaves(item, f"{path}.{name}" if path else name)
    elif isinstance(value, list) and value and any(isinstance(item, (dict, list)) for item in value):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}.{index}")
    else:
        yield path, value


def _blocks(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """address -> configuration, for resources and data sources (meta-arguments dropped)."""
    found = {}
    for prefix, section in (("", "resource"), ("data.", "data")):
        for resource_type, named in document.get(section, {}).items():
            for name, body in named.items():
                found[f"{prefix}{resource_type}.{name}"] = {
                    key: value for key, value in body.items() if key not in META_ARGUMENTS
                }
    return found


def _attribute(blocks: dict[str, dict[str, Any]], address: str, attribute: str) -> Any:
    return blocks.get(address, {}).get(attribute, None)


def _resolved(value: Any, blocks: dict[str, dict[str, Any]], fresh: set[str], depth: int = 0) -> Any:
    """A value with references replaced by the referenced configuration's value where it is set there (so a changed
    name shows), or by UNKNOWN where it is computed by a resource that is created or replaced (`fresh`)."""
    if isinstance(value, dict):
        return {key: _resolved(item, blocks, fresh, depth) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolved(item, blocks, fresh, depth) for item in value]
    if not isinstance(value, str) or "${" not in value or depth > 8:
        return value
    for address, attribute in _REFERENCE.findall(value):
        configured = _attribute(blocks, address, attribute)
        if configured is not None:
            text = json.dumps(_resolved(configured, blocks, fresh, depth + 1), sort_keys=True)
            value = value.replace(f"{address}.{attribute}", text)
        elif address in fresh:
            return UNKNOWN
    return value


def _changed_paths(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = dict(_leaves(before)), dict(_leaves(after))
    return sorted({path for path in old.keys() | new.keys() if old.get(path) != new.get(path)})


def _forced(
    resource_type: str, old: dict[str, Any], config: dict[str, Any], paths: list[str]
) -> tuple[list[str], list[str]]:
    """(paths that force a replacement, paths that may) of one resource type."""
    triggers = replacements(resource_type)
    if triggers is None:
        if resource_type.startswith("data."):
            return [], []
        raise LookupError(f"{resource_type} is not in provider_replacements.json; regenerate it")
    forced, maybe = [], []
    switched = {name for name in triggers.one_of_replaces if name in old} != {
        name for name in triggers.one_of_replaces if name in config
    }
    for path in paths:
        plain = _INDEX.sub("", path)

        def hits(names: tuple[str, ...], plain: str = plain) -> bool:
            return any(plain == name or plain.startswith(name + ".") or name.startswith(plain + ".") for name in names)

        condition = CONDITIONS.get((resource_type, plain))
        if (
            hits(triggers.force_new)
            or (condition is not None and config.get(condition) is True)
            or (switched and plain in triggers.one_of_replaces)
        ):
            forced.append(path)
        elif hits(triggers.conditional) and condition is None:
            maybe.append(path)
    return forced, maybe


def compare(
    key: str, profile: str, value: Any, before: dict[str, Any], after: dict[str, Any], *, note: str = ""
) -> Effect:
    """The effect of going from configuration `before` to `after` (both synthesized Terraform JSON)."""
    old, new = _blocks(before), _blocks(after)
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    fresh: set[str] = set(added)
    forced_by: dict[str, tuple[str, ...]] = {}
    may: dict[str, tuple[str, ...]] = {}
    updated: set[str] = set()
    while True:
        for address in sorted(old.keys() & new.keys()):
            resource_type = address.rsplit(".", 1)[0]
            paths = _changed_paths(_resolved(old[address], old, set()), _resolved(new[address], new, fresh))
            if not paths:
                continue
            if address.startswith("data."):
                fresh.add(address)  # read again with new arguments: its results may differ
                continue
            forced, maybe = _forced(resource_type, old[address], new[address], paths)
            if forced:
                forced_by[address] = tuple(forced)
                may.pop(address, None)
            elif maybe:
                may[address] = tuple(maybe)
            updated.add(address)
        grown = fresh | set(forced_by) | {address for address in updated if address.startswith("data.")}
        if grown == fresh:
            break
        fresh = grown
    outside = [
        f"{section}.{name}"
        for section in ("provider", "terraform")
        for name in sorted(set(before.get(section, {})) | set(after.get(section, {})))
        if before.get(section, {}).get(name) != after.get(section, {}).get(name)
    ]
    regions = [document.get("provider", {}).get("aws", [{}])[0].get("region", "") for document in (before, after)]
    resources = [address for address in (*added, *removed) if not address.startswith("data.")]
    return Effect(
        key=key,
        profile=profile,
        value=value,
        note=note,
        added=tuple(address for address in added if address in resources),
        removed=tuple(address for address in removed if address in resources),
        replaced=tuple(sorted(address for address in forced_by if not address.startswith("data."))),
        updated=tuple(sorted(address for address in updated - set(forced_by) if not address.startswith("data."))),
        forced_by={address: paths for address, paths in forced_by.items() if not address.startswith("data.")},
        may_replace=may,
        outside_resources=tuple(outside),
        moved_region=regions[1] if regions[0] != regions[1] else "",
    )


class Synthesizer:
    """Synthesizes stacks from settings documents in this process, with generated keys kept in a scratch directory."""

    def __init__(self) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="aurora-web-key-effects-")
        root = Path(self._scratch.name)
        os.chmod(root, 0o700)
        self.key_directory = root / "keys"
        self.other_key_directory = root / "other-keys"
        self.public_key_file = root / "id_ed25519.pub"
        for directory in (self.key_directory, self.other_key_directory):
            directory.mkdir(mode=0o700)
        self.public_key_file.write_text(_public_key_line() + "\n")

    def close(self) -> None:
        self._scratch.cleanup()

    def placeholders(self, value: Any) -> Any:
        return (
            {
                key_variants.PUBLIC_KEY_FILE: str(self.public_key_file),
                key_variants.OTHER_KEY_DIRECTORY: str(self.other_key_directory),
            }.get(value, value)
            if isinstance(value, str)
            else value
        )

    def synth(self, document: dict[str, Any]) -> dict[str, Any]:
        from cdktf import Testing

        from aurora_web.settings.stacks import stack_config_from_document
        from constructs_lib.aurora_web_stack import AuroraWebStack

        document = json.loads(json.dumps(document))
        document.setdefault("web", {}).setdefault("key_directory", str(self.key_directory))
        config = stack_config_from_document(document)
        parsed: dict[str, Any] = json.loads(Testing.synth(AuroraWebStack(Testing.app(), STACK, config)))
        return parsed


def _public_key_line() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.generate().public_key()
    return public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def current_value(document: dict[str, Any], key: str) -> Any:
    settings = StackSettings.model_validate(with_profile_defaults(document))
    section, _, name = key.rpartition(".")
    value = getattr(getattr(settings, section) if section else settings, name)
    if isinstance(value, list):
        return [str(item) if hasattr(item, "compressed") else item for item in value]
    return str(value) if hasattr(value, "compressed") else value


def effect_of(
    synthesizer: Synthesizer,
    key: str,
    profile: str,
    *,
    value: Any = None,
    base: dict[str, Any] | None = None,
    cache_before: dict[str, dict[str, Any]] | None = None,
) -> Effect:
    """The effect of changing `key` in `profile`'s default stack (or `base`), to `value` or the variant's."""
    document = BASE_DOCUMENTS[profile] if base is None else base
    chosen = key_variants.variant(key, current_value(document, key), profile)
    if value is not None:
        chosen = key_variants.Variant(key, value, chosen.companions, chosen.context)
    start = key_variants.with_values(document, {k: synthesizer.placeholders(v) for k, v in chosen.context.items()})
    changes = {chosen.key: chosen.value, **chosen.companions}
    end = key_variants.with_values(start, {k: synthesizer.placeholders(v) for k, v in changes.items()})
    marker = json.dumps(start, sort_keys=True)
    if cache_before is not None and marker in cache_before:
        before = cache_before[marker]
    else:
        before = synthesizer.synth(start)
        if cache_before is not None:
            cache_before[marker] = before
    try:
        after = synthesizer.synth(end)
    except ConfigError as error:
        raise ValueError(
            f"{key} = {chosen.value!r} ({profile}) is refused, so its effect cannot be measured: {error}; "
            "give the key a valid value, companions or context in key_variants.OVERRIDES"
        ) from None
    return compare(key, profile, chosen.value, before, after, note=chosen.note())


@dataclass(frozen=True)
class Table:
    effects: tuple[Effect, ...]
    seconds: float
    pinned_provider: str  # the hashicorp/aws version the synthesized stacks require


def all_effects() -> Table:
    """Every leaf key's effect in the default dev and prod stacks, in one process."""
    started = time.perf_counter()
    synthesizer = Synthesizer()
    try:
        befores: dict[str, dict[str, Any]] = {}
        effects = [
            effect_of(synthesizer, key, profile, cache_before=befores)
            for key in key_variants.leaf_keys()
            for profile in PROFILES
        ]
    finally:
        synthesizer.close()
    pinned = next(iter(befores.values()))["terraform"]["required_providers"]["aws"]["version"]
    return Table(tuple(effects), time.perf_counter() - started, str(pinned))


def expected_effect(key: str, profile: str = "dev", value: Any = None, base: dict[str, Any] | None = None) -> Effect:
    """What changing `key` does, for tests that apply the change for real (the change scenarios).

    Without `value` and `base`: the documented table's row for `profile`. With them: that value, in that settings
    document (TOML-shaped; `profile` names its profile). Two syntheses in this process, about a second.
    """
    synthesizer = Synthesizer()
    try:
        return effect_of(synthesizer, key, profile, value=value, base=base)
    finally:
        synthesizer.close()


def synthesized_types() -> set[str]:
    """Every resource type of the default stacks, every examples/*.toml and every key's changed stack."""
    from aurora_web.paths import PROJECT_ROOT
    from aurora_web.settings.files import read_toml
    from aurora_web.settings.stacks import merge_environment

    synthesizer = Synthesizer()
    documents = [*BASE_DOCUMENTS.values()]
    for path in sorted((PROJECT_ROOT / "examples").glob("*.toml")):
        document = read_toml(str(path))
        environments = document.pop("environments", None) or {}
        documents += [merge_environment(document, name, table) for name, table in environments.items()] or [document]
    types: set[str] = set()
    try:
        for document in documents:
            types |= set(synthesizer.synth(document).get("resource", {}))
        for key in key_variants.leaf_keys():
            for profile in PROFILES:
                base = BASE_DOCUMENTS[profile]
                chosen = key_variants.variant(key, current_value(base, key), profile)
                values = {**chosen.context, chosen.key: chosen.value, **chosen.companions}
                changed = key_variants.with_values(base, {k: synthesizer.placeholders(v) for k, v in values.items()})
                types |= set(synthesizer.synth(changed).get("resource", {}))
    finally:
        synthesizer.close()
    return types
