"""An audible warning on the machine running raqib: a spoken message or a siren tone.

The player is the configured ``command`` (each argument may hold ``{message}``, the text to
say, and ``{wav}``, a siren tone file), else the first found of ``espeak-ng``/``espeak``
(speech), ``paplay``/``aplay`` (the tone). Where none is found, or the player fails (no
audio device, a timeout), the terminal bell rings instead. Nothing here raises to the
pipeline: a failure is counted in ``stats`` and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from raqib.outputs.base import AlertNotice, Channel, DeliveryError, Outgoing
from raqib.outputs.config import AudibleOptions

log = logging.getLogger(__name__)

TONE_RATE_HZ = 16000
WHAT: dict[str, str] = {
    "drone": "drone",
    "rocket": "rocket or mortar",
    "aircraft": "aircraft",
    "bird": "bird",
    "unknown": "unidentified air",
}


def find_player() -> tuple[str, ...]:
    """The first player found on PATH, as a command template; () when there is none."""
    for name, arguments in (
        ("espeak-ng", ("{message}",)),
        ("espeak", ("{message}",)),
        ("paplay", ("{wav}",)),
        ("aplay", ("-q", "{wav}")),
    ):
        path = shutil.which(name)
        if path:
            return (path, *arguments)
    return ()


def write_siren(path: Path, duration_s: float = 1.6) -> None:
    """A two-tone siren (alternating 960 and 770 Hz every 0.2 s) as 16-bit mono WAV."""
    t = np.arange(int(duration_s * TONE_RATE_HZ)) / TONE_RATE_HZ
    frequency = np.where((t // 0.2) % 2 == 0, 960.0, 770.0)
    phase = 2 * np.pi * np.cumsum(frequency) / TONE_RATE_HZ
    samples = (0.6 * 32767 * np.sin(phase)).astype("<i2")
    with wave.open(str(path), "wb") as stream:
        stream.setnchannels(1)
        stream.setsampwidth(2)
        stream.setframerate(TONE_RATE_HZ)
        stream.writeframes(samples.tobytes())


def ring_terminal_bell() -> bool:
    """BEL to the controlling terminal (else to standard error if it is one); False if neither."""
    with contextlib.suppress(OSError):
        descriptor = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY)
        try:
            os.write(descriptor, b"\a")
            return True
        finally:
            os.close(descriptor)
    if sys.stderr is not None and sys.stderr.isatty():
        sys.stderr.write("\a")
        sys.stderr.flush()
        return True
    return False


def notice_text(notice: AlertNotice, options: AudibleOptions) -> str:
    templates = {
        "raised": options.message_raised,
        "updated": options.message_updated,
        "acknowledged": options.message_acknowledged,
        "cleared": options.message_cleared,
    }
    template = templates.get(notice.state, "")
    fields = {
        "what": WHAT.get(notice.target_class, notice.target_class),
        "zone": notice.zone_name,
        "instruction": notice.instruction,
        "count": notice.track_count,
        "alert": notice.alert_id,
    }
    try:
        text = template.format(**fields)
    except (KeyError, IndexError, ValueError):  # a mistyped placeholder: say the template as written
        text = template
    return " ".join(text.split())


class AudiblePlayer(Channel):
    accepts = "notice"

    def __init__(
        self,
        name: str,
        options: AudibleOptions | None = None,
        *,
        ring: Callable[[], bool] = ring_terminal_bell,
    ) -> None:
        options = options or AudibleOptions()
        super().__init__(name, queue_size=options.queue_size)
        self.options = options
        self.command: tuple[str, ...] = tuple(options.command) or find_player()
        self.ring = ring
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._wav: Path | None = None
        self.played: int = 0
        self.bells: int = 0

    async def close(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder, self._wav = None, None

    def wav(self) -> Path:
        if self._wav is None:
            self._folder = tempfile.TemporaryDirectory(prefix="raqib-audible-")
            self._wav = Path(self._folder.name) / "siren.wav"
            write_siren(self._wav)
        return self._wav

    def arguments(self, text: str) -> list[str]:
        wav = str(self.wav()) if any("{wav}" in part for part in self.command) else ""
        return [part.replace("{message}", text).replace("{wav}", wav) for part in self.command]

    async def deliver(self, message: Outgoing) -> None:
        notice = message.notice
        if notice is None or notice.state not in self.options.on:
            return
        text = notice_text(notice, self.options)
        for _ in range(self.options.repeat):
            problem = await self._play(text) if self.command else "no audio player found"
            if problem is None:
                self.played += 1
                continue
            self.stats.last_error = problem
            if self.options.bell and self.ring():
                self.bells += 1
                continue
            raise DeliveryError(f"{problem}; and no terminal to ring")

    async def _play(self, text: str) -> str | None:
        """Run the player once; None when it worked, else why not."""
        try:
            process = await asyncio.create_subprocess_exec(
                *self.arguments(text),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            return f"can't run {self.command[0]}: {exc}"
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), self.options.timeout_s)
        except (TimeoutError, asyncio.CancelledError) as exc:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            if isinstance(exc, asyncio.CancelledError):
                raise
            return f"{self.command[0]} took longer than {self.options.timeout_s:g} s"
        if process.returncode != 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            return f"{self.command[0]} exited {process.returncode}" + (f": {detail[-1]}" if detail else "")
        return None
