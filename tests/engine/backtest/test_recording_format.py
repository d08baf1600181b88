"""The recording file and the checks a backtest makes before it starts anything: a clean round trip, a
crash-left prefix that stays readable, and one clear line (exit 2, nothing written) for a truncated,
corrupted or newer recording, another chain's, or an empty block range."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dexbot.chain.recorded_blocks import RecordedBlock
from dexbot.core.config import parse_config
from dexbot.engine.backtest.recording_format import (
    FORMAT_VERSION,
    Mined,
    RecordingError,
    RecordingHeader,
    RecordingWriter,
    Rollback,
    block_line,
    read_recording,
)
from dexbot.engine.backtest.replay import check_recording

START_HASH = "0x" + "aa" * 32
RAW_TX = (
    "0x02f86c827a6980843b9aca00847735940082520894" + "11" * 20 + "8080c001a0" + "22" * 32 + "a0" + "33" * 32
)


def _block(n: int, parent: str, txs: tuple[str, ...] = ()) -> RecordedBlock:
    return RecordedBlock(
        number=n,
        hash=f"0x{n:064x}",
        parent_hash=parent,
        timestamp=1_000 + 2 * n,
        base_fee=10**9 - n,
        coinbase="0x" + "00" * 20,
        gas_limit=30_000_000,
        gas_used=21_000 * len(txs),
        state_root="0x" + "bb" * 32,
        receipts_root="0x" + "cc" * 32,
        txs=txs,
    )


def write(
    path: Path,
    *,
    blocks: int = 5,
    version: int = 1,
    chain_id: int = 31337,
    close: bool = True,
    header_fields: dict[str, object] | None = None,
) -> None:
    """``header_fields``: header keys set (or, set to None, left out as an older dexbot wrote it)."""
    header = RecordingHeader(31337, "devnet", "0x" + "dd" * 32, 10, 1_020, START_HASH, "dump", 2.0)
    line = header.to_line() | {"format_version": version, "chain_id": chain_id} | (header_fields or {})
    line = {k: v for k, v in line.items() if v is not None or k not in (header_fields or {})}
    w = RecordingWriter(path)
    w.write(line, {"kind": "state", "dump": "0x00"})
    parent = START_HASH
    for n in range(11, 11 + blocks):
        b = _block(n, parent, (RAW_TX,) if n % 2 else ())
        w.write(block_line(b, tip=n != 12))
        parent = b.hash
    w.write({"kind": "engine_start", "block": 10})
    if close:
        w.close()


def test_a_recording_reads_back_block_for_block(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    write(path)
    rec = read_recording(path)
    assert rec.complete
    assert [b.number for b in rec.blocks] == [11, 12, 13, 14, 15]
    assert rec.blocks[0] == _block(11, START_HASH, (RAW_TX,))
    assert rec.tips == frozenset({11, 13, 14, 15})  # 12 was seen together with 13
    assert rec.engine_start == 10
    assert rec.header.start_block == 10
    assert rec.dump == "0x00"


def _fork(n: int, parent: str) -> RecordedBlock:
    """Block ``n`` of the branch that replaced the recorded one (another hash)."""
    b = _block(n, parent)
    return RecordedBlock(**{**b.__dict__, "hash": f"0x{n:062x}ff"})


def test_a_rollback_drops_the_reorged_blocks_and_the_replacements_follow(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    write(path, close=False)  # blocks 11..15, 12 not a tip
    data = gzip.decompress(path.read_bytes())
    lines = [json.dumps({"kind": "rollback", "to": 11})]
    parent = f"0x{11:064x}"
    for n in (12, 13, 14, 15, 16):
        b = _fork(n, parent)
        lines.append(json.dumps(block_line(b, tip=n in (14, 16))))
        parent = b.hash
    lines.append(json.dumps({"kind": "end", "blocks": 6, "last": 16}))
    path.write_bytes(gzip.compress(data + "\n".join(lines).encode() + b"\n"))
    rec = read_recording(path)
    assert rec.complete
    assert [b.number for b in rec.blocks] == [11, 12, 13, 14, 15, 16]
    assert [b.hash for b in rec.blocks[1:]] == [_fork(n, "").hash for n in (12, 13, 14, 15, 16)]
    assert rec.tips == frozenset({11, 14, 16})  # the dropped blocks' tips went with them
    # what the live engine saw: the lost blocks, the rollback, the replacements, each with its own tip
    seen = [(e.block.hash, e.tip) if isinstance(e, Mined) else e for e in rec.between(12, 16)]
    lost = [(f"0x{n:064x}", n != 12) for n in (12, 13, 14, 15)]
    assert seen == [*lost, Rollback(11), *((_fork(n, "").hash, n in (14, 16)) for n in (12, 13, 14, 15, 16))]
    # from a block after the reorg: the surviving blocks only
    assert [e.block.hash for e in rec.between(14, 15) if isinstance(e, Mined)] == [
        _fork(14, "").hash,
        _fork(15, "").hash,
    ]


def test_the_writer_counts_blocks_net_of_rollbacks(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    w = RecordingWriter(path)
    header = RecordingHeader(31337, "devnet", "0x" + "dd" * 32, 10, 1_020, START_HASH, "dump", 2.0)
    w.write(header.to_line(), {"kind": "state", "dump": "0x00"})
    a = _block(11, START_HASH)
    w.write(block_line(a, tip=True), block_line(_block(12, a.hash), tip=True))
    w.write({"kind": "rollback", "to": 11})
    w.write(block_line(_fork(12, a.hash), tip=True))
    w.close()
    assert (w.blocks, w.last) == (2, 12)
    assert [b.hash for b in read_recording(path).blocks] == [a.hash, _fork(12, "").hash]


@pytest.mark.parametrize("to", [9, 16])
def test_a_rollback_outside_the_recorded_blocks_is_refused(tmp_path: Path, to: int) -> None:
    path = tmp_path / "r.jsonl.gz"
    write(path, close=False)
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data + json.dumps({"kind": "rollback", "to": to}).encode() + b"\n"))
    with pytest.raises(RecordingError, match=f"line 9 rolls back to block {to}, outside 10..15"):
        read_recording(path)


def test_a_writer_that_died_leaves_a_readable_prefix_and_the_backtest_says_how_to_use_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.jsonl.gz"
    write(path, close=False)  # flushed per block, never closed: no end record, no gzip trailer
    rec = read_recording(path)
    assert not rec.complete
    assert rec.last_block == 15
    cfg = parse_config({})
    with pytest.raises(RecordingError, match=r"truncated after block 15 .*--to 15"):
        check_recording(rec, cfg, None, None)
    assert check_recording(rec, cfg, None, 15) == (11, 15)


def test_a_recording_cut_mid_block_keeps_its_whole_blocks(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    write(path)
    data = gzip.decompress(path.read_bytes())
    cut = data[: data.index(b'"number":14') + 5]  # block 14's line half written
    path.write_bytes(gzip.compress(cut))
    rec = read_recording(path)
    assert [b.number for b in rec.blocks] == [11, 12, 13]
    assert not rec.complete


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw[:200] + b"\x00" * 50 + raw[250:], "corrupted"),
        (lambda raw: b"not gzip at all", "corrupted or not a dexbot recording"),
        (lambda raw: gzip.compress(b'{"kind": "block"}\n'), "not a dexbot recording"),
        (
            lambda raw: gzip.compress(gzip.decompress(raw).replace(b'"number":13', b'"number":19')),
            "corrupted",
        ),
    ],
)
def test_a_damaged_recording_is_refused_in_one_line(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.jsonl.gz"
    write(path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(RecordingError, match=message):
        read_recording(path)


def test_the_devnets_evm_rules_are_read_back_and_older_devnet_recordings_ran_prague(tmp_path: Path) -> None:
    """A replay's anvil must run the rules the recorded devnet ran, or no block hashes as recorded; before
    the field existed the devnet ran anvil's latest (Prague). An unknown name is refused in one line."""
    cases = {
        "cancun": {"hardfork": "cancun", "deployment": {"weth": "0x" + "11" * 20}},
        "old-devnet": {"deployment": {"weth": "0x" + "11" * 20}, "hardfork": None},
        "old-fork": {"origin": "fork", "hardfork": None},
    }
    got = {}
    for name, fields in cases.items():
        path = tmp_path / f"{name}.jsonl.gz"
        write(path, header_fields=fields)
        got[name] = read_recording(path).header.hardfork
    path = tmp_path / "odd.jsonl.gz"
    write(path, header_fields={"hardfork": "frontier-ish"})

    assert got == {"cancun": "cancun", "old-devnet": "prague", "old-fork": ""}
    with pytest.raises(RecordingError, match="unknown hardfork 'frontier-ish'"):
        read_recording(path)


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    newer = FORMAT_VERSION + 1
    write(path, version=newer)
    with pytest.raises(RecordingError, match=f"format version {newer}, newer than this dexbot reads"):
        read_recording(path)


