"""A short run of the atheris fuzz target, seeded with valid Beast, raw and SBS streams."""

from __future__ import annotations

from pathlib import Path

from raqib.sensors.adsb.beast import MODE_S_LONG, MODE_S_SHORT, encode_frame
from tests.fuzz import run_fuzz_target
from tests.sensors.adsb.frames import ALL_CALL, IDENT_KLM1023, POSITION_EVEN, POSITION_ODD, VELOCITY_GROUND


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    beast = b"".join(
        encode_frame(MODE_S_LONG, 0x1A0000 + i * 6_000_000, 0x1A, bytes.fromhex(frame))
        for i, frame in enumerate([IDENT_KLM1023, POSITION_ODD, VELOCITY_GROUND, POSITION_EVEN])
    ) + encode_frame(MODE_S_SHORT, 0x1A1A1A, 0, bytes.fromhex(ALL_CALL))
    raw = f"*{POSITION_ODD};\n@00000000001A{POSITION_EVEN};\n*{ALL_CALL};\n".encode()
    sbs = (
        b"MSG,1,1,1,4840D6,1,2024/01/01,10:00:00.000,2024/01/01,10:00:00.000,KLM1023,,,,,,,,,,,\r\n"
        b"MSG,3,1,1,4840D6,1,2024/01/01,10:00:01.000,2024/01/01,10:00:01.000,,9000,,,52.1,4.6,,,,,,0\r\n"
    )
    # The first byte picks the decoder (0 Beast, 1 raw, 2 SBS), the second how many cuts.
    for i, seed in enumerate([b"\x00\x00" + beast, b"\x01\x00" + raw, b"\x02\x00" + sbs]):
        (corpus / f"seed{i}").write_bytes(seed)
    run_fuzz_target("adsb", corpus, runs=2000, seed=5)
