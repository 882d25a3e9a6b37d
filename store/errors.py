"""Errors the workspace raises; ``message`` is one plain sentence a page can show as is."""

from __future__ import annotations


class WorkspaceError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(WorkspaceError):
    """The acting user may not see or change this record."""


class NotFound(WorkspaceError):
    """No such record."""


class InvalidRequest(WorkspaceError):
    """The request itself is wrong (an empty comment, an expired invite...)."""
