"""Opaque keyset cursors for the todo list: where the next page starts, never an offset.

A cursor names the sort it belongs to and the last row of the page before, the
position (``created_at``, ``id``). It is checked strictly: a checksum over its
content catches a cursor that was cut short or edited, and a cursor of another
sort is refused. The checksum has no secret on purpose: a forged cursor can only
name another position in the same public list, so it needs no key to rotate;
what it must never do is turn into a 500 or a silent wrong page.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# The list's one order today. A cursor records it, so that a later sort (say,
# newest first) can never resume from a position of this one.
SORT = "created_at,id"

_VERSION = "v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DIGEST_CHARS = 12
# PostgreSQL integer ids and timestamps within datetime's range, in decimal.
_PAYLOAD = re.compile(
    r"v1\|(?P<sort>[a-z_,-]{1,40})\|(?P<micros>-?[0-9]{1,18})\|(?P<id>[0-9]{1,10})"
)
_MAX_CHARS = 200


class CursorError(ValueError):
    """A cursor that is malformed, altered, or from another sort; the message says which."""


@dataclass(frozen=True)
class Position:
    """The sort key of the last todo already returned."""

    created_at: datetime
    id: int


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()[:_DIGEST_CHARS]


def encode(position: Position, *, sort: str = SORT) -> str:
    """Return the opaque cursor that resumes the list after ``position``."""
    micros = (position.created_at - _EPOCH) // _MICROSECOND
    payload = f"{_VERSION}|{sort}|{micros}|{position.id}"
    raw = f"{payload}|{_digest(payload)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, sort: str = SORT) -> Position:
    """Return the position a cursor names, or raise CursorError saying what is wrong."""
    if len(cursor) > _MAX_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise CursorError("cursor is not one this API issued (malformed)")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise CursorError("cursor is not one this API issued (malformed)") from error
    payload, _, digest = raw.rpartition("|")
    match = _PAYLOAD.fullmatch(payload)
    if match is None:
        raise CursorError("cursor is not one this API issued (malformed)")
    if digest != _digest(payload):
        raise CursorError("cursor was altered (its checksum does not match)")
    if match["sort"] != sort:
        raise CursorError(f"cursor belongs to another sort ({match['sort']}, not {sort})")
    todo_id = int(match["id"])
    try:
        created_at = _EPOCH + int(match["micros"]) * _MICROSECOND
    except OverflowError as error:
        raise CursorError("cursor is not one this API issued (malformed)") from error
    if not 1 <= todo_id <= 2**31 - 1:
        raise CursorError("cursor is not one this API issued (malformed)")
    return Position(created_at=created_at, id=todo_id)
