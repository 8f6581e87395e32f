"""Random ids from pooled random bytes (core/ids.py): version 4 UUIDs as uuid4() makes them, never repeated,
not even by a forked child, which must not reuse its parent's unused bytes."""

from __future__ import annotations

import os
import uuid

from core import ids


def test_ids_are_random_version_4_uuids_and_never_repeat():
    made = [ids.new_uuid() for _ in range(3 * ids.POOL_IDS)]  # across several refills
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in made)
    assert len(set(made)) == len(made)
    assert len(ids.new_hex()) == 32 and uuid.UUID(ids.new_hex()).version == 4


def test_a_forked_child_does_not_repeat_its_parents_ids():
    ids.new_uuid()  # the pool holds unused bytes now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first ids, to the parent
        try:
            os.write(write, b"".join(ids.new_uuid().bytes for _ in range(4)))
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 64)
    os.close(read)
    parents = b"".join(ids.new_uuid().bytes for _ in range(4))
    assert child != parents
