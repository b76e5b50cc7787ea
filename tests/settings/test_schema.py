"""schema.py: the JSON Schema file is generated and current, every example settings file satisfies it, and every
example synthesizes into Terraform that `terraform validate` accepts."""

import json
import subprocess
import sys
import tomllib

import jsonschema
import pytest
from cdktf import Testing as CdktfTesting

from aurora_web.settings.docs import SCHEMA_FILE, json_schema_text
from aurora_web.settings.schema import SECTIONS, SettingsFile, StackSettings
from aurora_web.settings.stacks import app_config_from_document
from constructs_lib.aurora_web_stack import AuroraWebStack
from tests.support.paths import PROJECT_ROOT
from tests.support.synthesized import require_program

EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*.toml"))


def test_the_schema_file_is_current():
    assert SCHEMA_FILE.read_text() == json_schema_text(), "stale: run `python -m aurora_web schema --write`"


def test_the_cli_prints_the_schema():
    printed = subprocess.run(
        [sys.executable, "-m", "aurora_web", "schema"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(printed.stdout) == json.loads(SCHEMA_FILE.read_text())


def test_every_key_has_a_description_and_unknown_keys_are_forbidden():
    for model in (SettingsFile, StackSettings, *SECTIONS.values()):
        assert model.model_config.get("extra") == "forbid" and model.model_config.get("strict") is True
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_each_example_points_editors_at_the_schema_and_satisfies_it(example):
    assert example.read_text().splitlines()[0] == "#:schema ../docs/settings.schema.json"
    jsonschema.validate(tomllib.loads(example.read_text()), json.loads(SCHEMA_FILE.read_text()))


def test_the_schema_refuses_what_the_loader_refuses():
    schema = json.loads(SCHEMA_FILE.read_text())
    for bad in (
        {"regoin": "us-east-1"},
        {"database": {"reader_count": 16}},
        {"profile": "staging"},
        {"environments": {"Bad Name": {}}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


@pytest.mark.integration
@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_each_example_synthesizes_into_valid_terraform(example, key_directory):
    require_program("terraform")
    document = tomllib.loads(example.read_text())
    document.setdefault("web", {})["key_directory"] = key_directory
    configs = app_config_from_document(document)
    assert configs, f"{example.name} defines no stack"
    for name, config in configs.items():
        stack = AuroraWebStack(CdktfTesting.app(), name, config)
        assert CdktfTesting.to_be_valid_terraform(CdktfTesting.full_synth(stack)), (
            f"{example.name}: stack {name} is not valid"
        )
