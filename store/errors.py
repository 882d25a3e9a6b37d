"""Errors the workspace raises; ``message`` is one plain sentence a page can show as is."""

from __future__ import annotations

from pipeline.errors import HingeReviewError


class WorkspaceError(HingeReviewError):
    """A workspace request that cannot be done; the message says why."""


class PermissionDenied(WorkspaceError):
    """The acting user may not see or change this record."""


class NotFound(WorkspaceError):
    """No such record."""


class InvalidRequest(WorkspaceError):
    """The request itself is wrong (an empty comment, an expired invite...)."""


class StorageUnavailable(WorkspaceError):
    """The clip store could not keep or give back a clip (full disk, unreachable bucket)."""
