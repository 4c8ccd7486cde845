"""A file's real type, read from its first bytes, never from its name or what a client said.

Only the types Divan accepts are recognised; anything else (HTML, SVG, scripts, archives,
executables) is `None`, and is refused. Plain text must be UTF-8 without NUL bytes, and must
not look like markup a browser would run if it were ever shown inline."""

_MP4_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ")
_MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<head", b"<iframe")


def sniff(head: bytes) -> str | None:
    """The MIME type of a file from its first bytes (4 KiB are plenty), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in (
        b"isom",
        b"iso2",
        b"mp41",
        b"mp42",
        b"avc1",
        b"M4V ",
    ):
        return "video/mp4"
    if _is_plain_text(head):
        return "text/plain"
    return None


def _is_plain_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not a character cut at the end of the head
            return False
        text = head[: error.start].decode("utf-8")
    lowered = text.lstrip("\ufeff \t\r\n").lower().encode()
    return not any(marker in lowered for marker in _MARKUP)
