"""The EncryptionKey construct alone: a rotating customer-managed key with an alias (what uses it: the profiles)."""


def test_encryption_key_alone_in_a_bare_stack():
    from constructs_lib.encryption_key import EncryptionKey, EncryptionKeyConfig
    from tests.support.bare_stack import BareStack

    bare = BareStack(lambda stack: EncryptionKey(stack, "key", EncryptionKeyConfig(name="solo")))
    bare.has("aws_kms_key", {"enable_key_rotation": True, "deletion_window_in_days": 30})
    bare.has("aws_kms_alias", {"name": "alias/solo"})
    assert bare.construct.arn.startswith("${")
