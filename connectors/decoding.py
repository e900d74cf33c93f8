"""Content-Encoding decoding with a hard cap on decoded bytes.

httpx decompresses whole chunks at once, and trafilatura and feedparser decompress without
limits, so a 100 kB gzip or brotli bomb can become gigabytes in memory. Parallax reads raw bytes
and decodes them here, stage by stage, never holding more than the cap.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

MAX_ENCODINGS = 3


class TooLarge(Exception):
    """The decoded body passed the cap."""


class DecodeError(Exception):
    """The body is not valid for its Content-Encoding, or the encoding is unknown."""


class _Stage(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def flush(self) -> bytes: ...


class _Identity:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._produced = 0

    def feed(self, data: bytes) -> bytes:
        self._produced += len(data)
        if self._produced > self._limit:
            raise TooLarge
        return data

    def flush(self) -> bytes:
        return b""


class _Zlib:
    """gzip or zlib-wrapped deflate; raw deflate when a server sends that as 'deflate'."""

    def __init__(self, limit: int, *, gzip: bool) -> None:
        self._limit = limit
        self._produced = 0
        self._gzip = gzip
        self._started = False
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

    def _room(self) -> int:
        return self._limit - self._produced + 1

    def _take(self, chunk: bytes) -> bytes:
        self._produced += len(chunk)
        if self._produced > self._limit:
            raise TooLarge
        return chunk

    def feed(self, data: bytes) -> bytes:
        try:
            return self._feed(data)
        except zlib.error as err:
            if self._gzip or self._started:
                raise DecodeError(str(err)) from err
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                return self._feed(data)
            except zlib.error as err2:
                raise DecodeError(str(err2)) from err2

    def _feed(self, data: bytes) -> bytes:
        out = bytearray()
        pending = data
        while pending:
            if self._obj.eof:
                # A second gzip member, or junk after the stream: decode the next member.
                pending = self._obj.unused_data + pending if self._obj.unused_data else pending
                if not self._gzip:
                    break
                self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self._take(self._obj.decompress(pending, self._room()))
            self._started = True
            pending = self._obj.unconsumed_tail
        return bytes(out)

    def flush(self) -> bytes:
        try:
            return self._take(self._obj.flush(self._room()))
        except zlib.error as err:
            raise DecodeError(str(err)) from err


class _Brotli:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._produced = 0
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        try:
            chunk = self._obj.process(data, output_buffer_limit=self._limit - self._produced + 1)
            while True:
                self._produced += len(chunk)
                if self._produced > self._limit:
                    raise TooLarge
                out += chunk
                if self._obj.can_accept_more_data():
                    break
                chunk = self._obj.process(b"", output_buffer_limit=self._limit - self._produced + 1)
        except brotli.error as err:
            raise DecodeError(str(err)) from err
        return bytes(out)

    def flush(self) -> bytes:
        if not self._obj.is_finished():
            raise DecodeError("truncated brotli stream")
        return b""


def _stage(encoding: str, limit: int) -> _Stage:
    if encoding in ("gzip", "x-gzip"):
        return _Zlib(limit, gzip=True)
    if encoding == "deflate":
        return _Zlib(limit, gzip=False)
    if encoding == "br":
        return _Brotli(limit)
    if encoding == "identity":
        return _Identity(limit)
    raise DecodeError(f"unsupported content-encoding {encoding!r}")


class BoundedDecoder:
    """Decodes a body sent with the given Content-Encoding header, up to `limit` bytes."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
        if len(encodings) > MAX_ENCODINGS:
            raise DecodeError(f"too many content-encodings: {content_encoding!r}")
        # Encodings are listed in the order they were applied, so they come off in reverse.
        self._stages = [_stage(e, limit) for e in reversed(encodings)]
        self._stages.append(_Identity(limit))

    def feed(self, data: bytes) -> bytes:
        """Decode the next raw chunk."""
        for stage in self._stages:
            data = stage.feed(data)
        return data

    def flush(self) -> bytes:
        """Decode what the stages still hold, at the end of the body."""
        data = b""
        for stage in self._stages:
            data = stage.feed(data) + stage.flush() if data else stage.flush()
        return data
