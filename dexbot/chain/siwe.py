"""Sign-In with Ethereum (EIP-4361): the exact message text, signed with ``personal_sign``.

Dashboards that accept SIWE verify the signature against the text byte for byte, so the text follows
the EIP's ABNF exactly: the fixed header line, the address, an optional statement between blank lines,
then the ``Key: value`` fields in the EIP's order.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address

from dexbot.core.errors import InputError

_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ALPHANUMERIC = string.ascii_letters + string.digits


def new_nonce(length: int = 17) -> str:
    """A random alphanumeric nonce (EIP-4361 asks for at least 8 characters)."""
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str = field(default_factory=new_nonce)
    issued_at: str = field(default_factory=lambda: rfc3339(datetime.now(UTC)))
    statement: str | None = None
    version: str = "1"
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = ()
    scheme: str | None = None

    def __post_init__(self) -> None:
        if not self.domain or any(c.isspace() for c in self.domain) or "/" in self.domain:
            raise InputError(
                f"--domain {self.domain!r}: an RFC 3986 authority such as example.com or host:8443"
            )
        if not is_address(self.address):
            raise InputError(f"address {self.address!r}: not a 20-byte hex address")
        object.__setattr__(self, "address", str(to_checksum_address(self.address)))
        if not _SCHEME.match(self.uri) or any(c.isspace() for c in self.uri):
            raise InputError(f"--uri {self.uri!r}: an absolute URI such as https://example.com/login")
        if self.chain_id < 1:
            raise InputError(f"chain id {self.chain_id}: must be positive")
        if not _NONCE.match(self.nonce):
            raise InputError(f"--nonce {self.nonce!r}: at least 8 letters or digits, nothing else")
        if self.statement is not None and ("\n" in self.statement or "\r" in self.statement):
            raise InputError("--statement: must be one line (no line breaks)")
        for resource in self.resources:
            if not _SCHEME.match(resource):
                raise InputError(f"resource {resource!r}: an absolute URI")

    def text(self) -> str:
        """The EIP-4361 message, exactly as it is signed."""
        origin = f"{self.scheme}://{self.domain}" if self.scheme else self.domain
        lines = [f"{origin} wants you to sign in with your Ethereum account:", self.address, ""]
        if self.statement is not None:
            lines += [self.statement, ""]
        else:
            lines += [""]
        lines += [
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {self.issued_at}",
        ]
        if self.expiration_time:
            lines.append(f"Expiration Time: {self.expiration_time}")
        if self.not_before:
            lines.append(f"Not Before: {self.not_before}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources:
            lines.append("Resources:")
            lines += [f"- {r}" for r in self.resources]
        return "\n".join(lines)


def sign_message(account: LocalAccount, message: SiweMessage) -> str:
    """The 65-byte personal_sign signature (0x-hex) of the message text."""
    if message.address != account.address:
        raise InputError(f"the message names {message.address}, but the key is for {account.address}")
    signed = account.sign_message(encode_defunct(text=message.text()))
    return "0x" + bytes(signed.signature).hex()


def recover_signer(text: str, signature: str) -> str:
    """The address that signed ``text`` with personal_sign (what a SIWE verifier checks)."""
    return str(Account.recover_message(encode_defunct(text=text), signature=signature))
