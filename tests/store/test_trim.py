"""Freed memory handed back to the machine (``service.trim``), with the real C library."""

from __future__ import annotations

import ctypes
import threading
import time

import psutil
import pytest

from service.trim import start_trimming

MB = 1024 * 1024


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


def _allocate_and_free_on_a_thread(total_mb: int = 200, block_kb: int = 64) -> list:
    """What a session's script thread does: many mid-sized blocks from its own arena, then every second one
    freed (a page's state dropped, its neighbour still in use); the blocks still in use are returned."""
    kept: list = []

    def work() -> None:
        blocks = [ctypes.create_string_buffer(block_kb * 1024 - 64) for _ in range(total_mb * 1024 // block_kb)]
        kept.extend(blocks[1::2])
        blocks.clear()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return kept


def test_the_trimming_thread_gives_a_finished_threads_freed_memory_back():
    try:
        ctypes.CDLL("libc.so.6").malloc_trim  # noqa: B018  (glibc only)
    except (OSError, AttributeError):
        pytest.skip("not glibc: nothing to trim")
    # given a thread that allocated 200 MB in 64 KB blocks and freed every second one
    before = _rss_mb()
    kept = _allocate_and_free_on_a_thread()
    held = _rss_mb() - before - 100  # what the allocator holds beyond the 100 MB still in use
    # when the trimming thread runs
    thread = start_trimming(every_s=0.05)
    assert thread is not None and thread.daemon and thread.is_alive()
    time.sleep(0.5)
    # then most of what the allocator still held is back with the machine
    given_back = held - (_rss_mb() - before - 100)
    assert len(kept) == 1600
    assert held > 20, f"the allocator gave it back by itself ({held:.0f} MB held): nothing to measure"
    assert given_back > 0.5 * held, (held, given_back)
