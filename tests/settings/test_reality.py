"""Validation tied to reality: hypothesis writes settings documents; every one the app accepts must pass
`terraform validate` (offline, the real provider's own checks) and the first ones `terraform plan` against the
moto emulator; every one it refuses fails with one line per problem and no traceback, through `python main.py`
too (exit 2).

The figures (tried / accepted / refused) are printed so they can be quoted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from cdktf import Testing as CdktfTesting
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aurora_web.settings.stacks import app_config_from_document
from constructs_lib.aurora_web_stack import AuroraWebStack
from constructs_lib.validation import ConfigError
from tests.support.emulator import without_aws_settings
from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import require_program

EXAMPLES = int(os.environ.get("AURORA_WEB_REALITY_EXAMPLES", "60"))
PLANNED = int(os.environ.get("AURORA_WEB_REALITY_PLANNED", "10"))  # planned against the emulator (CI time)
MAIN_RUNS = 3  # refused documents also run through `python main.py` (a few: each is a fresh process)


def maybe(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.just(None), values)


def mostly(good: list, bad: list) -> st.SearchStrategy:
    """One of `good` seven times in eight, else one of `bad`: most documents get through, the rest probe edges."""
    return st.integers(min_value=0, max_value=7).flatmap(lambda n: st.sampled_from(bad if n == 0 else good))


# Sensible values, and the edges that broke before: long and upper-case names, reserved ranges, tiny or colliding
# subnets, other partitions, S3 buckets like IP addresses, key prefixes with '..'.
FIELDS = {
    "": {
        "profile": mostly(["dev", "prod"], ["staging"]),
        "region": mostly(["us-east-1", "eu-west-1", "ap-southeast-2"], ["cn-north-1", "us-gov-west-1", "US"]),
        "name_prefix": mostly(["shop", "aurora-web", "a" * 26, "web-2"], ["b" * 27, "c" * 32, "Shop", "my--app"]),
        "tags": mostly([{"team": "web"}, {"env": "qa", "owner": "ops"}], [{"aws:x": "y"}, {"k": "v" * 300}]),
        "key_deletion_window_days": mostly([7, 30], [6, 31]),
    },
    "network": {
        "vpc_cidr": mostly(
            ["10.0.0.0/16", "10.0.0.0/20", "172.16.0.0/16"], ["127.0.0.0/16", "224.0.0.0/16", "10.0.0.0/25"]
        ),
        "az_count": mostly([2, 3], [1, 7]),
        "public_subnet_cidrs": mostly(
            [["10.0.0.0/24", "10.0.1.0/24"]], [["10.0.128.0/20", "10.0.1.0/24"], ["10.0.0.0/30", "10.0.1.0/24"]]
        ),
        "nat_gateway": st.booleans(),
        "flow_logs": st.booleans(),
        "flow_logs_retention_days": mostly([30, 365], [31]),
    },
    "web": {
        "instance_type": mostly(["t3.micro", "t3.small", "m7g.large"], ["t3micro"]),
        "ssh_cidr": mostly(["203.0.113.7/32", "198.51.100.0/24"], ["0.0.0.0/0", "10.0.0.1/16"]),
        "public": mostly([True], [False]),  # false needs a NAT (prod has one; dev does not)
        "http_cidrs": mostly([["0.0.0.0/0"], ["10.0.0.0/16", "192.0.2.0/24"], []], [["10.0.0.1/8"]]),
        "root_volume_gib": mostly([8, 20, 100], [4]),
        "install_app": st.booleans(),
    },
    "database": {
        "cluster_identifier": mostly(["orders-db", "c" * 53, "db-1"], ["c" * 60, "Orders"]),
        "instance_class": mostly(["db.t4g.medium", "db.r6g.large", "db.t3.medium"], ["t3.medium"]),
        "reader_count": mostly([0, 1, 2, 15], [16]),
        "backup_retention_days": mostly([1, 7, 35], [0, 36]),
        "performance_insights": st.booleans(),
        "backup_plan": st.booleans(),
        "backtrack_hours": mostly([0, 24, 72], [73]),
        "monitoring_interval_seconds": mostly([0, 1, 60], [7]),
        "database_name": mostly(["sample", "shop_db"], ["1bad"]),
        "master_username": mostly(["admin", "owner"], ["root"]),
    },
}
STATE_TABLES = mostly(
    [
        {"backend": "local"},
        {"backend": "s3", "bucket": "team-state"},
        {"backend": "s3", "bucket": "t-s", "key_prefix": "a/b"},
    ],
    [
        {"backend": "s3", "bucket": "192.168.1.1"},
        {"backend": "s3", "bucket": "team", "key_prefix": "a/../b"},
        {"backend": "gcs"},
    ],
)


@st.composite
def stack_tables(draw, allowed_tables=("network", "web", "database", "state")) -> dict:
    document: dict = {}
    if "state" in allowed_tables and draw(st.booleans()):
        document["state"] = draw(STATE_TABLES)
    for section, fields in FIELDS.items():
        if section and section not in allowed_tables:
            continue
        chosen = draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True))
        if not chosen:
            continue
        table = {key: draw(fields[key]) for key in chosen}
        if section:
            document[section] = table
        else:
            document.update(table)
    return document


@st.composite
def documents(draw) -> dict:
    document = draw(stack_tables())
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        names = draw(st.lists(st.sampled_from(["dev", "prod", "qa"]), min_size=1, max_size=2, unique=True))
        document["environments"] = {name: draw(stack_tables(("database", "state"))) for name in names}
    return document


def terraform_validate_all(directory: Path, stacks: list[str]) -> dict:
    """Every stack's JSON as one module of a root module, then one `terraform init` + `validate` for all of them.

    Validating 30 stacks one by one costs 30 provider schema loads; as modules of one root it costs one. (A backend
    block inside a module is ignored by Terraform, so each stack's local/S3 backend needs nothing.)
    """
    require_program("terraform")
    root = {"module": {}}
    for index, text in enumerate(stacks):
        module = directory / f"stack{index}"
        module.mkdir()
        document = json.loads(text)
        document.get("terraform", {}).pop("backend", None)  # only a root module may have one
        (module / "cdk.tf.json").write_text(json.dumps(document))
        root["module"][f"stack{index}"] = {"source": f"./stack{index}"}
    (directory / "main.tf.json").write_text(json.dumps(root))
    for command in (["init", "-backend=false", "-input=false"], ["validate", "-json"]):
        result = subprocess.run(
            ["terraform", *command, "-no-color"], cwd=directory, capture_output=True, text=True, check=False
        )
        if command[0] == "init":
            assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def terraform_plan(directory: Path, emulator, stacks: int) -> subprocess.CompletedProcess:
    """`terraform plan` of the first `stacks` accepted stacks at once, against the moto emulator (no apply)."""
    env = {
        **without_aws_settings(os.environ),
        **emulator.env(),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
    }
    return subprocess.run(
        [
            "terraform",
            "plan",
            "-input=false",
            "-lock=false",
            "-no-color",
            *(f"-target=module.stack{index}" for index in range(stacks)),
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def refused_through_main(tmp_path: Path, document: dict, expected_lines: int) -> None:
    settings_file = tmp_path / "settings.json.toml"
    settings_file.write_text(to_toml(document))
    assert tomllib.loads(settings_file.read_text()) == document
    env = {**os.environ, "AURORA_WEB_CONFIG": str(settings_file), "CDKTF_OUTDIR": str(tmp_path / "out")}
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("aurora-web: invalid configuration") and "Traceback" not in result.stderr
    assert len(lines) == 1 + expected_lines and all(line.startswith("  ") for line in lines[1:]), result.stderr
    assert not (tmp_path / "out").exists()


def to_toml(document: dict, prefix: str = "") -> str:
    """A small TOML writer for these documents (scalars, lists, tables of tables)."""
    scalars = {key: value for key, value in document.items() if not isinstance(value, dict) or key == "tags"}
    lines = [f"{json.dumps(key)} = {_toml_value(value)}" for key, value in scalars.items()]
    text = "\n".join(lines) + "\n"
    for key, value in document.items():
        if isinstance(value, dict) and key != "tags":
            name = f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key)
            text += f"[{name}]\n" + to_toml(value, name)
    return text


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value)


@pytest.mark.integration
def test_accepted_settings_pass_terraform_validate_and_refused_ones_fail_cleanly(tmp_path_factory, capsys, emulator):
    require_program("terraform")
    counts: Counter = Counter()
    synthesized: list[tuple[dict, str]] = []
    key_directory = str(tmp_path_factory.mktemp("keys"))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(documents())
    def check(document: dict) -> None:
        counts["tried"] += 1
        with_keys = json.loads(json.dumps(document))
        with_keys.setdefault("web", {})["key_directory"] = key_directory
        try:
            stacks = app_config_from_document(with_keys)
        except ConfigError as error:
            counts["refused"] += 1
            rendered = [problem.render() for problem in error.problems]
            assert rendered and all("\n" not in line and line.split(" = ")[0] for line in rendered), rendered
            assert len(set(rendered)) == len(rendered), f"a line repeated: {rendered}"
            if counts["through main.py"] < MAIN_RUNS:
                counts["through main.py"] += 1
                refused_through_main(tmp_path_factory.mktemp("main"), with_keys, len(rendered))
            return
        counts["accepted"] += 1
        for name, config in stacks.items():
            synthesized.append((document, CdktfTesting.synth(AuroraWebStack(CdktfTesting.app(), name, config))))

    check()
    directory = tmp_path_factory.mktemp("validate")
    result = terraform_validate_all(directory, [text for _, text in synthesized])
    counts["stacks validated"] = len(synthesized)
    failing = {diagnostic.get("range", {}).get("filename", "").split("/")[0] for diagnostic in result["diagnostics"]}
    assert result["valid"] and result["error_count"] == 0, (
        "accepted but invalid:\n"
        + "\n".join(
            f"{synthesized[int(name.removeprefix('stack'))][0]}" for name in sorted(failing) if name.startswith("stack")
        )
        + json.dumps(result["diagnostics"], indent=1)
    )
    counts["stacks planned"] = min(PLANNED, len(synthesized))
    plan = terraform_plan(directory, emulator, counts["stacks planned"])
    assert plan.returncode == 0, (
        "accepted, valid, but terraform plan failed against the emulator:\n" + plan.stdout[-3000:] + plan.stderr[-5000:]
    )
    with capsys.disabled():
        print(
            f"\nsettings vs terraform validate: tried {counts['tried']}, accepted {counts['accepted']} "
            f"({counts['stacks validated']} stacks, every one valid; the first {counts['stacks planned']} also "
            "planned against the emulator), "
            f"refused {counts['refused']} "
            f"({counts['through main.py']} of them also through python main.py: exit 2, one line per problem)"
        )
    assert counts["accepted"] >= 10 and counts["refused"] >= 10, counts


def test_the_toml_writer_round_trips():
    document = {
        "name_prefix": "a",
        "tags": {"k": "v"},
        "web": {"public": True},
        "environments": {"dev": {"state": {"backend": "s3"}}},
    }
    assert tomllib.loads(to_toml(document)) == document
