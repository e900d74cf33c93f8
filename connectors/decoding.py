"""Content-Encoding decoding with a hard cap on decoded bytes.

httpx decompresses whole chunks at once, and trafilatura and feedparser decompress without
limits, so a 100 kB gzip or brotli bomb can become gigabytes in memory. Parallax reads raw bytes
and decodes them here, stage by stage, never holding more than the cap.

Past the cap a decoder raises TooLarge, or, made with clip=True, keeps the first `limit` bytes
and stops (robots.txt: RFC 9309 lets a crawler ignore what follows its parsing limit).
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


class Truncated(DecodeError):
    """A compressed stream that ends before its end marker: the body was cut short in transit."""


class _Stage(Protocol):
    full: bool

    def feed(self, data: bytes) -> bytes: ...

    def flush(self) -> bytes: ...


class _Capped:
    """Counts what a stage produced; raises TooLarge past the limit, or clips there."""

    def __init__(self, limit: int, clip: bool) -> None:
        self._limit = limit
        self._clip = clip
        self._produced = 0
        self.full = False  # clipped: the stage produces nothing more

    def _room(self) -> int:
        # One byte more than is allowed, so that going over is seen rather than assumed.
        return self._limit - self._produced + 1

    def _take(self, chunk: bytes) -> bytes:
        room = self._limit - self._produced
        if len(chunk) > room:
            if not self._clip:
                raise TooLarge
            chunk, self.full = chunk[:room], True
        self._produced += len(chunk)
        return chunk


class _Identity(_Capped):
    def feed(self, data: bytes) -> bytes:
        return b"" if self.full else self._take(data)

    def flush(self) -> bytes:
        return b""


class _Zlib(_Capped):
    """gzip or zlib-wrapped deflate; raw deflate when a server sends that as 'deflate'."""

    def __init__(self, limit: int, clip: bool, *, gzip: bool) -> None:
        super().__init__(limit, clip)
        self._gzip = gzip
        self._started = False
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

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
        while not self.full:
            if self._obj.eof:
                # A second gzip member, or junk after the stream: decode the next member. What
                # follows a deflate stream is ignored, as browsers do.
                pending = self._obj.unused_data + pending
                if not pending or not self._gzip:
                    break
                self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            if not pending:
                break
            out += self._take(self._obj.decompress(pending, self._room()))
            self._started = True
            pending = self._obj.unconsumed_tail
        return bytes(out)

    def flush(self) -> bytes:
        if self.full:
            return b""
        try:
            tail = self._take(self._obj.flush())
        except zlib.error as err:
            raise DecodeError(str(err)) from err
        # zlib returns what it has for a cut-off stream without complaint; a body that ends
        # before the end marker must not pass for a whole one.
        if self._started and not self._obj.eof:
            raise Truncated(f"truncated {'gzip' if self._gzip else 'deflate'} stream")
        return tail


class _Brotli(_Capped):
    def __init__(self, limit: int, clip: bool) -> None:
        super().__init__(limit, clip)
        self._started = False
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        try:
            while data or not self._obj.can_accept_more_data():
                if self.full:
                    break
                out += self._take(self._obj.process(data, output_buffer_limit=self._room()))
                self._started, data = True, b""
        except brotli.error as err:
            raise DecodeError(str(err)) from err
        return bytes(out)

    def flush(self) -> bytes:
        if self._started and not self.full and not self._obj.is_finished():
            raise Truncated("truncated brotli stream")
        return b""


def _stage(encoding: str, limit: int, clip: bool) -> _Stage:
    if encoding in ("gzip", "x-gzip"):
        return _Zlib(limit, clip, gzip=True)
    if encoding == "deflate":
        return _Zlib(limit, clip, gzip=False)
    if encoding == "br":
        return _Brotli(limit, clip)
    if encoding == "identity":
        return _Identity(limit, clip)
    raise DecodeError(f"unsupported content-encoding {encoding!r}")


class BoundedDecoder:
    """Decodes a body sent with the given Content-Encoding header, up to `limit` bytes."""

    def __init__(self, content_encoding: str | None, limit: int, *, clip: bool = False) -> None:
        encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
        if len(encodings) > MAX_ENCODINGS:
            raise DecodeError(f"too many content-encodings: {content_encoding!r}")
        # Encodings are listed in the order they were applied, so they come off in reverse.
        # Every stage has the cap: an inner layer over it would decode to more than it anyway.
        self._stages = [_stage(e, limit, clip) for e in reversed(encodings)]
        self._stages.append(_Identity(limit, clip))

    @property
    def clipped(self) -> bool:
        """Whether the cap was reached with clip=True; the rest of the body can be dropped."""
        return any(stage.full for stage in self._stages)

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
