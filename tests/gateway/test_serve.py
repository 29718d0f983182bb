"""The serving process hides its start-up heap from the garbage collector."""

from __future__ import annotations

import gc

from gateway.__main__ import _freeze_startup_heap


def test_the_startup_heap_is_frozen_before_serving() -> None:
    before = gc.get_freeze_count()
    try:
        _freeze_startup_heap()
        assert gc.get_freeze_count() > before
        # What the process built so far is no longer walked by collections.
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()
    finally:
        gc.unfreeze()
