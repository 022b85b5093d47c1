"""ADS-B quality indicators as one-sigma errors (DO-260B / ICAO Doc 9871 tables).

Categories bound an error at 95 % (NACp, NACv, NUCp, GVA). raqib wants one standard
deviation per axis:
  * horizontal bounds are radii of a circle holding 95 % of a circular Gaussian:
    1 - exp(-R²/2σ²) = 0.95, so σ = R / 2.4477 (NACp 8: 92.6 m -> σ = 37.8 m);
  * vertical bounds are one-dimensional: σ = R / 1.96.
NIC gives a containment radius Rc with an integrity risk of 1e-7 per hour, not an accuracy:
it is kept for display and used (as a generous bound) only when neither NACp nor NUCp is known.
"""

from __future__ import annotations

import math

NM_M = 1852.0
FT_M = 0.3048
KT_MS = NM_M / 3600.0
FPM_MS = FT_M / 60.0
CIRCLE_95 = math.sqrt(-2.0 * math.log(0.05))  # 2.4477
LINE_95 = 1.959964

# Estimated position uncertainty, 95 % (DO-260B table 2-70).
NACP_EPU_M = {
    11: 3.0,
    10: 10.0,
    9: 30.0,
    8: 0.05 * NM_M,
    7: 0.1 * NM_M,
    6: 0.3 * NM_M,
    5: 0.5 * NM_M,
    4: 1.0 * NM_M,
    3: 2.0 * NM_M,
    2: 4.0 * NM_M,
    1: 10.0 * NM_M,
}

# ADS-B version 0: navigation uncertainty category, 95 % horizontal error R_CU (DO-260).
NUCP_RCU_M = {
    9: 3.0,
    8: 10.0,
    7: 0.05 * NM_M,
    6: 0.1 * NM_M,
    5: 0.25 * NM_M,
    4: 0.5 * NM_M,
    3: 1.0 * NM_M,
    2: 5.0 * NM_M,
    1: 10.0 * NM_M,
}

# Horizontal velocity error, 95 % (NACv).
NACV_95_MS = {1: 10.0, 2: 3.0, 3: 1.0, 4: 0.3}

# Geometric vertical accuracy, 95 % (version 2).
GVA_95_M = {1: 150.0, 2: 45.0}

# Barometric altitude is pressure altitude in the standard atmosphere (1013.25 hPa), not height
# above the ellipsoid: the two differ by the geoid undulation (up to ±100 m) plus the day's
# departure from the standard atmosphere (a few per cent of the altitude, hundreds of metres
# at cruise). Treat it as a coarse measurement of the ellipsoidal height.
BAROMETRIC_SIGMA_V_M = 150.0
# GNSS height without a GVA: assume GVA 2 (45 m at 95 %), what current transponders report.
GEOMETRIC_SIGMA_V_M = GVA_95_M[2] / LINE_95


def sigma_h_from_nacp(nac_p: int | None) -> float | None:
    bound = NACP_EPU_M.get(nac_p) if nac_p is not None else None
    return None if bound is None else bound / CIRCLE_95


def sigma_h_from_nucp(nuc_p: int | None) -> float | None:
    bound = NUCP_RCU_M.get(nuc_p) if nuc_p is not None else None
    return None if bound is None else bound / CIRCLE_95


def sigma_vel_from_nacv(nac_v: int | None) -> float | None:
    bound = NACV_95_MS.get(nac_v) if nac_v is not None else None
    return None if bound is None else bound / CIRCLE_95


def sigma_v_geometric(gva: int | None) -> float:
    bound = GVA_95_M.get(gva) if gva is not None else None
    return GEOMETRIC_SIGMA_V_M if bound is None else bound / LINE_95


def containment_radius_m(type_code: int, nic_a: int | None = None, nic_b: int | None = None) -> float | None:
    """NIC containment radius Rc from a position's type code and the NIC supplements
    (DO-260B tables 2-14 and 2-15); the larger radius where the supplements are unknown."""
    a, b = nic_a or 0, nic_b or 0
    if type_code in (9, 20, 5):
        return 7.5
    if type_code in (10, 21, 6):
        return 25.0
    if type_code in (11, 7):
        return 75.0 if (a, b) == (1, 1) else 0.1 * NM_M
    if type_code == 12:
        return 0.2 * NM_M
    if type_code == 13:
        return {(0, 1): 0.3, (0, 0): 0.5, (1, 1): 0.6}.get((a, b), 0.6) * NM_M
    if type_code == 14:
        return 1.0 * NM_M
    if type_code == 15:
        return 2.0 * NM_M
    if type_code == 16:
        return (4.0 if (a, b) == (1, 1) else 8.0) * NM_M
    if type_code == 17:
        return 20.0 * NM_M
    return None  # 0, 8, 18, 22: unknown


def horizontal_sigma_m(
    nac_p: int | None, nuc_p: int | None, type_code: int, nic_a: int | None, nic_b: int | None
) -> float | None:
    """One-sigma horizontal error: from NACp, else NUCp (version 0), else the NIC radius."""
    sigma = sigma_h_from_nacp(nac_p)
    if sigma is None:
        sigma = sigma_h_from_nucp(nuc_p)
    if sigma is None:
        radius = containment_radius_m(type_code, nic_a, nic_b)
        sigma = None if radius is None else radius / CIRCLE_95
    return sigma
