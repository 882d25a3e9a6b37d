"""Where uploaded clips live: a local folder (default) or any S3-compatible bucket.

Keys are generated (``uploads/<uuid hex><.ext>``), never the user's file name;
only a short lower-case extension is kept so tools can tell the format.
``open_blob_store`` picks the bucket when one is configured (settings mapping,
e.g. ``st.secrets["storage"]``, or ``HINGE_REVIEW_S3_*`` environment variables)
and the ``blobs`` folder under the data folder otherwise.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from store import settings

KEY_RE = re.compile(r"^uploads/[0-9a-f]{32}(\.[a-z0-9]{1,5})?$")
_EXT_RE = re.compile(r"^\.[a-z0-9]{1,5}$")
ENV_PREFIX = "HINGE_REVIEW_S3_"
SETTING_NAMES = ("bucket", "endpoint_url", "region", "access_key_id", "secret_access_key", "prefix")


class BlobNotFound(KeyError):
    """No blob under this key."""


def new_key(original_name: str = "") -> str:
    """A fresh key; keeps the original's extension only when it is short and plain."""
    ext = Path(original_name).suffix.lower()
    return f"uploads/{uuid.uuid4().hex}{ext if _EXT_RE.match(ext) else ''}"


def check_key(key: str) -> str:
    if not KEY_RE.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class BlobStore(Protocol):
    """Put, read and delete files by generated key."""

    def put_file(self, path: str | os.PathLike[str], original_name: str = "") -> str: ...

    def put_bytes(self, data: bytes, original_name: str = "") -> str: ...

    def get_bytes(self, key: str) -> bytes: ...

    def local_path(self, key: str) -> contextlib.AbstractContextManager[Path]:
        """The blob as a local file for the duration of the ``with`` block."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; no error when it is already gone."""
        ...


class LocalBlobStore:
    """Blobs as files under one folder."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, key: str, write: Callable[[Path], object]) -> str:
        """Write the blob beside its place and move it there: never a half-written blob under a real key,
        and no ``.part`` file left when the write fails (a full disk)."""
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(dest.suffix + ".part")
        try:
            write(tmp)
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return key

    def put_file(self, path: str | os.PathLike[str], original_name: str = "") -> str:
        return self._write(new_key(original_name or str(path)), lambda tmp: shutil.copyfile(path, tmp))

    def put_bytes(self, data: bytes, original_name: str = "") -> str:
        return self._write(new_key(original_name), lambda tmp: tmp.write_bytes(data))

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFound(key)
        yield path

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None  # None: AWS itself; else MinIO, R2, B2, moto...
    region: str | None = None
    access_key_id: str | None = None  # None: boto3's usual lookup (environment, profile, role)
    secret_access_key: str | None = None
    prefix: str = ""  # folder inside the bucket, e.g. "hinge-review/"


class S3BlobStore:
    """Blobs as objects in an S3-compatible bucket (boto3)."""

    def __init__(self, config: S3Settings, client=None):
        import boto3

        self.config = config
        self.client = client or boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
        )

    def _object(self, key: str) -> str:
        return self.config.prefix + check_key(key)

    def put_file(self, path: str | os.PathLike[str], original_name: str = "") -> str:
        key = new_key(original_name or str(path))
        self.client.upload_file(str(path), self.config.bucket, self._object(key))
        return key

    def put_bytes(self, data: bytes, original_name: str = "") -> str:
        key = new_key(original_name)
        self.client.put_object(Bucket=self.config.bucket, Key=self._object(key), Body=data)
        return key

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.config.bucket, Key=self._object(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise BlobNotFound(key) from None

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        if not self.exists(key):
            raise BlobNotFound(key)
        with tempfile.TemporaryDirectory(prefix="hr-blob-") as tmp:
            path = Path(tmp) / Path(key).name
            self.client.download_file(self.config.bucket, self._object(key), str(path))
            yield path

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.config.bucket, Key=self._object(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.config.bucket, Key=self._object(key))


def s3_settings(values: Mapping[str, str] | None = None) -> S3Settings | None:
    """Bucket settings from ``values`` (keys as in ``S3Settings``) or ``HINGE_REVIEW_S3_*``; None if no bucket."""
    source = {k: v for k, v in (values or {}).items() if v}
    for name in SETTING_NAMES:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env and name not in source:
            source[name] = env
    if not source.get("bucket"):
        return None
    return S3Settings(**{k: v for k, v in source.items() if k in SETTING_NAMES})


def open_blob_store(
    values: Mapping[str, str] | None = None, data_dir: str | os.PathLike[str] | None = None
) -> BlobStore:
    """The bucket when one is configured, else the ``blobs`` folder in the data folder."""
    s3 = s3_settings(values)
    if s3 is not None:
        return S3BlobStore(s3)
    return LocalBlobStore(settings.data_dir(data_dir) / "blobs")


def settings_env(values: Mapping[str, str] | None) -> dict[str, str]:
    """``values`` as ``HINGE_REVIEW_S3_*`` environment variables (to hand the worker process the same bucket)."""
    return {ENV_PREFIX + k.upper(): str(v) for k, v in (values or {}).items() if k in SETTING_NAMES and v}
