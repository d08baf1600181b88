"""The size FastLZ (level 1) compresses bytes to: what an OP-stack chain's L1 data fee is priced on since
Fjord. The chain charges on the compressed size of the signed transaction, and only the size matters,
so this counts output bytes without writing them. The match search must be FastLZ's own, step for step
(8192-entry hash of three bytes, matches up to 8191 bytes back, literal runs of at most 32): a different
but equally good compressor would give a different size, and a different fee."""

from __future__ import annotations

HASH_BITS = 13
MAX_DISTANCE = 8191
MAX_LITERALS = 32
MAX_MATCH = 262  # one match token's longest length (beyond the three bytes every match has)
TAIL = 13  # the last bytes are never searched: they stay literals


def _hash(v: int) -> int:
    return ((v * 2654435769) & 0xFFFFFFFF) >> (32 - HASH_BITS)


def _literals_size(run: int) -> int:
    """A run of literals: one control byte per (up to) 32 bytes, plus the bytes."""
    full, rest = divmod(run, MAX_LITERALS)
    return full * (MAX_LITERALS + 1) + (rest + 1 if rest else 0)


def _match_size(length: int) -> int:
    """A match token: 2 bytes for a short one, 3 when its length needs its own byte, 3 per 262."""
    chunks, rest = divmod(length - 1, MAX_MATCH)
    return 3 * chunks + (3 if rest >= 6 else 2)


def flz_compress_len(data: bytes) -> int:
    """The length of FastLZ level-1 output for ``data``."""
    n = len(data)
    table = [0] * (1 << HASH_BITS)
    limit = n - TAIL if n >= TAIL else 0

    def u24(i: int) -> int:
        return data[i] | data[i + 1] << 8 | data[i + 2] << 16

    size, anchor, ip = 0, 0, 2
    while ip < limit:
        while True:  # find the next position whose three bytes were seen within reach
            seq = u24(ip)
            h = _hash(seq)
            ref, table[h] = table[h], ip
            distance = ip - ref
            if ip >= limit:
                break
            ip += 1
            if distance <= MAX_DISTANCE and seq == u24(ref):
                break
        if ip >= limit:
            break
        ip -= 1
        if ip > anchor:
            size += _literals_size(ip - anchor)
        length, end = 0, limit + 9 - (ip + 3)  # compare up to four bytes before the end
        while length < end:
            same = data[ref + 3 + length] == data[ip + 3 + length]
            length += 1
            if not same:
                break
        size += _match_size(length)
        ip += length
        for _ in range(2):  # the two positions after a match enter the table
            table[_hash(u24(ip))] = ip
            ip += 1
        anchor = ip
    return size + _literals_size(n - anchor)