def test_another_chain_or_an_empty_range_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    write(path, chain_id=8453)
    rec = read_recording(path)
    with pytest.raises(RecordingError, match=r"is of chain 8453 .* config trades chain 31337"):
        check_recording(rec, parse_config({}), None, None)
    write(path)
    rec = read_recording(path)
    for lo, hi in ((14, 12), (5, 12), (12, 99)):
        with pytest.raises(RecordingError, match=f"block range {lo}..{hi} is empty or outside"):
            check_recording(rec, parse_config({}), lo, hi)


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_backtest_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    good, newer, other = tmp_path / "good.gz", tmp_path / "newer.gz", tmp_path / "other.gz"
    write(good, close=False)
    write(newer, version=7)
    write(other, chain_id=1)
    (tmp_path / "corrupt.gz").write_bytes(b"\x1f\x8b garbage")
    before = sorted(p.name for p in tmp_path.iterdir())
    cases = [
        (("backtest", "good.gz"), "truncated after block 15"),
        (("backtest", "newer.gz"), "format version 7"),
        (("backtest", "other.gz"), "is of chain 1 "),
        (("backtest", "corrupt.gz"), "corrupted"),
        (
            ("backtest", "good.gz", "--from", "14", "--to", "12"),
            "--from 14 is after --to 12: the block range is empty",
        ),
    ]
    for args, message in cases:
        res = _cli(tmp_path, *args)
        assert res.returncode == 2, (args, res.stderr)
        assert message in res.stderr, (args, res.stderr)
        assert res.stderr.count("\n") == 1, (args, res.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no data dir, no database
    assert json.loads(gzip.decompress(good.read_bytes()).splitlines()[0])["kind"] == "header"
