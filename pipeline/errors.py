"""Errors the user can act on. ``message`` is one plain sentence (or two)."""

from __future__ import annotations


class HingeReviewError(Exception):
    """The one root of the errors a user is shown: ``message`` is plain words, never a traceback."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(HingeReviewError):
    """Bad input: the message says what is wrong and what to do."""


class VideoError(InputError):
    """The file is not a usable video."""


class NoPersonError(InputError):
    """Nobody (or nobody doing a lift) could be found in the clip."""


class ModelError(InputError):
    """The pose model could not be loaded."""
