"""The employee directory reaches the instance as a checked archive named in its user data, and its role can read
this one secret (and the archive's prefix) only."""

import base64
import json
import subprocess

import pytest

from constructs_lib.validation import ConfigError
from constructs_lib.web_app.user_data import (
    HTTPD_CONF_NAME,
    UNIT_NAME,
    USER_DATA_BUDGET,
    instance_files,
    render_user_data,
)
from constructs_lib.web_server import WebServerConfig, terraform_literal
from tests.support.app_artifacts import member_text
from tests.support.dependency_graph import depends_on, edges_from_json
from tests.support.synthesized import Synthesized, make_config, reference, require_program


def connect_policy(stack) -> dict:
    (policy,) = [item for name, item in stack.resources("aws_iam_role_policy").items() if "connect-grant" in name]
    return policy


NO_LB_PROTO = "RequestHeader set X-Forwarded-Proto http early\n"
LB_TRUST = '"--trusted-proxy-headers=x-forwarded-for x-forwarded-proto" --trusted-proxy-count=2 '


def instance_config(stack) -> str:
    """The unit and httpd config the stack's archive carries to its instance."""
    artifact = stack.stack.app_artifact.config
    return member_text(artifact, UNIT_NAME) + member_text(artifact, HTTPD_CONF_NAME)


def boot_script(stack) -> str:
    """The text EC2 runs at boot: the one instance's user data (Terraform's escapes undone), or the group's launch
    template's (base64)."""
    templates = stack.resources("aws_launch_template")
    if templates:
        (template,) = templates.values()
        return base64.b64decode(template["user_data"]).decode("utf-8")
    return stack.only("aws_instance")["user_data"].replace("$${", "${").replace("%%{", "%{")


def booting(stack) -> str:
    """The address of what boots from the script: the instance, or the group's launch template."""
    if stack.resources("aws_launch_template"):
        return stack.address("aws_launch_template", "launch-template")
    return stack.address("aws_instance", "instance")


def test_user_data_fetches_the_app_for_this_cluster(dev):
    config = dev.config
    expected = config.app_artifact_config(
        instance_files(
            region="us-east-1",
            cluster_identifier="aurora-web-db-cluster",
            database_name="sample",
            behind_load_balancer=False,
        )
    )
    assert dev.only("aws_instance")["user_data"] == terraform_literal(render_user_data(artifact=expected))
    assert dev.stack.app_artifact.sha256 == expected.sha256


def test_without_a_load_balancer_httpd_overwrites_a_clients_forwarded_proto(dev):
    """dev: the instance answers HTTP itself, so a client's X-Forwarded-Proto: https must not reach the app."""
    assert dev.stack.load_balancer is None
    shipped = instance_config(dev)
    assert NO_LB_PROTO in shipped and "--trusted-proxy-count" not in shipped


def test_behind_the_load_balancer_the_app_trusts_the_albs_forwarded_proto(prod):
    """prod: TLS ends at the ALB; the instance trusts its X-Forwarded-Proto and skips its X-Forwarded-For hop."""
    config = prod.config
    expected = config.app_artifact_config(
        instance_files(
            region=config.region,
            cluster_identifier=config.database.identifier,
            database_name=config.database.database_name,
            behind_load_balancer=True,
        )
    )
    assert not prod.resources("aws_instance"), "prod's web tier is the group"
    assert boot_script(prod) == render_user_data(artifact=expected)
    shipped = instance_config(prod)
    assert LB_TRUST in shipped and NO_LB_PROTO not in shipped


def test_the_trust_follows_the_load_balancer_not_the_profile(key_directory):
    """prod with its load balancer turned off answers HTTP itself: the instance gets the no-load-balancer config."""
    stack = Synthesized(
        make_config(
            key_directory, {"profile": "prod", "load_balancer": {"enabled": False}, "web": {"fleet": "instance"}}
        )
    )
    assert stack.stack.load_balancer is None
    shipped = instance_config(stack)
    assert NO_LB_PROTO in shipped and LB_TRUST not in shipped


