"""EIP-4361 messages: the exact text of the EIP's own example, and signatures that recover."""

from __future__ import annotations

import pytest

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.siwe import SiweMessage, new_nonce, recover_signer, sign_message
from dexbot.core.errors import InputError

EIP_EXAMPLE = """example.com wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ExampleOrg Terms of Service: https://example.com/tos

URI: https://example.com/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json"""


def test_message_text_matches_the_eip_example_byte_for_byte() -> None:
    msg = SiweMessage(
        domain="example.com",
        address="0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
        uri="https://example.com/login",
        chain_id=1,
        nonce="32891756",
        issued_at="2021-09-30T16:25:24Z",
        statement="I accept the ExampleOrg Terms of Service: https://example.com/tos",
        resources=(
            "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
            "https://example.com/my-web2-claim.json",
        ),
    )
    assert msg.text() == EIP_EXAMPLE


def test_without_a_statement_two_blank_lines_separate_address_and_fields() -> None:
    msg = SiweMessage(
        "app.test:8443",
        "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        "https://app.test/",
        8453,
        nonce="abcdefgh",
        issued_at="2024-01-02T03:04:05Z",
        expiration_time="2024-01-02T04:04:05Z",
        scheme="https",
    )
    assert msg.text().splitlines() == [
        "https://app.test:8443 wants you to sign in with your Ethereum account:",
        "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        "",
        "",
        "URI: https://app.test/",
        "Version: 1",
        "Chain ID: 8453",
        "Nonce: abcdefgh",
        "Issued At: 2024-01-02T03:04:05Z",
        "Expiration Time: 2024-01-02T04:04:05Z",
    ]


def test_signature_recovers_the_signing_address() -> None:
    account = dev_account(3)
    msg = SiweMessage("example.com", account.address, "https://example.com/login", 31337)
    signature = sign_message(account, msg)
    assert len(bytes.fromhex(signature[2:])) == 65
    assert recover_signer(msg.text(), signature) == account.address
    assert recover_signer(msg.text() + " ", signature) != account.address


def test_generated_nonces_are_long_alphanumeric_and_distinct() -> None:
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    assert all(len(n) == 17 and n.isalnum() for n in nonces)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("domain", "https://example.com", "--domain 'https://example.com': an RFC 3986 authority"),
        ("uri", "example.com/login", "--uri 'example.com/login': an absolute URI"),
        ("nonce", "short", "--nonce 'short': at least 8 letters or digits"),
        ("statement", "two\nlines", "--statement: must be one line"),
    ],
)
def test_malformed_fields_are_refused_by_name(field: str, value: str, message: str) -> None:
    fields = {"domain": "example.com", "uri": "https://example.com", "nonce": "abcdefgh12", "statement": None}
    fields[field] = value
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        SiweMessage(address=dev_account(1).address, chain_id=1, **fields)  # type: ignore[arg-type]


def test_signing_a_message_for_another_address_is_refused() -> None:
    msg = SiweMessage("example.com", dev_account(1).address, "https://example.com", 1)
    with pytest.raises(InputError, match="the message names"):
        sign_message(dev_account(2), msg)
