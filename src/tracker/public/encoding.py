"""Stored downloads sent gzipped to the clients that accept it (``Accept-Encoding``, RFC 9110 section 12.5.3).

An open-data file of several MB is mostly repeated text: gzipped it is a fraction of the size to read from the
database and send. Each encoding of a file is its own representation, with its own strong ETag, and the response
says ``Vary: Accept-Encoding`` so a shared cache keeps the two apart.
"""

from __future__ import annotations

import gzip
import re

GZIP = "gzip"
# A qvalue as RFC 9110 writes it: 0 to 1 with at most three decimals. Anything else weighs 0 (not acceptable),
# so a malformed header never gets a client gzip it did not ask for.
_QVALUE = re.compile(r"(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")
# Level 6 (zlib's default): level 9 saves little on these files and takes longer, once per change of the data.
LEVEL = 6


def _weights(header: str) -> dict[str, float]:
    """Each content coding the header names, with its weight (the lowest when it is named twice)."""
    weights: dict[str, float] = {}
    for item in header.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        if not coding:
            continue
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _QVALUE.fullmatch(value) else 0.0
        coding = coding.lower()
        weights[coding] = min(weight, weights.get(coding, weight))
    return weights


def accepts_gzip(header: str | None) -> bool:
    """True when a request with this ``Accept-Encoding`` should get gzip: gzip (or ``x-gzip``, or ``*`` when
    neither is named) has a weight above 0, and no less than the unencoded file's. No header: the unencoded file
    (any coding would be allowed, but a client that says nothing may not expect one)."""
    if not header:
        return False
    weights = _weights(header)
    wildcard = weights.get("*")
    named = weights.get(GZIP, weights.get("x-gzip"))
    zipped = named if named is not None else (wildcard if wildcard is not None else 0.0)
    identity = weights.get("identity", wildcard if wildcard is not None else 1.0)
    return zipped > 0 and zipped >= identity


def compress(content: bytes) -> bytes:
    """``content`` gzipped, the same bytes every time (no timestamp in the header)."""
    return gzip.compress(content, compresslevel=LEVEL, mtime=0)


def decompress(packed: bytes) -> bytes:
    """What ``compress`` gave ``packed`` from."""
    return gzip.decompress(packed)


def gzip_etag(etag: str) -> str:
    """The strong ETag of the gzipped representation of the file whose ETag is ``etag`` (a quoted string)."""
    return f'{etag[:-1]}-{GZIP}"'
