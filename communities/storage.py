"""Where uploaded files live: an S3 bucket (or any S3-compatible store), through django-storages'
S3 storage and its boto3 client, when AWS_STORAGE_BUCKET_NAME is set; else a directory on this
machine (UPLOADS_LOCAL_ROOT) behind the same calls, with Divan's own endpoints standing in for
the store's presigned POST and GET (communities/api/uploads.py), so the whole flow works on a
laptop.

Every call names an object by its key. Nothing here trusts what a client sent: the services
check what arrived (communities/services/uploads.py). A link (presigned POST or GET) is made
for a request: the local store's links start with `site_url(request)`; nothing without a
request (a Celery task) makes one."""

import contextlib
import functools
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

# One salt per purpose: a download link's token is no upload token, and the other way round.
UPLOAD_SALT = "divan.uploads.local.post"
DOWNLOAD_SALT = "divan.uploads.local.get"
UPLOAD_TOKEN_KEYS = frozenset({"k", "t", "n", "e"})
DOWNLOAD_TOKEN_KEYS = frozenset({"k", "f", "t", "e"})
HEAD_BYTES = 4096  # what a type check reads of an object
CHUNK_BYTES = 64 * 1024  # what a check of a whole object holds at once


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


class StorageError(Exception):
    """The store failed (not: the object is missing); the caller retries later."""


class UploadStorage:
    """The calls the services make; S3Storage and LocalStorage below."""

    # `site`: where the client reaches Divan (site_url(request)); the local store's links
    # start with it, S3's with the bucket's endpoint
    def presigned_post(self, *, key: str, content_type: str, max_size: int,
                       expires_in: int, site: str) -> PresignedPost: ...  # fmt: skip
    def size(self, key: str) -> int | None: ...  # None: no such object
    def head(self, key: str, length: int = HEAD_BYTES) -> bytes: ...
    def read(self, key: str, limit: int) -> bytes: ...
    def chunks(self, key: str) -> Iterator[bytes]: ...  # the whole object, CHUNK_BYTES at a time
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def put_file(self, key: str, file, content_type: str) -> None: ...  # read in chunks
    def move(self, key: str, to: str) -> None: ...  # within the store
    def delete(self, key: str) -> None: ...  # a missing object is not an error
    def download_url(self, key: str, *, filename: str, content_type: str,
                     expires_in: int, site: str) -> str: ...  # fmt: skip


