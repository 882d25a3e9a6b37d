"""Where the workspace keeps its data: the data folder and the database URL.

Environment: ``HINGE_REVIEW_DATA`` (data folder, default ``./data``) and
``HINGE_REVIEW_DATABASE_URL`` (any SQLAlchemy URL; default one SQLite file in
the data folder). Callers (the pages, with ``st.secrets``) may pass explicit
values instead; explicit arguments win over the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "HINGE_REVIEW_DATA"
DATABASE_URL_ENV = "HINGE_REVIEW_DATABASE_URL"
DEFAULT_DATA_DIR = "data"
SQLITE_FILE = "hinge_review.sqlite3"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder (created if missing): argument, else ``HINGE_REVIEW_DATA``, else ``./data``."""
    path = Path(explicit or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(explicit: str | None = None, data: str | os.PathLike[str] | None = None) -> str:
    """The database URL: argument, else ``HINGE_REVIEW_DATABASE_URL``, else SQLite in the data folder."""
    url = explicit or os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    return f"sqlite:///{data_dir(data) / SQLITE_FILE}"
