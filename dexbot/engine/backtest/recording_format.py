"""The recording file: gzip'd JSON lines, written as blocks arrive and readable up to the last whole block
if the writer died (each block is flushed with a gzip sync flush).

    {"kind": "header", "format_version": 1, "chain_id": …, "start": {"block", "timestamp", "hash"}, …}
    {"kind": "state", "dump": "0x…"}          anvil's state dump at the start block (devnet recordings)
    {"kind": "block", "number": …, "txs": ["0x…raw", …], "tip": true, …}   one per block, in order
    {"kind": "engine_start", "block": S}      where the recorded engine started (``run --record``)
    {"kind": "rollback", "to": N}             a reorg: the blocks after N written so far are not the chain
    {"kind": "end", "blocks": N, "last": B}   written on a clean close: without it the file is truncated

``tip`` marks a block the live engine handled as the head of one poll: a busy live loop may see two
blocks at once, and the replay hands the engine the same steps so it decides on the same views.

A reorg leaves the blocks it replaced in the file, then a rollback record, then their replacements: the
chain the file describes (``Recording.blocks``) is the one that survived, and the replay also shows the
engine the lost blocks and the reorg, in the order the live engine saw them (``Recording.between``), so
it reacts as the live one did (the reorg breaker, fills booked on a lost block).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, get_args

from dexbot.chain.recorded_blocks import RecordedBlock
from dexbot.core.config import Hardfork
from dexbot.core.errors import ConfigError

FORMAT_VERSION = 2  # 2: rollback records (a reorg during ``run --record``)


HARDFORKS = ("", *get_args(Hardfork))  # "": anvil's latest (a public chain's fork, an OP-stack chain)


class RecordingError(ConfigError):
    """The recording cannot be replayed as asked (missing, corrupted, truncated, newer, other chain)."""


@dataclass(frozen=True)
class RecordingHeader:
    chain_id: int
    chain: str
    genesis_hash: str
    start_block: int
    start_timestamp: int
    start_hash: str
    origin: str  # "dump": anvil state at the start block follows; "fork": fork an archive node there
    block_time_s: float
    deployment: dict[str, Any] | None = None  # the devnet's contracts, as devnet.json holds them
    op_stack: bool = False  # the chain charges an L1 data fee: its replay anvil runs with --optimism
    hardfork: str = ""  # a devnet's EVM rules, which its replay anvil runs with ("": anvil's latest)
    # the live node's eth_feeHistory at the start block ({"percentiles", "answer"}): a state dump has none
    fee_history: dict[str, Any] | None = None
    format_version: int = FORMAT_VERSION

    def to_line(self) -> dict[str, Any]:
        return {
            "kind": "header",
            "format_version": self.format_version,
            "chain_id": self.chain_id,
            "chain": self.chain,
            "genesis_hash": self.genesis_hash,
            "start": {"block": self.start_block, "timestamp": self.start_timestamp, "hash": self.start_hash},
            "origin": self.origin,
            "block_time_s": self.block_time_s,
            "deployment": self.deployment,
            "op_stack": self.op_stack,
            "hardfork": self.hardfork,
            "fee_history": self.fee_history,
        }


@dataclass(frozen=True)
class Mined:
    """A block as the live engine saw it come, and whether it handled it as a poll's head."""

    block: RecordedBlock
    tip: bool


@dataclass(frozen=True)
class Rollback:
    """A reorg: the blocks after ``to`` recorded so far were replaced by those that follow."""

    to: int


@dataclass(frozen=True)
class Recording:
    path: Path
    header: RecordingHeader
    dump: str
    blocks: tuple[RecordedBlock, ...]
    tips: frozenset[int]
    engine_start: int | None
    complete: bool = True
    timeline: tuple[Mined | Rollback, ...] = ()  # the file's blocks and rollbacks, in order

    @property
    def last_block(self) -> int:
        return self.blocks[-1].number if self.blocks else self.header.start_block

    def between(self, first: int, last: int) -> tuple[Mined | Rollback, ...]:
        """What came after the surviving block ``first - 1`` up to the surviving block ``last``, lost
        blocks and rollbacks included: the surviving version of a block is the last one written."""
        final = {e.block.number: i for i, e in enumerate(self.timeline) if isinstance(e, Mined)}
        start = final[first - 1] + 1 if first - 1 in final else 0
        return self.timeline[start : final[last] + 1] if last in final else ()


def block_line(b: RecordedBlock, *, tip: bool) -> dict[str, Any]:
    return {
        "kind": "block",
        "number": b.number,
        "hash": b.hash,
        "parent_hash": b.parent_hash,
        "timestamp": b.timestamp,
        "base_fee": b.base_fee,
        "coinbase": b.coinbase,
        "gas_limit": b.gas_limit,
        "gas_used": b.gas_used,
        "state_root": b.state_root,
        "receipts_root": b.receipts_root,
        "txs": list(b.txs),
        "tip": tip,
    }


class RecordingWriter:
    """Blocking writes (call it from a worker thread); every ``write`` ends in a sync flush."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=6)
        self.blocks = 0
        self.last = 0

    def write(self, *lines: dict[str, Any]) -> None:
        for line in lines:
            self._gz.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
            if line["kind"] == "block":
                self.blocks += 1
                self.last = int(line["number"])
            elif line["kind"] == "rollback":
                self.blocks -= self.last - int(line["to"])
                self.last = int(line["to"])
        self._gz.flush()
        self._raw.flush()

    def close(self, *, clean: bool = True) -> None:
        if self._raw.closed:
            return
        if clean:
            self.write({"kind": "end", "blocks": self.blocks, "last": self.last})
        self._gz.close()
        self._raw.close()


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file's lines, numbered; a stream cut short (a writer that died) raises EOFError at its end."""
    with gzip.open(path, "rb") as f:
        yield from enumerate(f, 1)


