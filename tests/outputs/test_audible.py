"""The audible warning, with fake players that record how they were called: the right words, a
siren file where asked, and the terminal bell when no player works; never a crash."""

from __future__ import annotations

import os
import sys
import wave
from pathlib import Path

import pytest

from raqib.outputs.audible import AudiblePlayer, find_player, notice_text, write_siren
from raqib.outputs.base import AlertNotice, Outgoing
from raqib.outputs.config import AudibleOptions
from tests.outputs.helpers import run

RECORDER = r"""
import sys, wave

def describe(argument):
    if not argument.endswith(".wav"):
        return argument
    with wave.open(argument) as sound:
        return f"wav:{sound.getframerate()}Hz:{sound.getnframes() / sound.getframerate():.1f}s"

with open(sys.argv[1], "a", encoding="utf-8") as log:
    log.write("|".join(describe(argument) for argument in sys.argv[2:]) + "\n")
"""


def notice(state: str = "raised", kind: str = "rocket", count: int = 1) -> Outgoing:
    return Outgoing(
        "notice",
        f"alert.1.{state}",
        notice=AlertNotice(
            state=state,
            alert_id=1,
            zone_name="Diplomatic compound",
            target_class=kind,
            track_count=count,
            instruction="Take cover now.",
        ),
    )


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[Path, Path]:
    script = tmp_path / "player.py"
    script.write_text(RECORDER, encoding="utf-8")
    return script, tmp_path / "played.txt"


class Bell:
    def __init__(self, works: bool = True) -> None:
        self.works = works
        self.rung = 0

    def __call__(self) -> bool:
        self.rung += 1
        return self.works


def play(player: AudiblePlayer, *messages: Outgoing) -> AudiblePlayer:
    async def scenario() -> None:
        await player.start()
        for item in messages:
            player.send(item)
        await player.stop(timeout_s=10.0)

    run(scenario())
    return player


def test_the_player_speaks_the_warning_the_update_and_the_all_clear(recorder: tuple[Path, Path]) -> None:
    script, log = recorder
    options = AudibleOptions(command=(sys.executable, str(script), str(log), "{message}"))
    player = play(
        AudiblePlayer("siren", options, ring=Bell()),
        notice("raised"),
        notice("updated", count=3),
        notice("acknowledged"),
        notice("cleared"),
    )
    assert log.read_text(encoding="utf-8").splitlines() == [
        "Warning. rocket or mortar threat to Diplomatic compound. Take cover now.",
        "Warning. 3 rocket or mortar threats to Diplomatic compound.",
        "All clear for Diplomatic compound.",
    ]  # an acknowledgement is not announced by default
    assert (player.played, player.bells, player.stats.sent) == (3, 0, 4)


def test_a_siren_file_is_made_for_players_of_sound_files(recorder: tuple[Path, Path]) -> None:
    script, log = recorder
    options = AudibleOptions(
        command=(sys.executable, str(script), str(log), "{wav}"), repeat=2, on=("raised",)
    )
    play(AudiblePlayer("siren", options, ring=Bell()), notice("raised"), notice("cleared"))
    assert log.read_text(encoding="utf-8").splitlines() == ["wav:16000Hz:1.6s"] * 2


def test_no_player_rings_the_bell(tmp_path: Path) -> None:
    bell = Bell()
    options = AudibleOptions(command=(str(tmp_path / "no-such-player"), "{message}"))
    player = play(AudiblePlayer("siren", options, ring=bell), notice())
    assert bell.rung == 1 and player.bells == 1 and player.stats.sent == 1
    assert "can't run" in player.stats.last_error


def test_a_player_that_fails_without_an_audio_device_rings_the_bell() -> None:
    bell = Bell()
    failing = (
        sys.executable,
        "-c",
        "import sys; sys.exit('aplay: main:831: audio open error: No such file')",
    )
    player = play(AudiblePlayer("siren", AudibleOptions(command=failing), ring=bell), notice())
    assert bell.rung == 1
    assert player.stats.last_error.endswith("exited 1: aplay: main:831: audio open error: No such file")


def test_a_player_that_hangs_is_stopped() -> None:
    bell = Bell()
    hanging = (sys.executable, "-c", "import time; time.sleep(30)")
    player = play(AudiblePlayer("siren", AudibleOptions(command=hanging, timeout_s=0.3), ring=bell), notice())
    assert bell.rung == 1 and "took longer than 0.3 s" in player.stats.last_error


def test_with_neither_player_nor_terminal_the_warning_is_counted_as_failed(tmp_path: Path) -> None:
    options = AudibleOptions(command=(str(tmp_path / "missing"),))
    player = play(AudiblePlayer("siren", options, ring=Bell(works=False)), notice(), notice("cleared"))
    assert player.stats.failed == 2 and "no terminal to ring" in player.stats.last_error


def test_a_player_is_found_on_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_player() == ()
    aplay = tmp_path / "aplay"
    aplay.write_text("#!/bin/sh\n", encoding="utf-8")
    aplay.chmod(0o755)
    assert find_player() == (str(aplay), "-q", "{wav}")
    espeak = tmp_path / "espeak-ng"
    espeak.write_text("#!/bin/sh\n", encoding="utf-8")
    espeak.chmod(0o755)
    assert find_player() == (str(espeak), "{message}")  # speech first


def test_the_siren_is_a_valid_wav(tmp_path: Path) -> None:
    path = tmp_path / "siren.wav"
    write_siren(path, duration_s=0.5)
    with wave.open(str(path)) as sound:
        assert (sound.getnchannels(), sound.getsampwidth(), sound.getframerate(), sound.getnframes()) == (
            1,
            2,
            16000,
            8000,
        )


def test_templates_are_filled_and_a_broken_one_is_said_as_written() -> None:
    item = notice("raised", kind="drone").notice
    assert item is not None
    assert notice_text(item, AudibleOptions(message_raised="{what} → {zone} ({alert})")) == (
        "drone → Diplomatic compound (1)"
    )
    assert notice_text(item, AudibleOptions(message_raised="Alert {nope}")) == "Alert {nope}"


def test_the_real_bell_never_raises() -> None:
    from raqib.outputs.audible import ring_terminal_bell

    with open(os.devnull, "w") as quiet:
        saved, sys.stderr = sys.stderr, quiet
        try:
            assert ring_terminal_bell() in (True, False)
        finally:
            sys.stderr = saved
