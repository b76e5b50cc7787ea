"""Terraform's dependency graph, two ways: from the references in the JSON, and from `terraform graph`."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict

REFERENCE = re.compile(r"\$\{(data\.[a-z0-9_]+\.[\w-]+|aws_[a-z0-9_]+\.[\w-]+)")
DOT_EDGE = re.compile(r'"(?:\[root\] )?([^"]+?)(?: \(expand\))?"\s*->\s*"(?:\[root\] )?([^"]+?)(?: \(expand\))?"')


def edges_from_json(document: dict) -> dict[str, set[str]]:
    """Each resource's direct dependencies: the addresses its arguments reference, plus depends_on."""
    graph: dict[str, set[str]] = defaultdict(set)
    blocks = [("", document.get("resource", {})), ("data.", document.get("data", {}))]
    for prefix, by_type in blocks:
        for resource_type, items in by_type.items():
            for name, body in items.items():
                address = f"{prefix}{resource_type}.{name}"
                graph[address]
                fields = {key: value for key, value in body.items() if key != "//"}
                graph[address] |= set(REFERENCE.findall(str(fields)))
                graph[address] |= {entry.strip("${}") for entry in fields.get("depends_on", [])}
    return graph


def edges_from_terraform_graph(stack_dir: str) -> dict[str, set[str]]:
    """Parse `terraform graph` (DOT): an edge A -> B means A depends on B."""
    dot = subprocess.run(["terraform", "graph"], cwd=stack_dir, capture_output=True, text=True, check=False)
    assert dot.returncode == 0, f"terraform graph failed:\n{dot.stderr}"
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in DOT_EDGE.findall(dot.stdout):
        graph[source].add(target)
    return graph


def depends_on(graph: dict[str, set[str]], dependent: str, dependency: str) -> bool:
    """Whether `dependent` (transitively) waits for `dependency`."""
    seen, stack = set(), [dependent]
    while stack:
        node = stack.pop()
        for target in graph.get(node, ()):
            if target == dependency:
                return True
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return False
