"""Alembic environment: runs on the connection that :func:`forgeml.store.migrate` hands over.

Run programmatically only (``config.attributes["connection"]``); there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context

from forgeml.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - misuse
    raise RuntimeError("forgeml migrations run through forgeml.store.migrate(), which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
