"""docs/iam.md's table says exactly what each role of the synthesized prod stack may do, and which are prod's."""

from __future__ import annotations

import json
import re

from tests.support.paths import PROJECT_ROOT

IAM_DOC = PROJECT_ROOT / "docs" / "iam.md"


def documented_rows() -> dict[str, dict[str, str]]:
    text = IAM_DOC.read_text()
    table = text[text.index("| role") :].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[1].strip("`")] = {"role": cells[0], "managed": cells[2], "inline": cells[3]}
    return rows


def roles(stack) -> dict[str, dict]:
    """Trusted service -> the role's managed policy ARNs and inline policy actions (and their resources)."""
    found: dict[str, dict] = {}
    attachments = stack.resources("aws_iam_role_policy_attachment").values()
    inline = stack.resources("aws_iam_role_policy").values()
    for name, role in stack.resources("aws_iam_role").items():
        service = json.loads(role["assume_role_policy"])["Statement"][0]["Principal"]["Service"]
        ref = re.compile(r"\$\{aws_iam_role\." + re.escape(name) + r"\.(name|id)\}")
        managed = sorted(a["policy_arn"].split(":policy/")[1] for a in attachments if ref.fullmatch(a["role"]))
        actions = sorted(
            action
            for policy in inline
            if ref.fullmatch(policy["role"])
            for statement in json.loads(policy["policy"])["Statement"]
            for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        )
        found[service] = {"managed": managed, "actions": actions}
    return found


def assert_permissions_as_documented(synthesized: dict[str, dict], documented: dict[str, dict[str, str]]) -> None:
    for service, role in synthesized.items():
        row = documented[service]
        assert sorted(re.findall(r"`([\w/-]+)`", row["managed"])) == role["managed"], service
        written = sorted(re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", row["inline"]))
        assert written == sorted(set(role["actions"])), service


def test_every_role_of_the_prod_stack_is_in_the_table_with_its_exact_permissions(prod):
    documented = documented_rows()
    synthesized = roles(prod)
    assert set(synthesized) == set(documented), "a role is missing from docs/iam.md's table, or extra there"
    assert_permissions_as_documented(synthesized, documented)


def test_the_dev_stack_has_exactly_the_roles_not_marked_prod(dev):
    documented = documented_rows()
    synthesized = roles(dev)
    unmarked = {service for service, row in documented.items() if not row["role"].endswith("(prod)")}
    assert set(synthesized) == unmarked, "a role the table marks (prod) is in dev, or one it does not mark is missing"
    assert_permissions_as_documented(synthesized, documented)


def test_the_web_role_reaches_only_its_own_cluster_and_secret(prod):
    (grant,) = (
        json.loads(policy["policy"])
        for policy in prod.resources("aws_iam_role_policy").values()
        if "rds:DescribeDBClusters" in policy["policy"]
    )
    resources = {statement["Sid"]: statement["Resource"] for statement in grant["Statement"]}
    assert {"FindTheCluster", "ReadTheMasterSecret"} <= set(resources), resources
    assert all("*" not in json.dumps(value) for value in resources.values()), resources
