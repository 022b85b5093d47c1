"""Classification from kinematics, radar cross-section, the ballistic model and identity."""

from __future__ import annotations

import msgspec

from raqib.model import Track
from raqib.threat.classify import Classifier


def track(
    track_id: int = 1,
    time_s: float = 0.0,
    speed_ms: float = 30.0,
    climb_ms: float = 0.0,
    rcs_dbsm: float | None = -15.0,
    ballistic_p: float = 0.15,
    identity_kind: str | None = None,
    up_m: float = 150.0,
) -> Track:
    return Track(
        time_s=time_s,
        track_id=track_id,
        lat_deg=0.0,
        lon_deg=0.0,
        alt_m=up_m,
        east_m=0.0,
        north_m=0.0,
        up_m=up_m,
        vel_e_ms=speed_ms,
        vel_n_ms=0.0,
        vel_u_ms=climb_ms,
        cov_enu=tuple(float(i == j) * 4.0 for i in range(6) for j in range(6)),
        rcs_dbsm=rcs_dbsm,
        ballistic_p=ballistic_p,
        identity_kind=identity_kind,
        identity="4CA1FA" if identity_kind else None,
    )


def classes(*tracks: Track) -> list[str]:
    return [t.target_class for t in Classifier().classify(list(tracks))]


def test_each_kind_of_target_is_told_apart() -> None:
    assert classes(
        track(1, speed_ms=35.0, rcs_dbsm=-14.0),  # a small fixed-wing drone
        track(2, speed_ms=10.0, rcs_dbsm=-29.0, up_m=40.0),  # a bird
        track(3, speed_ms=75.0, rcs_dbsm=None, identity_kind="adsb"),  # an airliner on approach
        track(4, speed_ms=180.0, climb_ms=180.0, rcs_dbsm=-12.0, ballistic_p=0.9),  # a mortar bomb
    ) == ["drone", "bird", "aircraft", "rocket"]


def test_a_remote_id_identity_makes_a_slow_target_a_drone_and_a_spoofed_one_does_not() -> None:
    slow = track(1, speed_ms=9.0, rcs_dbsm=-25.0, identity_kind="remoteid")
    assert classes(slow) == ["drone"]
    from msgspec.structs import replace

    assert classes(replace(slow, spoofing_suspected=True)) == ["bird"]


def test_the_declared_class_does_not_flicker_on_one_contrary_look() -> None:
    classifier = Classifier()
    for k in range(10):
        (drone,) = classifier.classify([track(1, time_s=float(k))], float(k))
    assert drone.target_class == "drone"
    (still,) = classifier.classify([track(1, time_s=10.0, speed_ms=10.0, rcs_dbsm=-29.0)], 10.0)
    assert still.target_class == "drone"
    for k in range(11, 30):  # the evidence persists: the class follows it
        (now,) = classifier.classify([track(1, time_s=float(k), speed_ms=10.0, rcs_dbsm=-29.0)], float(k))
    assert now.target_class == "bird"
    assert now.ballistic is False


def test_probabilities_are_a_distribution_and_rounds_are_marked_ballistic() -> None:
    (round_,) = Classifier().classify(
        [track(1, speed_ms=250.0, climb_ms=-100.0, rcs_dbsm=-12.0, ballistic_p=0.95)]
    )
    assert abs(sum(round_.class_probs.values()) - 1.0) < 1e-3
    assert round_.target_class == "rocket" and round_.ballistic


def test_a_young_round_is_called_a_round_as_soon_as_its_evidence_is_clear() -> None:
    """A new track's first guess (one plot's worth of evidence) must not hold the class back for
    seconds of smoothing: on its third plot, half a second apart, it is a round."""
    classifier = Classifier()
    for time_s, ballistic_p in [(0.0, 0.05), (0.5, 0.6), (1.0, 0.9)]:
        young = track(7, time_s=time_s, speed_ms=230.0, climb_ms=40.0, rcs_dbsm=None, ballistic_p=ballistic_p)
        (called,) = classifier.classify([young], time_s)
    assert called.target_class == "rocket"
    assert called.class_probs["rocket"] > 0.9


def test_a_rounds_speed_is_judged_on_the_ballistic_models_own_velocity() -> None:
    """The air-breathing models hold a steep climb back while the elevation noise hides it; the
    ballistic model's estimate is the one that says how fast a round flies."""
    mixture_only = track(1, speed_ms=120.0, climb_ms=10.0, rcs_dbsm=None, ballistic_p=0.3)
    with_state = msgspec.structs.replace(mixture_only, ballistic_state=(0.0, 0.0, 0.0, 120.0, 0.0, 190.0))
    plain, informed = Classifier().likelihoods([mixture_only, with_state])
    assert informed[3] > 2 * plain[3]  # index 3: rocket


def test_a_young_tracks_uncertain_speed_does_not_make_a_bird_a_drone() -> None:
    """Three plots of a 12 m/s bird gave a 31 m/s track (Baghdad seed 17) with a velocity
    uncertain by about 15 m/s: that speed is no evidence of a drone, and the bird's radar
    cross-section decides. Once the speed is known to 2 m/s, 31 m/s is a drone's."""
    from msgspec.structs import replace

    fast_bird = track(1, speed_ms=31.0, rcs_dbsm=-28.0, up_m=40.0)
    uncertain = tuple(
        (225.0 if i == j and i in (3, 4) else 4.0 * float(i == j)) for i in range(6) for j in range(6)
    )
    young = Classifier().classify([replace(fast_bird, cov_enu=uncertain)])[0]
    assert young.target_class == "bird"
    assert young.class_probs["drone"] < 0.3
    settled = Classifier().classify([fast_bird])[0]
    assert settled.class_probs["drone"] > young.class_probs["drone"] + 0.3
