"""ADS-B and Mode S feeds: Mode-S Beast binary ("beast"), SBS-1 BaseStation text ("sbs") and raw
hex frames ("raw"), decoded with rs1090 into per-aircraft state and position Detections.

    bytes ─► framing (beast.py, lines.py + sbs.py / raw.py) ─► Mode S frames ─► rs1090 (modes.py)
          ─► AircraftReport (messages.py) ─► AircraftTable (state.py) ─► Detection
"""

from raqib.sensors.adsb.beast import BeastDecoder, BeastFrame, BeastUnframer
from raqib.sensors.adsb.clock import MlatClock
from raqib.sensors.adsb.modes import ChecksumError
from raqib.sensors.adsb.raw import RawDecoder, parse_raw_line
from raqib.sensors.adsb.sbs import SbsDecoder, parse_sbs_line
from raqib.sensors.adsb.state import AdsbConfig, AircraftState, AircraftTable

__all__ = [
    "AdsbConfig",
    "AircraftState",
    "AircraftTable",
    "BeastDecoder",
    "BeastFrame",
    "BeastUnframer",
    "ChecksumError",
    "MlatClock",
    "RawDecoder",
    "SbsDecoder",
    "parse_raw_line",
    "parse_sbs_line",
]
