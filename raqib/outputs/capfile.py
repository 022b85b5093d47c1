"""CAP messages as files: ``<folder>/<identifier>.xml``, one per message, written whole (a
temporary file renamed into place), so that a program watching the folder never reads half
a message."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from raqib.outputs.base import Channel, DeliveryError, Outgoing


class CapFileWriter(Channel):
    accepts = "cap"

    def __init__(self, name: str, folder: str | Path, *, queue_size: int = 1000) -> None:
        super().__init__(name, queue_size=queue_size)
        self.folder = Path(folder)

    def path_of(self, message: Outgoing) -> Path:
        safe = "".join(c if c.isalnum() or c in "._-@" else "_" for c in message.key) or "cap"
        return self.folder / f"{safe}.xml"

    async def deliver(self, message: Outgoing) -> None:
        try:
            await asyncio.to_thread(self._write, message)
        except OSError as exc:
            raise DeliveryError(f"can't write {self.path_of(message)}: {exc}") from exc

    def _write(self, message: Outgoing) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_of(message)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(message.body)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
