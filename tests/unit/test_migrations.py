"""Migrations and whether each can be reversed: Alembic, Django, Knex, Flyway, golang-migrate, Prisma."""

from __future__ import annotations

from pathlib import Path

import pytest

from readycheck.index import build_index
from readycheck.parsers.migrations import migrations, pair_sql_migrations, parse_alembic, parse_django, parse_knex

ALEMBIC = 'revision = "abc123"\ndown_revision = "0001"\n\ndef upgrade():\n    op.add_column("t", sa.Column("c", sa.Integer()))\n\n'


@pytest.mark.parametrize(
    ("downgrade", "reversible", "reason"),
    [
        ('def downgrade():\n    op.drop_column("t", "c")\n', True, "downgrade() reverses the upgrade"),
        ("def downgrade():\n    pass\n", False, "downgrade() is empty"),
        ('def downgrade() -> None:\n    """Nothing."""\n    ...\n', False, "downgrade() is empty"),
        ('def downgrade():\n    raise NotImplementedError("no")\n', False, "downgrade() only raises NotImplementedError"),
        ("def downgrade():\n    raise RuntimeError\n", False, "downgrade() only raises RuntimeError"),
        ("", False, "no downgrade() function"),
        ('def downgrade():\n    if True:\n        op.drop_column("t", "c")\n', True, "downgrade() reverses the upgrade"),
    ],
)
def test_alembic_downgrade_bodies(downgrade: str, reversible: bool, reason: str) -> None:
    m = parse_alembic(ALEMBIC + downgrade, "migrations/versions/abc123_add_c.py")
    assert m is not None and m.framework == "alembic" and m.name == "abc123"
    assert (m.reversible, m.reason) == (reversible, reason)
    if downgrade:
        assert m.line == 7


def test_alembic_not_a_revision_and_broken() -> None:
    assert parse_alembic("def upgrade(): pass\n", "x.py") is None
    assert parse_alembic("# down_revision is mentioned\ndef upgrade(): pass\n", "x.py") is None
    broken = parse_alembic('revision = "a"\ndown_revision = None\ndef upgrade(:\n', "v/a.py")
    assert broken is not None and broken.reversible is None and broken.error == "invalid Python at line 3"


def test_django_run_python_and_run_sql() -> None:
    text = (
        "from django.db import migrations\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.RunPython(forwards),\n"
        "        migrations.RunPython(forwards, reverse_code=None),\n"
        "        migrations.RunPython(forwards, backwards),\n"
        "        migrations.RunPython(forwards, migrations.RunPython.noop),\n"
        "        migrations.RunSQL('DROP TABLE x'),\n"
        "        migrations.RunSQL('CREATE TABLE y (id int)', reverse_sql='DROP TABLE y'),\n"
        "    ]\n"
    )
    out = parse_django(text, "shop/orders/migrations/0003_x.py")
    assert [(m.line, m.reason) for m in out] == [
        (4, "RunPython without reverse_code"), (5, "RunPython without reverse_code"), (8, "RunSQL without reverse_sql"),
    ]
    assert all(m.name == "orders.0003_x" and m.reversible is False for m in out)
    ok = parse_django("from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = []\n", "a/migrations/0001_initial.py")
    assert len(ok) == 1 and ok[0].reversible is True
    assert parse_django("x = 1\n", "a/migrations/__init__.py") == []
    bad = parse_django("from django.db import migrations\nclass Migration(migrations.Migration):\n    operations = [\n", "a/migrations/0002.py")
    assert len(bad) == 1 and bad[0].reversible is None and bad[0].error


@pytest.mark.parametrize(
    ("text", "reversible"),
    [
        ("exports.up = function (knex) { return knex.schema.createTable('a', () => {}); };\nexports.down = function (knex) { return knex.schema.dropTable('a'); };\n", True),
        ("exports.up = (knex) => knex.schema.createTable('a');\nexports.down = (knex) => knex.schema.dropTable('a');\n", True),
        ("export async function up(knex) { await knex.raw('x'); }\nexport async function down(knex) {\n  // nothing\n}\n", False),
        ("exports.up = function (knex) { return knex.raw('x'); };\nexports.down = function () { return Promise.resolve(); };\n", False),
        ("exports.up = function (knex) { return knex.raw('x'); };\n", False),
        ("exports.up = function (knex) { return knex.raw('x'); };\nexports.down = function () { throw new Error('irreversible'); };\n", False),
    ],
)
def test_knex_down(text: str, reversible: bool) -> None:
    m = parse_knex(text, "migrations/20240101_a.js")
    assert m is not None and m.reversible is reversible, m


def test_knex_not_a_migration_and_unbalanced() -> None:
    assert parse_knex("console.log('hi')\n", "migrations/x.js") is None
    m = parse_knex("exports.up = function () { return 1 };\nexports.down = function () { return knex.raw('x'\n", "migrations/y.js")
    assert m is not None and m.reversible is None and m.error == "unbalanced braces"


def test_sql_pairs() -> None:
    out = pair_sql_migrations([
        "db/V1__init.sql", "db/U1__init.sql", "db/V1.1__add.sql", "db/R__views.sql",
        "m/001_a.up.sql", "m/001_a.down.sql", "m/002_b.up.sql", "m/003_c.down.sql",
    ])
    got = {(m.framework, m.name): m.reversible for m in out}
    assert got == {("flyway", "V1"): True, ("flyway", "V1.1"): False, ("golang-migrate", "001_a"): True, ("golang-migrate", "002_b"): False}


def test_migrations_from_the_index(tmp_path: Path) -> None:
    (tmp_path / "alembic" / "versions").mkdir(parents=True)
    (tmp_path / "alembic" / "versions" / "a.py").write_text(ALEMBIC + "def downgrade():\n    pass\n")
    (tmp_path / "alembic" / "env.py").write_text("from alembic import context\n")
    (tmp_path / "prisma" / "migrations" / "20240101_init").mkdir(parents=True)
    (tmp_path / "prisma" / "migrations" / "20240101_init" / "migration.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "1_a.up.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "db" / "1_a.down.sql").write_text("-- nothing\n")
    (tmp_path / "app.py").write_text("def upgrade(): pass\n")
    index = build_index(tmp_path, use_git=False)
    found = migrations(index)
    assert migrations(index) is found
    got = {(m.path, m.framework): (m.reversible, m.reason) for m in found}
    assert got == {
        ("alembic/versions/a.py", "alembic"): (False, "downgrade() is empty"),
        ("prisma/migrations/20240101_init/migration.sql", "prisma"): (None, "Prisma Migrate has no down migrations"),
        ("db/1_a.up.sql", "golang-migrate"): (False, "1_a.down.sql is empty"),
    }


def test_alembic_merge_revision_has_nothing_to_undo() -> None:
    text = 'revision = "m1"\ndown_revision = ("a", "b")\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n'
    m = parse_alembic(text, "migrations/versions/m1_merge.py")
    assert m is not None and m.reversible is True and m.reason == "upgrade() changes nothing: nothing to undo" and m.line == 7