def read_recording(path: Path) -> Recording:
    """The whole recording, checked: a clear RecordingError for anything a replay cannot trust."""
    if not path.is_file():
        raise RecordingError(f"recording {path}: no such file")
    header: RecordingHeader | None = None
    dump, engine_start, complete = "", None, False
    blocks: list[RecordedBlock] = []
    tips: set[int] = set()
    timeline: list[Mined | Rollback] = []
    try:
        for i, raw in _lines(path):
            if not raw.endswith(b"\n"):
                break  # a half-written last line: the prefix before it is the recording
            line = json.loads(raw)
            kind = line.get("kind")
            if header is None:
                header = _header(path, line)
            elif kind == "state":
                dump = str(line["dump"])
            elif kind == "block":
                b = _block(line)
                prev_n, prev_h = (blocks[-1].number, blocks[-1].hash) if blocks else (
                    header.start_block, header.start_hash,
                )  # fmt: skip
                if b.number != prev_n + 1 or b.parent_hash != prev_h:
                    raise RecordingError(
                        f"recording {path} is corrupted: line {i} holds block {b.number} whose parent is "
                        f"not block {prev_n} before it"
                    )
                blocks.append(b)
                tip = bool(line.get("tip", True))
                if tip:
                    tips.add(b.number)
                timeline.append(Mined(b, tip))
            elif kind == "rollback":
                _roll_back(path, i, blocks, tips, header.start_block, int(line["to"]))
                timeline.append(Rollback(int(line["to"])))
            elif kind == "engine_start":
                engine_start = int(line["block"])
            elif kind == "end":
                complete = int(line["blocks"]) == len(blocks)
                if not complete:
                    raise RecordingError(
                        f"recording {path} is corrupted: its end counts {line['blocks']} blocks"
                    )
            else:
                raise RecordingError(f"recording {path} is corrupted: line {i} is of unknown kind {kind!r}")
    except EOFError:
        pass  # the writer died mid-stream: what was flushed is readable
    except (OSError, zlib.error, gzip.BadGzipFile) as err:
        raise RecordingError(f"recording {path} is corrupted or not a dexbot recording ({err})") from None
    except (ValueError, KeyError, TypeError) as err:
        raise RecordingError(f"recording {path} is corrupted: unreadable line ({err})") from None
    if header is None:
        raise RecordingError(f"recording {path} is empty or not a dexbot recording")
    if header.origin == "dump" and not dump:
        raise RecordingError(f"recording {path} is truncated: its start state is missing")
    return Recording(
        path, header, dump, tuple(blocks), frozenset(tips), engine_start, complete, tuple(timeline)
    )


def _roll_back(path: Path, i: int, blocks: list[RecordedBlock], tips: set[int], start: int, to: int) -> None:
    """Drop the blocks a reorg replaced (those after ``to``); the replacements follow in the file."""
    last = blocks[-1].number if blocks else start
    if not start <= to <= last:
        raise RecordingError(
            f"recording {path} is corrupted: line {i} rolls back to block {to}, outside {start}..{last}"
        )
    del blocks[to - start :]
    tips.difference_update(range(to + 1, last + 1))


def _header(path: Path, line: dict[str, Any]) -> RecordingHeader:
    if line.get("kind") != "header" or not isinstance(line.get("format_version"), int):
        raise RecordingError(f"recording {path} is not a dexbot recording (no header line)")
    version = line["format_version"]
    if version > FORMAT_VERSION:
        raise RecordingError(
            f"recording {path} has format version {version}, newer than this dexbot reads "
            f"({FORMAT_VERSION}): upgrade dexbot to replay it"
        )
    start = line["start"]
    origin = str(line["origin"])
    deployment = line.get("deployment")
    if origin not in ("dump", "fork"):
        raise RecordingError(f"recording {path}: unknown start origin {origin!r}")
    # before the field, a devnet ran anvil's latest rules (Prague)
    hardfork = line.get("hardfork", "prague" if deployment and not line.get("op_stack") else "")
    if hardfork not in HARDFORKS:
        known = ", ".join(HARDFORKS[1:])
        raise RecordingError(f"recording {path}: unknown hardfork {hardfork!r} (known: {known})")
    return RecordingHeader(
        chain_id=int(line["chain_id"]),
        chain=str(line["chain"]),
        genesis_hash=str(line["genesis_hash"]),
        start_block=int(start["block"]),
        start_timestamp=int(start["timestamp"]),
        start_hash=str(start["hash"]),
        origin=origin,
        block_time_s=float(line["block_time_s"]),
        deployment=deployment,
        # before the flag, only a devnet with a GasPriceOracle was OP-stack
        op_stack=bool(line.get("op_stack", bool(deployment and deployment.get("l1_gas_oracle")))),
        hardfork=hardfork,
        fee_history=line.get("fee_history"),
        format_version=version,
    )


def _block(line: dict[str, Any]) -> RecordedBlock:
    return RecordedBlock(
        number=int(line["number"]),
        hash=str(line["hash"]),
        parent_hash=str(line["parent_hash"]),
        timestamp=int(line["timestamp"]),
        base_fee=int(line["base_fee"]),
        coinbase=str(line["coinbase"]),
        gas_limit=int(line["gas_limit"]),
        gas_used=int(line["gas_used"]),
        state_root=str(line["state_root"]),
        receipts_root=str(line["receipts_root"]),
        txs=tuple(str(t) for t in line["txs"]),
    )
