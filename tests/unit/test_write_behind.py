"""services/write_behind.py: batches in order, bounded, flushed on demand, on a full batch and on close."""

from __future__ import annotations

import threading
import time

import pytest

from services.write_behind import WriteBehind


class Sink:
    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on or set()
        self.written = threading.Event()

    def __call__(self, batch: list[int]) -> None:
        if self.fail_on & set(batch):
            raise RuntimeError("database down")
        self.batches.append(batch)
        self.written.set()

    @property
    def items(self) -> list[int]:
        return [i for b in self.batches for i in b]


def test_flush_writes_everything_in_order_in_bounded_batches():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=60, max_batch=3, max_pending=100)
    assert all(writer.put(i) for i in range(8))
    writer.flush()
    assert sink.items == list(range(8))
    assert max(len(b) for b in sink.batches) <= 3
    assert writer.stats() == {"put": 8, "written": 8, "overflow": 0, "failed": 0, "pending": 0}
    writer.close()


def test_the_thread_writes_without_being_asked():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=0.01)
    writer.put(1)
    assert sink.written.wait(10)
    assert sink.items == [1]
    writer.close()


def test_a_full_batch_is_written_before_the_interval():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=3600, max_batch=4, max_pending=100)
    writer.put(0)
    time.sleep(0.2)  # let the thread start gathering this batch (the wait the full batch must cut short)
    for i in range(1, 4):
        writer.put(i)
    assert sink.written.wait(10), "a full batch waited for the hour-long interval"
    assert sink.items == [0, 1, 2, 3]
    writer.close()


def test_under_steady_traffic_each_batch_gathers_an_interval_of_items():
    # Items that arrive while a batch is being written wait for the next interval: they are not
    # written at once as a batch of their own (a transaction per two or three requests).
    class SlowSink(Sink):
        def __call__(self, batch: list[int]) -> None:
            time.sleep(0.05)  # a write takes a while: items keep arriving meanwhile
            super().__call__(batch)

    sink = SlowSink()
    writer = WriteBehind(sink, name="t", interval=0.2, max_batch=500)
    for i in range(200):  # one item every 5 ms for about a second
        writer.put(i)
        time.sleep(0.005)
    writer.close()
    assert sink.items == list(range(200))
    # one batch per interval plus write (~0.25 s), and what close() flushes; writing whatever came in
    # during each 50 ms write would take some 17 batches
    assert len(sink.batches) <= 9, [len(b) for b in sink.batches]


def test_a_full_queue_refuses_instead_of_growing():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=3600, max_batch=10, max_pending=10)
    # The first ten fill the queue (the thread may already be writing some: it is a full batch).
    with writer._flush_lock:  # hold the writer so the queue cannot drain meanwhile
        accepted = [writer.put(i) for i in range(15)]
    assert accepted == [True] * 10 + [False] * 5
    writer.close()
    assert sink.items == list(range(10))
    assert writer.stats()["overflow"] == 5


def test_a_failed_batch_is_lost_and_counted_and_the_rest_still_written():
    sink = Sink(fail_on={2})
    writer = WriteBehind(sink, name="t", interval=3600, max_batch=2, max_pending=100)
    for i in range(6):
        writer.put(i)
    writer.close()
    assert sink.items == [0, 1, 4, 5]
    assert writer.stats()["failed"] == 2 and writer.stats()["written"] == 4


def test_close_flushes_and_refuses_later_items():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=3600)
    writer.put(1)
    writer.close()
    assert sink.items == [1]
    assert writer.put(2) is False
    writer.close()  # idempotent
    assert sink.items == [1]


def test_concurrent_producers_and_flushers_write_each_item_once():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=0.005, max_batch=7, max_pending=100_000)

    def produce(base: int) -> None:
        for i in range(500):
            writer.put(base + i)
            if i % 50 == 0:
                writer.flush()

    threads = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert sorted(sink.items) == sorted(k * 1000 + i for k in range(4) for i in range(500))
    for k in range(4):  # each producer's items keep their order
        mine = [i for i in sink.items if i // 1000 == k]
        assert mine == sorted(mine)


def test_discard_takes_items_out_unwritten():
    sink = Sink()
    writer = WriteBehind(sink, name="t", interval=3600, max_batch=100)
    for i in range(6):
        writer.put(i)
    assert writer.discard(lambda i: i % 2 == 1) == 3
    writer.close()
    assert sink.items == [0, 2, 4]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        WriteBehind(Sink(), name="t", max_batch=10, max_pending=5)
