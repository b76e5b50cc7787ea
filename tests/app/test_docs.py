"""The README's table of settings keys is generated from the schema; a stale table fails here."""

from aurora_web.settings.docs import README, readme_with_table


def test_readme_key_table_is_generated_from_the_schema():
    text = README.read_text()
    assert readme_with_table(text) == text, "README key table is stale: run `python -m aurora_web schema --write`"
