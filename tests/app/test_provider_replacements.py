"""The provider's force-new attributes: the Go source reader, and a data file that covers every resource type the
stacks synthesize (a new type fails here until the file is regenerated from the provider's source)."""

from __future__ import annotations

import json

from aurora_web.tools.key_effects import BASE_DOCUMENTS, Synthesizer
from aurora_web.tools.provider_replacements import DATA_FILE, load, parse, replacements
from tests.support.paths import PROJECT_ROOT

SDK_V2 = """
func resourceCluster() *schema.Resource {
	return &schema.Resource{
		Schema: map[string]*schema.Schema{
			"cluster_identifier": {
				Type:     schema.TypeString,
				ForceNew: true, // "}" in a comment
			},
			names.AttrEngine: {
				Type:     schema.TypeString,
				Required: true,
				ForceNew: true,
			},
			"backup_retention_period": {
				Type:     schema.TypeInt,
				Optional: true,
			},
			"restore": {
				Type: schema.TypeList,
				Elem: &schema.Resource{
					Schema: map[string]*schema.Schema{
						"source": {
							Type:     schema.TypeString,
							ForceNew: true,
						},
					},
				},
			},
		},
		CustomizeDiff: customdiff.ForceNewIf("storage_type", storageTypeShrinks),
	}
}
"""

FRAMEWORK = """
func (r *ruleResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"description": schema.StringAttribute{
				Optional: true,
			},
			"security_group_id": schema.StringAttribute{
				Required: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplace(),
				},
			},
		},
	}
}
"""


def test_sdk_v2_force_new_nested_and_conditional() -> None:
    force_new, conditional = parse(SDK_V2, {"names.AttrEngine": "engine"})
    assert force_new == ["cluster_identifier", "engine", "restore.source"]
    assert conditional == ["storage_type"]


def test_framework_requires_replace() -> None:
    assert parse(FRAMEWORK, {}) == (["security_group_id"], [])


def test_data_file_names_its_source_for_every_type() -> None:
    document = json.loads(DATA_FILE.read_text())
    assert len(document["source"]["commit"]) == 40
    for name, entry in document["resources"].items():
        assert entry["source"].startswith("internal/service/") and entry["source"].endswith(".go"), name


def test_the_cluster_replaces_on_its_identifier_and_key() -> None:
    cluster = replacements("aws_rds_cluster")
    assert cluster is not None
    assert {"cluster_identifier", "kms_key_id", "database_name", "master_username"} <= set(cluster.force_new)
    assert "backup_retention_period" not in cluster.force_new


def test_every_synthesized_resource_type_is_covered() -> None:
    from aurora_web.settings.files import read_toml
    from aurora_web.settings.stacks import merge_environment

    documents = list(BASE_DOCUMENTS.values())
    for path in sorted((PROJECT_ROOT / "examples").glob("*.toml")):
        document = read_toml(str(path))
        environments = document.pop("environments", None) or {}
        documents += [merge_environment(document, name, table) for name, table in environments.items()] or [document]
    synthesizer = Synthesizer()
    try:
        types = {name for document in documents for name in synthesizer.synth(document).get("resource", {})}
    finally:
        synthesizer.close()
    missing = sorted(types - set(load()["resources"]))
    assert not missing, (
        f"not in {DATA_FILE.name}: {missing}; regenerate it (python -m aurora_web.tools.provider_replacements)"
    )
