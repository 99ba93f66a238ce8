"""Start-up housekeeping in app/main.py."""

import gc
import weakref

from app.main import freeze_startup_objects


def tracked(obj) -> bool:
    return any(o is obj for o in gc.get_objects())


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the garbage collector can free it


def test_start_up_objects_are_frozen_and_garbage_is_not():
    kept, dropped = Node(), Node()
    gone = weakref.ref(dropped)
    del dropped
    try:
        frozen = freeze_startup_objects()
        assert gone() is None  # collected before the freeze, not kept for the life of the process
        assert frozen == gc.get_freeze_count() > 0
        assert not tracked(kept)  # frozen objects are outside every generation
    finally:
        gc.unfreeze()
    assert tracked(kept)
