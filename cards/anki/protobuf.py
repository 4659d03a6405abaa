"""Just enough of the protobuf wire format to read what Anki stores as protobuf.

The current package format keeps its media list (``MediaEntries``) and its
note types' and templates' settings (``Notetype.Config``,
``Template.Config``) as protobuf messages. wengu reads a handful of fields
from them, so a 40-line reader of the wire format (varints and
length-delimited fields; fixed-width fields skipped) replaces a dependency
on Anki's generated message classes.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["ProtobufError", "message_fields"]

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """Bytes that are not a well-formed protobuf message."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ProtobufError("a truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def message_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """The ``(field number, value)`` pairs of a message, in order.

    A varint field's value is an ``int``; a length-delimited field's (strings,
    bytes, nested messages, packed lists) is ``bytes``. Fixed-width fields are
    skipped.
    """
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == _LENGTH:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise ProtobufError("a length-delimited field runs past the end")
            yield number, data[pos : pos + size]
            pos += size
        elif wire == _FIXED64:
            pos += 8
        elif wire == _FIXED32:
            pos += 4
        else:
            raise ProtobufError(f"unknown wire type {wire}")
    if pos != len(data):
        raise ProtobufError("a fixed-width field runs past the end")
