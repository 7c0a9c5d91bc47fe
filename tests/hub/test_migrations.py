"""Alembic builds the schema; the models and the migrations must not drift apart."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hub.db import Base
from hub.migrate import include_object, load_all_models


def test_migrations_match_the_models(connection):
    load_all_models()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    diff = compare_metadata(context, Base.metadata)
    assert diff == [], (
        f"models and migrations differ; write a migration (flask --app wsgi hub revision -m ...): {diff}"
    )
