"""Alembic migrations of the forgeml metadata store, applied by :func:`forgeml.store.migrate`."""
