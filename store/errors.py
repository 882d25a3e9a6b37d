"""Errors the workspace raises; ``message`` is one plain sentence a page can show as is."""

from __future__ import annotations

import sqlalchemy.exc

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


# The database server could not be reached or dropped the connection (a restart, a fail-over, a network
# hiccup; SQLite: "database is locked" past its timeout). Transient: the request can simply be made again.
# A constraint or a programming error is not one of these.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)
DATABASE_OUTAGE = (
    "The database can't be reached just now (it may be restarting). Nothing you saved is lost; "
    "this page tries again by itself in a few seconds."
)
