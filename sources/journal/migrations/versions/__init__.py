"""The journal's revisions, one file each, written by hand as ``op.*`` calls.

Alembic loads these files by path (it skips this ``__init__``); the package exists so a
non-editable install ships them. A new revision copies the last one: next number as
``revision``, the previous as ``down_revision``, and the same change in ``schema.py``'s
``sa.Table`` definitions (``tests/sources/test_migrations.py`` compares the two).
"""
