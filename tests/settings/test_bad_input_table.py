"""Every class of bad input gives the message docs/bad-input.md's table shows; the table is checked, not hand-kept."""

import os
import re
from pathlib import Path

import pytest

from aurora_web.settings.stacks import load_stack_config
from constructs_lib.validation import ConfigError
from tests.support.key_files import KEY_DIRECTORIES
from tests.support.paths import PROJECT_ROOT

BAD_INPUT_DOC = PROJECT_ROOT / "docs" / "bad-input.md"

# (class of bad input, the settings file's text; "{missing}" etc. are filled per test)
BAD_INPUTS = [
    ("unknown key", 'regoin = "us-east-1"'),
    ("unknown key in a section", "[database]\nreader_cnt = 2"),
    ("wrong type", '[network]\naz_count = "two"'),
    ("reader count out of range", "[database]\nreader_count = 16"),
    ("backup retention out of range", "[database]\nbackup_retention_days = 0"),
    ("too few AZs", "[network]\naz_count = 1"),
    ("CIDR syntax", '[network]\nvpc_cidr = "10.0.0.0/33"'),
    ("subnet outside the VPC", '[network]\npublic_subnet_cidrs = ["10.0.0.0/24", "10.9.0.0/24"]'),
    ("overlapping subnets", '[network]\npublic_subnet_cidrs = ["10.0.0.0/24", "10.0.0.128/25"]'),
    ("RDS identifier", '[database]\ncluster_identifier = "my--cluster"'),
    ("engine version format", '[database]\nengine_version = "5.7"'),
    ("instance class format", '[database]\ninstance_class = "t3.medium"'),
    ("region format", 'region = "US East"'),
    ("zone outside the region", 'region = "eu-west-1"\n[network]\navailability_zones = ["eu-west-1a", "us-east-1b"]'),
    ("SSH from the world", '[web]\nssh_cidr = "0.0.0.0/0"'),
    ("Performance Insights on db.t3", "[database]\nperformance_insights = true"),
    ("private web server without a NAT", "[web]\npublic = false"),
    ("public key file missing", '[web]\npublic_key_path = "missing.pub"'),
    ("not an OpenSSH public key", '[web]\npublic_key_path = "not-a-key.pub"'),
    (
        "name too long once suffixed",
        'profile = "prod"\nname_prefix = "abcdefghijklmnopqrstuvwxyz123456"\n[web]\nfleet = "instance"\n'
        "[load_balancer]\nenabled = false",
    ),
    ("prod without a certificate for its load balancer", 'profile = "prod"'),
    ("cluster identifier too long for its instances", '[database]\ncluster_identifier = "' + "c" * 60 + '"'),
    ("upper-case cluster identifier", '[database]\ncluster_identifier = "MyCluster"'),
    ("subnets on the default carve", '[network]\npublic_subnet_cidrs = ["10.0.128.0/20", "10.0.1.0/24"]'),
    ("subnet smaller than AWS allows", '[network]\npublic_subnet_cidrs = ["10.0.0.0/30", "10.0.1.0/24"]'),
    ("reserved VPC range", '[network]\nvpc_cidr = "127.0.0.0/16"'),
    (
        "two environments, one name",
        '[environments.dev]\nname_prefix = "shop"\n[environments.prod]\nname_prefix = "shop"',
    ),
    ("nested environments", "[environments.dev.environments.qa]\nreader_count = 0"),
    ("state bucket like an IP address", '[state]\nbackend = "s3"\nbucket = "192.168.1.1"'),
    ("state key with ..", '[state]\nbackend = "s3"\nbucket = "team-state"\nkey_prefix = "a/../b"'),
    ("region outside the aws partition", 'region = "cn-north-1"'),
    ("unknown user's home", '[web]\npublic_key_path = "~nosuchuser/k.pub"'),
    ("empty key directory", '[web]\nkey_directory = ""'),
    # key_directory names made by tests/support/key_files.py as the name says (issue 22)
    ("key directory linked into a git work tree", '[web]\nkey_directory = "link-into-a-repo"'),
    ("key directory other users can write", '[web]\nkey_directory = "world-writable"'),
    ("key directory of another user", '[web]\nkey_directory = "anothers-directory"'),
    ("key pair planted by another user", '[web]\nkey_directory = "planted-key"'),
    ("private key other users can read", '[web]\nkey_directory = "readable-key"'),
    ("public key not derived from the private key", '[web]\nkey_directory = "mismatched-pair"'),
    ("public key without its private key", '[web]\nkey_directory = "lone-public-key"'),
    ("instance class that does not run Aurora MySQL 3", '[database]\ninstance_class = "db.t2.micro"'),
    ("engine version that does not exist", '[database]\nengine_version = "8.0.mysql_aurora.3.99.0"'),
    ("tag key reserved by AWS, any case", 'tags = {"AWS:owner" = "me"}'),
    ("more than 50 tags with the stack's own", "[tags]\n" + "\n".join(f't{number} = "x"' for number in range(46))),
    (
        "name prefix making a reserved S3 bucket name",
        'name_prefix = "sthree-web"\n[load_balancer]\nenabled = true\n'
        'certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"',
    ),
    ("state bucket with a reserved suffix", '[state]\nbackend = "s3"\nbucket = "team-state--ol-s3"'),
    (
        "certificate ARN of another partition",
        "[load_balancer]\nenabled = true\n"
        'certificate_arn = "arn:aws-cn:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"',
    ),
    ("duplicate HTTP CIDR", '[web]\nhttp_cidrs = ["10.0.0.0/16", "10.0.0.0/16"]'),
    (
        "SSH wider than a /16 in prod",
        'profile = "prod"\n[web]\nssh_cidr = "0.0.0.0/1"\nfleet = "instance"\n[load_balancer]\nenabled = false',
    ),
    ("web group without the load balancer", 'profile = "prod"\n[load_balancer]\nenabled = false'),
    (
        "web group with public instances",
        'profile = "prod"\n[web]\npublic = true\n[load_balancer]\n'
        'certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"',
    ),
    ("web group smaller than its minimum", "[web]\nmin_size = 5\nmax_size = 3"),
    ("web scaling target without scaling", "[web]\nscaling_target = 60"),
    ("web scaling target out of range", '[web]\nscaling = "cpu"\nscaling_target = 150'),
    ("master user name a MySQL reserved word", '[database]\nmaster_username = "select"'),
    ("e-mail address with an empty domain label", '[database]\nalarms = true\nalarm_email = "ops@example..com"'),
    ("config file missing", None),
    ("config file not valid TOML", "region = "),
    ("config file is a directory", "<directory>"),
    ("config file is a FIFO", "<fifo>"),
]


