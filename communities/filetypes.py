"""A file's real type, read from its first bytes, never from its name or what a client said.

Only the types Divan accepts are recognised; anything else (HTML, SVG, scripts, archives,
executables) is `None`, and is refused. Plain text must be UTF-8 without NUL bytes, and must
hold no HTML tag: `<` followed by an ASCII letter, `/`, `!` or `?`, which is what an HTML parser
takes for the start of a tag, an end tag, a comment or doctype, or a processing instruction
(`a < b` and `<3` stay text). `sniff` checks the first bytes; `text_refusal` the whole text."""

import codecs
import re
from collections.abc import Iterable

_MP4_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ")
# UTF-8 never puts an ASCII byte inside a multi-byte character, so bytes can be searched as is
_TAG = re.compile(rb"<[A-Za-z/!?]")


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
    if not head or b"\x00" in head or _TAG.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not a character cut at the end of the head
            return False
        head[: error.start].decode("utf-8")
    return True


def text_refusal(chunks: Iterable[bytes]) -> str:
    """Why a whole text, read chunk by chunk (memory bounded by one chunk), is not plain text;
    '' when it is. A tag split across two chunks is found: each chunk is searched with the last
    byte of the one before."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    before, offset = b"", 0  # the previous chunk's last byte, and where this chunk starts
    for chunk in chunks:
        if b"\x00" in chunk:
            return "The text has NUL bytes: it is not plain text."
        tag = _TAG.search(before + chunk)
        if tag:
            at = offset - len(before) + tag.start()
            return f"The text has an HTML tag at byte {at}: plain text may hold none."
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return "The text is not UTF-8."
        before, offset = chunk[-1:] or before, offset + len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "The text is not UTF-8."
    return ""
