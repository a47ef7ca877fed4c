"""The write-ahead log: append-only records, each length-prefixed with a CRC32, replayed over a checkpoint.

File: the 8-byte magic `RQLWAL1\\n`, then records. A record is `<u32 length><u32 crc32>` (little-endian)
and `length` bytes of payload: `<u32 header length>`, a UTF-8 JSON header, then a binary blob (the
float32 vectors of a put). A crash can leave a torn last record (short, or its checksum differs): reading
stops there, and opening for writing cuts the file back to the last whole record.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

MAGIC = b"RQLWAL1\n"
_FRAME = struct.Struct("<II")
_HEADER = struct.Struct("<I")
MAX_RECORD = 1 << 34  # longer than any write rankql makes: a length beyond it is damage, not data


def encode(header: dict, blob: bytes = b"") -> bytes:
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    payload = _HEADER.pack(len(text)) + text + blob
    return _FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def read_records(path: Path) -> tuple[list[tuple[dict, bytes]], int]:
    """Every whole record of a log as (header, blob), and the byte offset where the whole records end."""
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            return [], 0  # torn while the file was being started
        raise ValueError("not a rankql write-ahead log (the first bytes differ)")
    records = []
    offset = len(MAGIC)
    for header, blob, end in _frames(data, offset):
        records.append((header, blob))
        offset = end
    return records, offset


def _frames(data: bytes, offset: int) -> Iterator[tuple[dict, bytes, int]]:
    view = memoryview(data)
    while offset + _FRAME.size <= len(data):
        length, crc = _FRAME.unpack_from(data, offset)
        start = offset + _FRAME.size
        end = start + length
        if length < _HEADER.size or length > MAX_RECORD or end > len(data):
            return  # torn: the record was being written when the process died
        payload = view[start:end]
        if zlib.crc32(payload) != crc:
            return  # torn or damaged: nothing after it can be trusted
        (text_length,) = _HEADER.unpack_from(payload, 0)
        if _HEADER.size + text_length > length:
            return
        try:
            header = json.loads(bytes(payload[_HEADER.size : _HEADER.size + text_length]).decode("utf-8"))
        except ValueError:
            return
        yield header, bytes(payload[_HEADER.size + text_length :]), end
        offset = end


class Journal:
    """An open log file that writes append to; `durable` fsyncs each record before the write returns."""

    def __init__(self, path: Path, *, durable: bool, keep: int | None = None) -> None:
        """Open `path` for appending; `keep` is where its whole records end (None: start a new, empty log)."""
        self.path = path
        self.durable = durable
        flags = os.O_RDWR | os.O_CREAT | (os.O_TRUNC if keep is None else 0)
        self._fd = os.open(path, flags, 0o644)
        if keep is None:
            os.write(self._fd, MAGIC)
            self.size = len(MAGIC)
        else:
            os.ftruncate(self._fd, max(keep, len(MAGIC)))  # drop a torn tail before anything follows it
            if keep < len(MAGIC):
                os.lseek(self._fd, 0, os.SEEK_SET)
                os.write(self._fd, MAGIC)
            self.size = max(keep, len(MAGIC))
        os.lseek(self._fd, 0, os.SEEK_END)
        os.fsync(self._fd)

    def append(self, header: dict, blob: bytes = b"") -> int:
        """Write one record (fsynced in durable mode); the offset where it starts, for cut()."""
        start = self.size
        frame = encode(header, blob)
        view = memoryview(frame)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except BaseException:
            # A half-written record (a full disk) would hide every later one: cut it off again.
            self.cut(start)
            raise
        self.size += len(frame)
        if self.durable:
            os.fdatasync(self._fd)
        return start

    def cut(self, offset: int) -> None:
        """Drop every record from `offset` on (a write that was logged but could not be applied)."""
        os.ftruncate(self._fd, offset)
        os.lseek(self._fd, 0, os.SEEK_END)
        self.size = offset
        if self.durable:
            os.fdatasync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1
