"""Storage that lasts: users, coach-client links, uploads, analyses, jobs and comments.

No Streamlit here. Every operation takes the acting user (``Account``) and
enforces who may see what (``PermissionDenied``). See docs/storage.md.
"""

from store.blobs import BlobNotFound, BlobStore, LocalBlobStore, S3BlobStore, S3Settings, open_blob_store
from store.db import Database, open_database
from store.errors import DATABASE_OUTAGE, OUTAGE_ERRORS, InvalidRequest, NotFound, PermissionDenied, WorkspaceError
from store.history import client_history, progression
from store.invites import clients_of, coaches_of, create_invite, invite_from, leave_coach, redeem_invite, remove_client
from store.reviews import (
    add_comment,
    comments_on,
    inbox,
    mark_reviewed,
    open_analysis,
    override_grade,
    review_from_link,
    reviews_for,
    save_regraded,
    waiting_count,
)
from store.summary import record_analysis
from store.thumbnails import save_thumbnail, thumbnails
from store.uploads import delete_upload, get_upload, job_status, list_uploads, retry_upload, save_upload, video_file
from store.users import local_user, set_role, user_from_claims
from store.views import (
    Account,
    AnalysisView,
    CommentView,
    HistoryPoint,
    InboxRow,
    InviteView,
    JobView,
    ProgressionSignal,
    UploadView,
)

__all__ = [
    "DATABASE_OUTAGE",
    "OUTAGE_ERRORS",
    "Account",
    "AnalysisView",
    "BlobNotFound",
    "BlobStore",
    "CommentView",
    "Database",
    "HistoryPoint",
    "InboxRow",
    "InvalidRequest",
    "InviteView",
    "JobView",
    "LocalBlobStore",
    "NotFound",
    "PermissionDenied",
    "ProgressionSignal",
    "S3BlobStore",
    "S3Settings",
    "UploadView",
    "WorkspaceError",
    "add_comment",
    "client_history",
    "clients_of",
    "coaches_of",
    "comments_on",
    "create_invite",
    "delete_upload",
    "get_upload",
    "inbox",
    "invite_from",
    "job_status",
    "leave_coach",
    "list_uploads",
    "local_user",
    "mark_reviewed",
    "open_analysis",
    "open_blob_store",
    "open_database",
    "override_grade",
    "progression",
    "record_analysis",
    "redeem_invite",
    "remove_client",
    "retry_upload",
    "review_from_link",
    "reviews_for",
    "save_regraded",
    "save_thumbnail",
    "save_upload",
    "set_role",
    "thumbnails",
    "user_from_claims",
    "video_file",
    "waiting_count",
]
