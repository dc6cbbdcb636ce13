"""Query understanding shared by both indexes: abbreviation expansion and code detection."""

from __future__ import annotations

import re

# Shorthand technicians write in logs and chats, expanded before searching (lower case).
ABBREVIATIONS: dict[str, str] = {
    "brg": "bearing",
    "brgs": "bearings",
    "temp": "temperature",
    "temps": "temperatures",
    "vib": "vibration",
    "vibs": "vibration",
    "vibes": "vibration",
    "press": "pressure",
    "comp": "compressor",
    "cond": "condenser",
    "evap": "evaporator",
    "chw": "chilled water",
    "cw": "condenser water",
    "hx": "heat exchanger",
    "diff": "differential",
    "dp": "differential pressure",
    "hi": "high",
    "lo": "low",
    "amps": "current",
    "mtr": "motor",
    "pmp": "pump",
    "vlv": "valve",
    "disch": "discharge",
    "suct": "suction",
    "lkg": "leakage",
    "r&r": "remove and replace",
    "rr": "remove and replace",
    "repl": "replace",
    "insp": "inspect",
    "pm": "preventive maintenance",
    "wo": "work order",
    "loto": "lockout tagout",
    "ppe": "personal protective",
    "vfd": "variable frequency drive",
    "vsd": "variable speed drive",
    "mcc": "motor control centre",
    "npsh": "net positive suction head",
    "rpm": "speed",
    "ops": "operations",
    "approx": "approximately",
    "sec": "seconds",
    "min": "minutes",
    "hrs": "hours",
    "hr": "hour",
    "wk": "week",
    "mech": "mechanical",
    "elec": "electrical",
    "instr": "instrument",
    "ref": "refrigerant",
    "refrig": "refrigerant",
    "oil-p": "oil pressure",
}
_WORD = re.compile(r"[A-Za-z&][A-Za-z&-]*")
# A code is a token that mixes letters and digits, or joins upper-case groups with hyphens
# (A-231, KIT-WR-235, 6310-2Z/C3, PMP-SEAL, V-2).
_CODE = re.compile(r"\b(?=[A-Za-z0-9/-]*\d)[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)+\b|\b[A-Z]{2,}(?:-[A-Z0-9]+)+\b")


def expand(query: str) -> str:
    """Append the long form of any known abbreviation (the original words stay)."""
    extra = [ABBREVIATIONS[w.lower()] for w in _WORD.findall(query) if w.lower() in ABBREVIATIONS]
    return f"{query} ({' '.join(extra)})" if extra else query


def codes(query: str) -> list[str]:
    """Code-like tokens in a query: part numbers, alarm and failure codes, isolation tags."""
    return _CODE.findall(query)
