"""Property-based tests: whatever the bytes, the decoder never raises, accounts for what it
read, and never loses the good blocks around bad ones; values survive an encode/decode."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raqib.model import Detection
from raqib.sensors.asterix import AsterixConfig, AsterixDecoder
from raqib.sensors.asterix.cat048 import EARTH_RADIUS_M
from raqib.sensors.asterix.items import FL_M, NM_M
from raqib.sensors.base import DecodeError
from tests.sensors.asterix.builders import (
    CAT021,
    CAT034,
    CAT048,
    CAT062,
    RADAR,
    AdsbReport,
    Plot,
    SystemTrack,
    block,
    cat021_record,
    cat034_record,
    cat048_record,
    cat062_record,
)

RECEIVED_S = 1_700_006_400.0 + 30_000.0
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A pool of valid blocks, one detection each (or none for the service message).
POOL = [
    block(CAT048, [cat048_record(Plot(tod_s=30_000.0 + i, theta_deg=7.0 * i, sic=i))]) for i in range(4)
] + [
    block(CAT062, [cat062_record(SystemTrack(tod_s=30_001.0, track_number=77))]),
    block(CAT021, [cat021_record(AdsbReport(tod_s=30_002.0))]),
    block(CAT034, [cat034_record(1, 29_999.0)]),
]
POOL_DETECTIONS = [1, 1, 1, 1, 1, 1, 0]


def fresh(**options: object) -> tuple[AsterixDecoder, list[DecodeError]]:
    errors: list[DecodeError] = []
    config = AsterixConfig(sensor=RADAR, duplicate_window_s=0.0, **options)  # type: ignore[arg-type]
    return AsterixDecoder(RADAR, config=config, on_error=errors.append), errors


def sane(detection: Detection) -> bool:
    if detection.is_polar:
        return (detection.range_m or 0.0) >= 0.0 and 0.0 <= (detection.azimuth_deg or 0.0) < 360.0
    return abs(detection.lat_deg or 0.0) <= 90.0 and abs(detection.lon_deg or 0.0) <= 180.0


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes_never_raise_and_every_error_is_counted(data: bytes) -> None:
    decoder, errors = fresh()
    detections = decoder.decode(data, RECEIVED_S)
    assert decoder.stats.errors == len(errors)
    assert decoder.stats.bytes == len(data)
    assert all(0 <= e.offset < max(len(data), 1) and e.feed == decoder.feed and e.reason for e in errors)
    assert all(sane(d) and math.isfinite(d.time_s) for d in detections)
    assert not any(e.reason.startswith("decoder failed") for e in errors)  # no bug behind the shield


@SETTINGS
@given(
    st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=5),
    st.binary(min_size=1, max_size=40),
    st.integers(0, 5),
)
def test_garbage_between_blocks_never_loses_the_blocks(picks: list[int], garbage: bytes, where: int) -> None:
    where = min(where, len(picks))
    blocks = [POOL[i] for i in picks]
    data = b"".join(blocks[:where]) + garbage + b"".join(blocks[where:])
    decoder, errors = fresh()
    detections = decoder.decode(data, RECEIVED_S)
    wanted = sum(POOL_DETECTIONS[i] for i in picks)
    # Garbage may (rarely) frame as a record of its own, but no good block goes missing.
    assert len(detections) >= wanted
    times = [round(d.time_s % 86_400.0, 3) for d in detections]
    for i in picks:
        if POOL_DETECTIONS[i]:
            assert any(t in times for t in (30_000.0 + i, 30_001.0, 30_002.0))
    assert not any(e.reason.startswith("decoder failed") for e in errors)


@SETTINGS
@given(st.integers(0, len(POOL) - 1), st.integers(0, 200), st.integers(0, 255))
def test_a_damaged_byte_never_raises(pick: int, position: int, value: int) -> None:
    data = bytearray(b"".join(POOL))
    data[position % len(data)] = value
    decoder, errors = fresh()
    decoder.decode(bytes(data), RECEIVED_S)
    assert decoder.stats.errors == len(errors)
    assert not any(e.reason.startswith("decoder failed") for e in errors)


CALLSIGN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)


@SETTINGS
@given(
    tod=st.floats(0.0, 86_399.0),
    rho=st.floats(0.0, 255.0),
    theta=st.floats(0.0, 359.99),
    fl=st.floats(-10.0, 1000.0),
    address=st.integers(0, 2**24 - 1),
    callsign=CALLSIGN,
)
def test_cat048_values_survive_encoding(
    tod: float, rho: float, theta: float, fl: float, address: int, callsign: str
) -> None:
    decoder, errors = fresh()
    plot = Plot(tod_s=tod, rho_nm=rho, theta_deg=theta, fl=fl, address=address, callsign=callsign)
    (detection,) = decoder.decode(block(CAT048, [cat048_record(plot)]), RECEIVED_S)
    assert errors == []
    assert abs(detection.range_m - rho * NM_M) <= NM_M / 512 + 1e-6  # type: ignore[operator]
    assert abs(((detection.azimuth_deg or 0.0) - theta + 180.0) % 360.0 - 180.0) <= 360 / 2**17 + 1e-9
    if detection.elevation_deg is not None:  # None where no elevation reaches that height
        radar_radius = EARTH_RADIUS_M + RADAR.alt_m
        el = math.radians(detection.elevation_deg)
        r = detection.range_m or 0.0
        height = math.sqrt(radar_radius**2 + r**2 + 2 * radar_radius * r * math.sin(el)) - EARTH_RADIUS_M
        assert abs(height - fl * FL_M) <= FL_M / 8 + 1e-3
    assert abs(detection.time_s % 86_400.0 - tod) <= 1 / 256 + 1e-6
    assert (detection.identity, detection.callsign) == (f"{address:06X}", callsign)


@SETTINGS
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-179.9, 179.9),
    vx=st.floats(-2000.0, 2000.0),
    vy=st.floats(-2000.0, 2000.0),
    track_number=st.integers(0, 65_535),
)
def test_cat062_values_survive_encoding(
    lat: float, lon: float, vx: float, vy: float, track_number: int
) -> None:
    decoder, errors = fresh()
    track = SystemTrack(lat_deg=lat, lon_deg=lon, vx_ms=vx, vy_ms=vy, track_number=track_number)
    (detection,) = decoder.decode(block(CAT062, [cat062_record(track)]), RECEIVED_S)
    assert errors == []
    assert abs((detection.lat_deg or 0.0) - lat) <= 180 / 2**26 + 1e-9
    assert abs((detection.lon_deg or 0.0) - lon) <= 180 / 2**26 + 1e-9
    assert abs((detection.vel_e_ms or 0.0) - vx) <= 0.125 and abs((detection.vel_n_ms or 0.0) - vy) <= 0.125
    assert detection.identity == f"trk:{track_number}"


@SETTINGS
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-179.9, 179.9),
    address=st.integers(0, 2**24 - 1),
    nacp=st.integers(0, 15),
)
def test_cat021_values_survive_encoding(lat: float, lon: float, address: int, nacp: int) -> None:
    decoder, errors = fresh()
    report = AdsbReport(lat_deg=lat, lon_deg=lon, address=address, nacp=nacp)
    (detection,) = decoder.decode(block(CAT021, [cat021_record(report)]), RECEIVED_S)
    assert errors == []
    assert abs((detection.lat_deg or 0.0) - lat) <= 180 / 2**31 + 1e-9
    assert abs((detection.lon_deg or 0.0) - lon) <= 180 / 2**31 + 1e-9
    assert detection.identity == f"{address:06X}"
    assert (detection.sigma_h_m is None) == (nacp == 0 or nacp > 11)