def message_for(tmp_path: Path, text: str | None) -> str:
    (tmp_path / "not-a-key.pub").write_text("hello\n")
    path = tmp_path / "settings.toml"
    if text == "<directory>":
        path.mkdir()
    elif text == "<fifo>":
        os.mkfifo(path)
    elif text is not None:
        for name in ["missing.pub", "not-a-key.pub", *KEY_DIRECTORIES]:
            if f'"{name}"' in text and name in KEY_DIRECTORIES:
                KEY_DIRECTORIES[name](tmp_path / name)
            text = text.replace(f'"{name}"', f'"{tmp_path / name}"')
        path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_stack_config(str(path))
    (problem,) = raised.value.problems
    return problem.render().replace(str(tmp_path.resolve()), "…").replace(str(tmp_path), "…")


SPECIAL_FILES = {"<directory>": "(a directory)", "<fifo>": "(a FIFO, e.g. from mkfifo)"}


def table_row(label: str, text: str | None, message: str) -> str:
    shown = "(no file at that path)" if text is None else SPECIAL_FILES.get(text, "`" + text.replace("\n", "` `") + "`")
    return f"| {label} | {shown} | `{message}` |"


@pytest.mark.parametrize("label, text", BAD_INPUTS, ids=[label for label, _ in BAD_INPUTS])
def test_the_doc_shows_the_real_message(tmp_path, label, text):
    row = table_row(label, text, message_for(tmp_path, text))
    assert row in BAD_INPUT_DOC.read_text(), f"docs/bad-input.md is missing or has a stale row; expected:\n{row}"


def test_the_doc_table_has_no_other_rows():
    section = BAD_INPUT_DOC.read_text().split("| bad input | settings file | error line |", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in section.splitlines()[2:] if line.startswith("| ")]
    assert [re.match(r"\| ([^|]+) \|", row).group(1).strip() for row in rows] == [label for label, _ in BAD_INPUTS]
