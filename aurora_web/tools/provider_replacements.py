"""Which attributes of each resource type force Terraform to replace the resource, read from the AWS provider's Go
source, and the data file that records them (aurora_web/tools/data/provider_replacements.json).

`terraform providers schema -json` has no ForceNew, so the provider's source is the record: SDKv2 schemas mark an
attribute `ForceNew: true`; Plugin Framework schemas give it a `RequiresReplace()` plan modifier; a `CustomizeDiff`
function may call `ForceNew(...)` on some values only (recorded apart, as conditional). The file lists, for every
resource type the stacks synthesize, those attribute paths (nested blocks joined by dots) and the source file.

Regenerate (any checkout or bare clone of hashicorp/terraform-provider-aws; the ref should be the provider version
cdktf-cdktf-provider-aws pins):
    python -m aurora_web.tools.provider_replacements --provider-repo PATH --ref v5.100.0 [--version 5.100.0]
The resource types are those the key-effect generator synthesizes (key_effects.synthesized_types), so a new type
fails tests/app/test_provider_replacements.py until the file is regenerated. A resource's own file is read, and
the file of a shared resource it embeds (the egress rule is the ingress rule's schema); schema helper functions of
other files are not followed, and plan logic written as Go code is in HAND_READ, each entry naming its function.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("data") / "provider_replacements.json"
NAMES_FILE = "names/attr_consts_gen.go"  # names.AttrX constants used as schema keys
_KEY = r'("[a-z0-9_]+"|names\.Attr\w+)'
_OPENS = re.compile(r"^\s*" + _KEY + r":\s*(?:&?schema\.\w+|schema\.\w+)?\{")
_FORCE_NEW = re.compile(r"\bForceNew:\s*true\b")
_REQUIRES_REPLACE = re.compile(r"\.RequiresReplace(If\w*)?\(")
_DIFF_FORCE_NEW = re.compile(r"\bForceNew(?:If\w*)?\(" + _KEY)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
_EMBEDDED = re.compile(r"^type \w+ struct \{\n\t(\w+)\n", re.MULTILINE)  # a resource built on a shared one
# What the reader cannot see: a plan modifier written as Go logic. Each entry names the function it was read from.
# one_of_replaces: switching which one of these attributes is set replaces the resource (changing a value in place
# does not).
HAND_READ: dict[str, dict[str, Any]] = {
    rule: {
        "one_of_replaces": ["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"],
        "read_from": "internal/service/ec2/vpc_security_group_ingress_rule.go, securityGroupRule ModifyPlan: "
        '"When you modify a rule, you cannot change the rule\'s source type"',
    }
    for rule in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")
}


@dataclass(frozen=True)
class Replacements:
    """One resource type's replacement triggers as the provider's source declares them."""

    source: str  # file path in the provider repository
    force_new: tuple[str, ...]  # always replace when changed
    conditional: tuple[str, ...]  # replace for some changes only (CustomizeDiff, RequiresReplaceIf)
    one_of_replaces: tuple[str, ...] = ()  # HAND_READ: switching which of these is set replaces


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def resource_file(repo: Path, ref: str, resource_type: str) -> str:
    """The Go file declaring `resource_type` at `ref`: its SDKv2 annotation, or a Framework resource's TypeName."""
    pattern = rf'@(SDK|Framework)Resource\("{resource_type}"|TypeName = "{resource_type}"'
    found = subprocess.run(
        ["git", "-C", str(repo), "grep", "-l", "-E", pattern, ref, "--", "internal/service/*.go"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    files = sorted({line.split(":", 1)[1] for line in found if not line.endswith("_test.go")})
    files = [name for name in files if "data_source" not in name]
    if len(files) != 1:
        raise LookupError(f"{resource_type}: expected one declaring file at {ref}, found {files}")
    return files[0]


def attribute_names(repo: Path, ref: str) -> dict[str, str]:
    """names.AttrX -> "x", from the provider's generated constants (absent in older versions)."""
    try:
        text = _git(repo, "show", f"{ref}:{NAMES_FILE}")
    except subprocess.CalledProcessError:
        return {}
    return {f"names.{name}": value for name, value in re.findall(r'(Attr\w+)\s*=\s*"([^"]+)"', text)}


def _name(token: str, names: dict[str, str]) -> str:
    return token.strip('"') if token.startswith('"') else names.get(token, token)


def parse(go_source: str, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """(force-new paths, conditional paths) of a resource's Go source, by following schema keys and braces."""
    force_new: list[str] = []
    conditional: list[str] = []
    stack: list[tuple[str, int]] = []  # (attribute, brace depth inside its literal)
    depth = 0
    for line in go_source.splitlines():
        code = _STRINGS.sub('""', line).split("//", 1)[0]
        opened = _OPENS.match(line)
        before = depth
        depth += code.count("{") - code.count("}")
        if opened and depth > before:
            stack.append((_name(opened.group(1), names), before + 1))
        path = ".".join(name for name, _ in stack)
        if path and _FORCE_NEW.search(code):
            force_new.append(path)
        replace = _REQUIRES_REPLACE.search(line)
        if path and replace:
            (conditional if replace.group(1) else force_new).append(path)
        for match in _DIFF_FORCE_NEW.finditer(line):
            conditional.append(_name(match.group(1), names))
        while stack and stack[-1][1] > depth:
            stack.pop()
    return sorted(set(force_new)), sorted(set(conditional) - set(force_new))


def _schema_sources(repo: Path, ref: str, path: str) -> list[str]:
    """The resource's file, and the file of each shared resource type it embeds (whose Schema it inherits)."""
    text = _git(repo, "show", f"{ref}:{path}")
    sources = [text]
    if "Schema(" in text:
        return sources
    directory = path.rsplit("/", 1)[0]
    for embedded in _EMBEDDED.findall(text):
        found = subprocess.run(
            ["git", "-C", str(repo), "grep", "-l", "-E", rf"func \(\w+ \*{embedded}\) Schema\(", ref, "--", directory],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        sources += [_git(repo, "show", line) for line in found]
    return sources


def extract(repo: Path, ref: str, resource_types: list[str]) -> dict[str, Replacements]:
    names = attribute_names(repo, ref)
    found = {}
    for resource_type in sorted(resource_types):
        path = resource_file(repo, ref, resource_type)
        force_new, conditional = parse("\n".join(_schema_sources(repo, ref, path)), names)
        one_of = HAND_READ.get(resource_type, {}).get("one_of_replaces", [])
        found[resource_type] = Replacements(path, tuple(force_new), tuple(conditional), tuple(one_of))
    return found


def document(
    found: dict[str, Replacements], repository: str, commit: str, version: str, note: str = ""
) -> dict[str, Any]:
    return {
        "about": "Attributes whose change makes Terraform replace the resource (destroy and create), per resource "
        "type the stacks synthesize, read from the AWS provider's Go source by "
        "aurora_web/tools/provider_replacements.py: SDKv2 `ForceNew: true`, Plugin Framework `RequiresReplace()`; "
        "`conditional` are CustomizeDiff `ForceNew(...)` calls and `RequiresReplaceIf` modifiers (some changes "
        "only). Paths join nested blocks with dots. Regenerate with the module's command, never by hand.",
        "source": {"repository": repository, "commit": commit, "provider_version": version, "note": note},
        "resources": {
            name: {
                "source": item.source,
                "force_new": list(item.force_new),
                "conditional": list(item.conditional),
                **HAND_READ.get(name, {}),
            }
            for name, item in sorted(found.items())
        },
    }


@cache
def load() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return loaded


def replacements(resource_type: str) -> Replacements | None:
    """The recorded triggers of `resource_type`, or None when the data file does not cover it."""
    entry = load()["resources"].get(resource_type)
    if entry is None:
        return None
    return Replacements(
        entry["source"],
        tuple(entry["force_new"]),
        tuple(entry["conditional"]),
        tuple(entry.get("one_of_replaces", ())),
    )


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--provider-repo", required=True, type=Path, help="a clone of terraform-provider-aws")
    parser.add_argument("--ref", default="v5.100.0", help="tag or commit to read (default v5.100.0)")
    parser.add_argument("--version", help="the provider version that ref is (default: the ref without its v)")
    parser.add_argument("--repository", default="hashicorp/terraform-provider-aws", help="named as the source")
    parser.add_argument("--note", default="", help="a caveat about the source, kept in the file")
    args = parser.parse_args(argv)
    import cdktf_fastpath

    from ..paths import PROJECT_ROOT

    cdktf_fastpath.enable(PROJECT_ROOT)  # the resource types come from synthesizing every stack in this process
    from .key_effects import synthesized_types

    commit = _git(args.provider_repo, "rev-parse", f"{args.ref}^{{commit}}").strip()
    found = extract(args.provider_repo, commit, sorted(synthesized_types()))
    version = args.version or args.ref.removeprefix("v")
    DATA_FILE.parent.mkdir(exist_ok=True)
    DATA_FILE.write_text(json.dumps(document(found, args.repository, commit, version, args.note), indent=2) + "\n")
    print(f"aurora-web: wrote {DATA_FILE.name}: {len(found)} resource types from {args.repository} at {commit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
