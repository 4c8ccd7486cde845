"""The export archive: a zip of one JSON file per kind of data, the person's files, and a
README.txt saying what is where. Written to a file object as it is read: each JSON section item
by item from its selector's cursor, each file chunk by chunk from storage, so that neither the
rows nor the files are ever held whole in memory."""

import json
import zipfile
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from accounts import selectors
from communities.storage import UploadStorage

README = """\
Your data on Divan, for {username}, as it was on {generated_at} (UTC).

profile.json          your account: id, username, email address, when you joined, reputation
email_addresses.json  your email addresses, and whether each is verified
groups.json           the groups you belong to, with your role in each
posts.json            your posts (not those you deleted), with their tags and attachments
comments.json         your comments (not those you deleted), by the id of their post
reactions.json        your reactions, by the id of the post or comment
uploads.json          your files, with where each one is in this archive ("file")
uploads/<id>/<name>   the files themselves

Nothing anyone else wrote is here: a comment names its post by id only. Posts and comments
that a group's moderators hid are here too, marked "hidden": true. Times are ISO 8601, UTC.
"""

FILE_MODE = 0o644 << 16  # rw-r--r--, as unzip gives the entries


def _info(name: str, when: datetime, *, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(when).timetuple()[:6])
    info.compress_type = compress
    info.external_attr = FILE_MODE
    return info


def _json_entry(archive: zipfile.ZipFile, name: str, value, *, now: datetime) -> None:
    with archive.open(_info(name, now, compress=zipfile.ZIP_DEFLATED), "w") as entry:
        entry.write(json.dumps(value, ensure_ascii=False, indent=2).encode() + b"\n")


def _json_list_entry(archive: zipfile.ZipFile, name: str, items: Iterable, *, now) -> int:
    """A JSON list written one item (one line) at a time; how many items."""
    count = 0
    with archive.open(_info(name, now, compress=zipfile.ZIP_DEFLATED), "w") as entry:
        entry.write(b"[")
        for item in items:
            line = (",\n " if count else "\n ") + json.dumps(item, ensure_ascii=False)
            entry.write(line.encode())
            count += 1
        entry.write(b"\n]\n" if count else b"]\n")
    return count


def _file_name(upload: dict) -> str:
    """Where an upload goes in the archive: a folder per upload, so that two files of one name
    never collide; the name is the uploader's own (no slashes: uploads keep base names)."""
    name = upload["filename"].replace("/", "_").replace("\\", "_").strip()
    if name in ("", ".", ".."):
        name = "file"
    return f"uploads/{upload['id']}/{name}"


def _file_entry(archive: zipfile.ZipFile, upload: dict, storage: UploadStorage) -> str | None:
    """The upload's file, streamed from storage into the archive; None when the store no longer
    has it (it is being deleted), and then no entry is written."""
    chunks = iter(storage.chunks(upload["key"]))
    try:
        first = next(chunks, b"")
    except FileNotFoundError:
        return None
    name = _file_name(upload)
    info = _info(name, datetime.fromisoformat(upload["created_at"]), compress=zipfile.ZIP_STORED)
    with archive.open(info, "w", force_zip64=upload["size"] >= zipfile.ZIP64_LIMIT) as entry:
        entry.write(first)
        for chunk in chunks:
            entry.write(chunk)
    return name


def archive_write(*, user, out, storage: UploadStorage) -> dict[str, int]:
    """Write the archive of `user`'s data to `out` (a writable, seekable file object). How many
    items each section holds. Media are stored as they are (already compressed), text deflated."""
    now = timezone.now()
    counts = {}
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        readme = README.format(username=user.username, generated_at=f"{now:%Y-%m-%d %H:%M}")
        with archive.open(_info("README.txt", now, compress=zipfile.ZIP_DEFLATED), "w") as entry:
            entry.write(readme.encode())
        _json_entry(archive, "profile.json", selectors.own_profile(user=user), now=now)
        addresses = selectors.own_email_addresses(user=user)
        _json_entry(archive, "email_addresses.json", addresses, now=now)
        counts["email_addresses"] = len(addresses)
        sections = {
            "groups": selectors.own_groups,
            "posts": selectors.own_posts,
            "comments": selectors.own_comments,
            "reactions": selectors.own_reactions,
        }
        for section, rows in sections.items():
            counts[section] = _json_list_entry(archive, f"{section}.json", rows(user=user), now=now)
        uploads = []
        for upload in selectors.own_uploads(user=user):
            key = upload.pop("key")
            upload["file"] = _file_entry(archive, {**upload, "key": key}, storage)
            uploads.append(upload)  # a few hundred bytes each, without the file
        counts["uploads"] = _json_list_entry(archive, "uploads.json", uploads, now=now)
    return counts
