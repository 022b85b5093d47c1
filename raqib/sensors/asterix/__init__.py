"""EUROCONTROL ASTERIX radar and surveillance feeds (CAT021, 034, 048, 062), decoded with
libasterix, as Detections and radar service state. ``AsterixDecoder`` is registered as the
"asterix" decoder; ``decode_file`` reads raw block files and pcap captures."""

from raqib.sensors.asterix.cat034 import RadarService, RadarStatus
from raqib.sensors.asterix.clock import tod_to_unix
from raqib.sensors.asterix.config import (
    SUPPORTED_CATEGORIES,
    AsterixConfig,
    available_editions,
    latest_edition,
)
from raqib.sensors.asterix.decoder import AsterixCounts, AsterixDecoder, InvalidRecordError
from raqib.sensors.asterix.files import decode_file, iter_chunks

__all__ = [
    "SUPPORTED_CATEGORIES",
    "AsterixConfig",
    "AsterixCounts",
    "AsterixDecoder",
    "InvalidRecordError",
    "RadarService",
    "RadarStatus",
    "available_editions",
    "decode_file",
    "iter_chunks",
    "latest_edition",
    "tod_to_unix",
]
