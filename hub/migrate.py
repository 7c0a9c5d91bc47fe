"""Alembic wiring: every schema, tests included, is built by the migrations."""

from __future__ import annotations

import importlib
import pkgutil

from alembic.config import Config
from flask import Flask

from hub.config import FEATURES, ROOT
from hub.db import Base


def load_all_models() -> None:
    """Import every `models` module of hub and the features (each capability folder has
    its own), so Base.metadata knows all tables."""
    for name in ("hub", *FEATURES):
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if module.name.rpartition(".")[2] == "models":
                importlib.import_module(module.name)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave out what a migration makes for one database only and the
    models can't declare (full-text tables, generated search columns, their indexes), named
    by the features in `Base.metadata.info["database_only"]` ("table" or "table.column")."""
    database_only = Base.metadata.info.get("database_only", set())
    if type_ == "column":
        name = f"{obj.table.name}.{name}"
    return not (reflected and compare_to is None and name in database_only)


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["engine"] = app.extensions["hub.db"]["engine"]
    return cfg


def create_append_only_guard(op, table: str) -> None:
    """Make the database itself refuse UPDATE and DELETE on an append-only table."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def drop_append_only_guard(op, table: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
