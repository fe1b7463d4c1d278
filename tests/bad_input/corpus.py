"""Builders of bad inputs shared by the corpus tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip file that unzips to ``megabytes`` MB of ``a`` without a line break, built in a few
    milliseconds: one compressed megabyte repeated (each piece ends in a full flush, so it does
    not refer back), an empty final block, and a trailer no reader gets to check."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = packer.compress(b"a" * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + piece * megabytes + final + struct.pack("<II", 0, (megabytes << 20) & 0xFFFFFFFF)


def zip_bomb(megabytes: int, name: str = "zone.csv") -> bytes:
    """A zip whose one member unzips to ``megabytes`` MB (declared sizes honest, so only reading
    it tells how big it is)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w", force_zip64=True) as member:
        block = b"8,23,1.0,-300,S,14,30,G,1.0,0,1.0,0.0,40,38\r\n" * 20_000
        for _ in range(megabytes * (1 << 20) // len(block) + 1):
            member.write(block)
    return buffer.getvalue()