@pytest.mark.integration
@pytest.mark.parametrize("which", ["template sequences", "the rendered script"])
def test_terraform_renders_the_user_data_back_to_exactly_the_script(dev, tmp_path, which):
    """What Terraform sends to EC2 is the script byte for byte: `%{` and `${`, and the Ascii85 app's punctuation."""
    require_program("terraform")
    script = {
        "template sequences": "#!/bin/bash\necho ${HOME} %{GLOBAL} $${x} %%{y}\n",
        "the rendered script": dev.only("aws_instance")["user_data"].replace("$${", "${").replace("%%{", "%{"),
    }[which]
    (tmp_path / "main.tf.json").write_text(json.dumps({"locals": {"rendered": terraform_literal(script)}}))
    result = subprocess.run(
        ["terraform", "console"],
        input="jsonencode(local.rendered)\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(json.loads(result.stdout.strip())) == script


def test_user_data_must_be_literal_text(dev):
    with pytest.raises(ConfigError):
        WebServerConfig(user_data=dev.stack.web_server.instance.id)


def test_the_app_policy_names_exactly_the_clusters_secret_and_the_cluster(dev):
    policy = connect_policy(dev)
    assert policy["role"] == reference(dev.address("aws_iam_role", "web-server_role"))
    statements = json.loads(policy["policy"])["Statement"]
    cluster = dev.address("aws_rds_cluster", "cluster")
    by_sid = {statement["Sid"]: statement for statement in statements}
    assert by_sid["ReadTheMasterSecret"]["Resource"] == ["${" + cluster + ".master_user_secret[0].secret_arn}"]
    assert by_sid["ReadTheMasterSecret"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert by_sid["FindTheCluster"]["Resource"] == ["${" + cluster + ".arn}"]
    assert "*" not in json.dumps([statement["Resource"] for statement in statements])


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_the_app_also_may_decrypt_with_the_stacks_key_through_secrets_manager_only(profile, request):
    stack = request.getfixturevalue(profile)
    by_sid = {statement["Sid"]: statement for statement in json.loads(connect_policy(stack)["policy"])["Statement"]}
    decrypt = by_sid["DecryptTheSecret"]
    assert decrypt["Resource"] == [reference(stack.address("aws_kms_key", "encryption-key"), "arn")]
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Condition"] == {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}


def test_without_the_stacks_key_the_app_gets_no_kms_grant(key_directory):
    stack = Synthesized(make_config(key_directory, {"customer_managed_key": False}), "aws-managed-keys")
    statements = json.loads(connect_policy(stack)["policy"])["Statement"]
    assert "DecryptTheSecret" not in {statement["Sid"] for statement in statements}, "the AWS-managed key needs none"


def test_the_instance_does_not_wait_for_the_cluster(dev):
    """The app finds the database at run time, so user data holds no reference, the archive names the cluster only,
    and the instance waits for the archive and its read grant, nothing of the database."""
    instance = dev.only("aws_instance")
    assert "${" not in instance["user_data"]
    assert "'aurora-web-db-cluster'" in member_text(dev.stack.app_artifact.config, "wsgi_entry.py")
    assert instance["depends_on"] == [
        dev.address("aws_s3_object", "app-artifact_archive"),
        dev.address("aws_iam_role_policy", "app-artifact_read-grant"),
    ]


def test_the_app_can_be_left_out(key_directory):
    stack = Synthesized(make_config(key_directory, {"web": {"install_app": False}}))
    assert "user_data" not in stack.only("aws_instance")
    assert not stack.resources("aws_s3_object") and stack.stack.app_artifact is None
    assert not [name for name in stack.resources("aws_iam_role_policy") if "connect-grant" in name]


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_user_data_stays_within_4_kb_in_both_profiles(profile, request):
    """What EC2 receives (Terraform's escapes undone) is at most 4 KB: the app is in the archive, not the script."""
    stack = request.getfixturevalue(profile)
    assert len(boot_script(stack).encode("utf-8")) <= USER_DATA_BUDGET == 4096


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_the_artifact_comes_before_the_instance_and_never_waits_for_the_database(profile, request):
    stack = request.getfixturevalue(profile)
    graph = edges_from_json(stack.json)
    instance, cluster = booting(stack), stack.address("aws_rds_cluster", "cluster")
    archive = stack.address("aws_s3_object", "app-artifact_archive")
    bucket = stack.address("aws_s3_bucket", "app-artifact_bucket")
    assert depends_on(graph, instance, archive) and depends_on(graph, archive, bucket)
    for artifact in (archive, bucket, stack.address("aws_iam_role_policy", "app-artifact_read-grant")):
        assert not depends_on(graph, artifact, cluster), f"{artifact} waits for the cluster"
    assert depends_on(graph, cluster, instance), "EC2 before Aurora still holds"
    if stack.resources("aws_launch_template"):  # the group starts from the template, and comes before the cluster
        group = stack.address("aws_autoscaling_group", "group")
        assert depends_on(graph, group, instance) and depends_on(graph, cluster, group)