class S3Storage(UploadStorage):
    def __init__(self):
        from storages.backends.s3 import S3Storage as DjangoS3Storage

        storage = DjangoS3Storage()
        self.bucket = storage.bucket_name
        self.client = storage.connection.meta.client
        # Links are signed for the host clients reach, which may not be the one Divan reaches
        # (docker-compose: minio:9000 inside, localhost:9000 outside); signing is local.
        public = settings.AWS_S3_PUBLIC_ENDPOINT_URL
        self.signer = self.client if not public else _client(public)

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key")) from error
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error

    def presigned_post(self, *, key, content_type, max_size, expires_in, site):
        post = self.signer.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_size]],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=post["url"], fields=post["fields"])

    def size(self, key):
        try:
            return self._call("head_object", Key=key)["ContentLength"]
        except FileNotFoundError:
            return None

    def head(self, key, length=HEAD_BYTES):
        return self._call("get_object", Key=key, Range=f"bytes=0-{length - 1}")["Body"].read()

    def read(self, key, limit):
        body = self._call("get_object", Key=key)["Body"]
        return body.read(limit + 1)

    def chunks(self, key):
        from botocore.exceptions import BotoCoreError

        body = self._call("get_object", Key=key)["Body"]
        try:
            yield from body.iter_chunks(CHUNK_BYTES)
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        finally:
            body.close()

    def put(self, key, data, content_type):
        self._call("put_object", Key=key, Body=data, ContentType=content_type)

    def put_file(self, key, file, content_type):
        """boto3's managed transfer: in parts for a large file, never read whole."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.upload_fileobj(
                file, self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
        except (Boto3Error, BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error

    def move(self, key, to):
        self._call("copy_object", Key=to, CopySource={"Bucket": self.bucket, "Key": key})
        self._call("delete_object", Key=key)

    def delete(self, key):
        self._call("delete_object", Key=key)

    def download_url(self, key, *, filename, content_type, expires_in, site):
        return self.signer.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": _disposition(filename),
            },
            ExpiresIn=expires_in,
        )


class LocalStorage(UploadStorage):
    """Files under UPLOADS_LOCAL_ROOT; the presigned POST and GET are Divan's own endpoints,
    each with a signed, expiring token that carries what the store's policy would. A missing
    file is FileNotFoundError; any other failure of the disk is a StorageError."""

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name in ("head", "read", "put", "put_file", "move", "delete"):
            return _disk_errors(attribute)
        return attribute

    def __init__(self):
        self.root = Path(settings.UPLOADS_LOCAL_ROOT)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise FileNotFoundError(key)  # keys are Divan's; this one is not
        return path

    def presigned_post(self, *, key, content_type, max_size, expires_in, site):
        token = signing.dumps(
            {"k": key, "t": content_type, "n": max_size, "e": int(time.time()) + expires_in},
            salt=UPLOAD_SALT,
        )
        url = _site(site) + reverse("upload-local") + "?" + urlencode({"token": token})
        return PresignedPost(url=url, fields={"key": key, "Content-Type": content_type})

    def size(self, key):
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def head(self, key, length=HEAD_BYTES):
        with self.path(key).open("rb") as file:
            return file.read(length)

    def read(self, key, limit):
        with self.path(key).open("rb") as file:
            return file.read(limit + 1)

    def chunks(self, key):
        try:
            with self.path(key).open("rb") as file:
                while chunk := file.read(CHUNK_BYTES):
                    yield chunk
        except FileNotFoundError:
            raise
        except OSError as error:  # as _disk_errors, for a generator
            raise StorageError(str(error)) from error

    def put(self, key, data, content_type):
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)

    def put_file(self, key, file, content_type):
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as out:
            shutil.copyfileobj(file, out, CHUNK_BYTES)
        os.replace(partial, path)

    def move(self, key, to):
        target = self.path(to)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path(key), target)

    def delete(self, key):
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def download_url(self, key, *, filename, content_type, expires_in, site):
        token = signing.dumps(
            {"k": key, "f": filename, "t": content_type, "e": int(time.time()) + expires_in},
            salt=DOWNLOAD_SALT,
        )
        path = reverse("upload-local-file", kwargs={"key": key})
        return _site(site) + path + "?" + urlencode({"token": token})


def site_url(request) -> str:
    """Where the client that sent `request` reaches Divan, as links should start: SITE_URL when
    set, else the request's own scheme and host. X-Forwarded-Host and -Proto count only behind
    trusted proxies (DJANGO_NUM_PROXIES above 0 turns on USE_X_FORWARDED_HOST and
    SECURE_PROXY_SSL_HEADER); a host not in ALLOWED_HOSTS is refused with a 400. Without a
    request, SITE_URL or '' (then the local store makes no link)."""
    if settings.SITE_URL or request is None:
        return settings.SITE_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def _site(site: str) -> str:
    if not site:  # a caller without a request (a task) asked for a link
        raise ValueError("The local store's links need site_url(request), or SITE_URL set.")
    return site


def _disk_errors(method):
    @functools.wraps(method)
    def wrapped(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except FileNotFoundError:
            raise
        except OSError as error:
            raise StorageError(str(error)) from error

    return wrapped


def _client(endpoint_url: str):
    """A boto3 S3 client as django-storages makes one, for another endpoint."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        config=Config(
            signature_version=settings.AWS_S3_SIGNATURE_VERSION,
            s3={"addressing_style": settings.AWS_S3_ADDRESSING_STYLE},
        ),
    )


def local_token(token: str, *, upload: bool, max_age: int) -> dict | None:
    """The payload of an upload (or download) token this site signed, still unexpired; else
    None."""
    salt, keys = (
        (UPLOAD_SALT, UPLOAD_TOKEN_KEYS) if upload else (DOWNLOAD_SALT, DOWNLOAD_TOKEN_KEYS)
    )
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or set(payload) != keys or payload["e"] < time.time():
        return None
    return payload


def _disposition(filename: str) -> str:
    """`attachment`, with the name as the uploader gave it (RFC 6266), never shown inline."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@functools.cache
def _storage(bucket: str, endpoint: str | None, root: str) -> UploadStorage:
    return S3Storage() if bucket else LocalStorage()


def upload_storage() -> UploadStorage:
    """The storage of uploads as the settings say (one per configuration, per process)."""
    return _storage(
        settings.AWS_STORAGE_BUCKET_NAME, settings.AWS_S3_ENDPOINT_URL, settings.UPLOADS_LOCAL_ROOT
    )
