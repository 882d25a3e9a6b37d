"""Give the memory the server has freed back to the machine.

Streamlit runs each browser session's script on threads of its own, and glibc's allocator keeps what those
threads freed in per-thread arenas instead of returning it: the server's memory stays at its high-water mark
after the sessions that used it are gone. A thread of the server process asks the allocator to hand back its
free pages (``malloc_trim``) every ``TRIM_EVERY_S``; where the C library is not glibc there is nothing to do.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

TRIM_EVERY_S = 10.0


def start_trimming(every_s: float = TRIM_EVERY_S) -> threading.Thread | None:
    """Start the trimming thread (a daemon); None where the C library has no ``malloc_trim``."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int

    def loop() -> None:
        while True:
            time.sleep(every_s)
            trim(0)

    thread = threading.Thread(target=loop, name="malloc-trim", daemon=True)
    thread.start()
    return thread
