"""How raqib, as the SAPIENT DMM (decision making module), treats the nodes that connect."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from raqib.model import Sensor
from raqib.sensors.sapient.framing import DEFAULT_MAX_FRAME_BYTES


@dataclass(frozen=True, slots=True, kw_only=True)
class SapientConfig:
    """Settings of the SAPIENT adapter; every field has a safe default.

    ``node_sensors`` maps a node's UUID to a configured Sensor: its ``sensor_id`` names the
    node's detections (otherwise "sapient:<node_id>") and its position places range-bearing
    reports until the node reports its own ``node_location``.

    ``magnetic_declination_deg`` (east positive) turns bearings from magnetic north into true
    bearings; without it such reports are unsupported. ``geoid_undulation_m`` (the geoid's
    height above the WGS84 ellipsoid at the site) turns WGS84_G (geoid) heights into
    ellipsoidal ones; without it they are used as they are and flagged.

    ``harness_lat_lon_in_utm``: Dstl's BSI Flex 335 v2 Test Harness sends latitude in ``x`` and
    longitude in ``y`` while declaring UTM. When set, a UTM location that is out of UTM range
    but within latitude/longitude range is read that way. Leave it off for real sensors.
    """

    dmm_node_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    node_sensors: Mapping[str, Sensor] = field(default_factory=dict)
    magnetic_declination_deg: float | None = None
    geoid_undulation_m: float | None = None
    harness_lat_lon_in_utm: bool = False
    reply_errors: bool = True  # answer a rejected message with a SAPIENT Error message

    def __post_init__(self) -> None:
        if not 0 < self.max_frame_bytes < 1 << 32:
            raise ValueError(f"max_frame_bytes must be in 1..{(1 << 32) - 1}, not {self.max_frame_bytes}")
        try:
            uuid.UUID(self.dmm_node_id)
        except ValueError:
            raise ValueError(f"dmm_node_id must be a UUID, not {self.dmm_node_id!r}") from None
