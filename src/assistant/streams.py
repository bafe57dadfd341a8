"""Output streams whose reader may leave early (`… | head`, `… 2>&1 | head`).

Python buffers stdout when it is a pipe, so a reader that has gone is often noticed only by the flush at
interpreter exit, which prints "Exception ignored … BrokenPipeError" and exits 120. Callers flush while they
can still handle the error, then point the stream at /dev/null so the exit-time flush has nowhere to fail.
"""
from __future__ import annotations

import os
import sys
from typing import TextIO


def discard(stream: TextIO) -> None:
    """Send the rest of a stream whose reader has gone (BrokenPipeError) to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def say(message: str) -> None:
    """A progress line on stderr that never aborts the work when nobody is reading it any more."""
    try:
        print(message, file=sys.stderr, flush=True)
    except BrokenPipeError:
        discard(sys.stderr)
