"""The replay client's fee history: the blocks up to the recording's start answered from what the live
node said then, the replayed ones from the replay anvil, which after a state load knows only the blocks
it mined (its answer skips the loaded ones). A request the recording cannot serve is left as it was."""

from __future__ import annotations

from dexbot.chain.replay_client import FeeHistoryPatch

PCTS = [10.0, 50.0]
RECORDED = {  # the live node at start block 3, 3 blocks
    "oldestBlock": "0x1",
    "baseFeePerGas": ["0xa1", "0xa2", "0xa3", "0xa4"],
    "gasUsedRatio": [0.1, 0.2, 0.3],
    "reward": [["0x1", "0x2"], ["0x3", "0x4"], ["0x5", "0x6"]],
}
ANVIL_AT_5 = {  # the replay anvil at block 5: genesis, then only the blocks it mined (4, 5)
    "oldestBlock": "0x2",
    "baseFeePerGas": ["0xb0", "0xb4", "0xb5", "0xb6"],
    "gasUsedRatio": [0.0, 0.4, 0.5],
    "reward": [["0x0", "0x0"], ["0x7", "0x8"], ["0x9", "0xa"]],
}


def test_loaded_blocks_come_from_the_recording_and_replayed_ones_from_anvil() -> None:
    patch = FeeHistoryPatch(RECORDED, 3, PCTS)
    assert patch.apply(["0x4", "0x5", PCTS], ANVIL_AT_5) == {
        "oldestBlock": "0x2",
        "baseFeePerGas": ["0xa2", "0xa3", "0xb4", "0xb5", "0xb6"],
        "gasUsedRatio": [0.2, 0.3, 0.4, 0.5],
        "reward": [["0x3", "0x4"], ["0x5", "0x6"], ["0x7", "0x8"], ["0x9", "0xa"]],
    }


def test_at_the_start_block_the_answer_is_the_recorded_one() -> None:
    patch = FeeHistoryPatch(RECORDED, 3, PCTS)
    anvil = {
        "oldestBlock": "0x0",
        "baseFeePerGas": ["0xb0", "0xa4"],
        "gasUsedRatio": [0.0],
        "reward": [["0x0", "0x0"]],
    }
    assert patch.apply(["0x3", "0x3", PCTS], anvil) == RECORDED


def test_what_the_recording_cannot_serve_is_anvils_answer() -> None:
    patch = FeeHistoryPatch(RECORDED, 3, PCTS)
    assert patch.apply(["0x4", "latest", PCTS], ANVIL_AT_5) is ANVIL_AT_5  # no pinned block
    assert patch.apply(["0x4", "0x5", [25.0]], ANVIL_AT_5) is ANVIL_AT_5  # other percentiles
    assert patch.apply(["0x6", "0x5", PCTS], ANVIL_AT_5) is ANVIL_AT_5  # block 0 is older than recorded
    assert patch.apply(["0x2", "0x5", PCTS], ANVIL_AT_5) is ANVIL_AT_5  # only replayed blocks
