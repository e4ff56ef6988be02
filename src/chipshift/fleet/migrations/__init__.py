"""Alembic migrations of the fleet store, shipped in the package and run by :mod:`chipshift.fleet.store.engine`."""
