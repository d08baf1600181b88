"""Credentials that ride in URLs. RPC providers put the API key in the path (``/v2/KEY``), in the
query (``?apikey=KEY``) or in the user-info (``https://user:pass@host``); databases put the password in
the user-info. Anything shown to a person or written down keeps the scheme and host and hides the rest,
and text an endpoint sent back has that endpoint's credentials masked, since providers echo the request
(``Cannot POST /v2/KEY``, ``invalid key KEY``)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
# Shorter pieces are path words such as ``v2``, ``rpc`` or ``eth``: masking them would garble error text.
MIN_CREDENTIAL = 6


def redact_url(url: str) -> str:
    """``url`` with user-info, path, query and fragment hidden: ``https://***@host/***``. Text without
    a scheme is treated the same way (``host/v2/KEY`` → ``host/***``)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    tail = rest[len(host) :]
    if "@" in host:
        host = f"{MASK}@{host.rsplit('@', 1)[1]}"
    shown_tail = f"{tail[0]}{MASK}" if tail.strip("/") else tail
    return f"{scheme}{sep}{host}{shown_tail}"


def url_credentials(url: str) -> tuple[str, ...]:
    """Every piece of ``url`` that may be a credential (user, password, path segments, query values,
    fragment), raw and percent-decoded, longest first."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return ()
    pieces = [user or "", password or "", parts.fragment, *parts.path.split("/")]
    pieces += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
    pieces += [parts.query]
    found = {p for piece in pieces for p in (piece, unquote(piece)) if len(p) >= MIN_CREDENTIAL}
    return tuple(sorted(found, key=len, reverse=True))


def mask(text: str, credentials: tuple[str, ...]) -> str:
    """``text`` with each of ``credentials`` (longest first, see ``url_credentials``) replaced by ***."""
    for secret in credentials:
        text = text.replace(secret, MASK)
    return text
