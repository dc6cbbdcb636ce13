"""Entities in a technician's message: assets, asset classes, sensors, alarm and failure codes, part numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from copilot.schemas import SiteSpec

CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "centrifugal_pump": ("pump", "pumps", "impeller", "mechanical seal"),
    "air_compressor": ("compressor", "compressors", "comp", "screw", "instrument air", "plant air"),
    "chiller": ("chiller", "chillers", "condenser", "evaporator", "refrigerant", "chilled water"),
}
_ALARM = re.compile(r"(?<![A-Z0-9-])[A-Z]{1,2}-\d{3}(?![A-Z0-9-])")
_PART = re.compile(r"\b(?=[A-Z0-9/-]*\d)[A-Z0-9]{2,}(?:[-/][A-Z0-9]+)+\b")


@dataclass(frozen=True)
class Entities:
    asset_ids: list[str] = field(default_factory=list)
    asset_class: str | None = None
    failure_codes: list[str] = field(default_factory=list)
    alarm_codes: list[str] = field(default_factory=list)
    part_numbers: list[str] = field(default_factory=list)
    sensors: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.asset_ids
            or self.asset_class
            or self.failure_codes
            or self.alarm_codes
            or self.part_numbers
            or self.sensors
        )


def extract(text: str, site: SiteSpec) -> Entities:
    """Find the site's assets (by id or name), classes, sensors and codes mentioned in a message."""
    lower = text.lower()
    upper = text.upper()
    asset_ids = [
        a.id for a in site.assets if re.search(rf"\b{re.escape(a.id)}\b", upper) or a.name.lower() in lower
    ]
    asset_class = site.asset(asset_ids[0]).asset_class if asset_ids else None
    if asset_class is None:
        for class_id, words in CLASS_WORDS.items():
            if any(re.search(rf"\b{re.escape(w)}\b", lower) for w in words):
                asset_class = class_id
                break
    codes = {m.code for c in site.asset_classes for m in c.failure_modes}
    failure_codes = [c for c in sorted(codes) if c in upper]
    alarm_codes = [c for c in _ALARM.findall(upper) if c not in asset_ids]
    parts = [
        p
        for p in _PART.findall(upper)
        if p not in asset_ids and p not in alarm_codes and p not in failure_codes
    ]
    sensors = []
    for spec in site.asset_classes:
        if asset_class and spec.id != asset_class:
            continue
        for sensor in spec.sensors:
            spoken = sensor.id.replace("_", " ")
            if spoken in lower or sensor.id in lower:
                sensors.append(sensor.id)
    return Entities(asset_ids, asset_class, failure_codes, alarm_codes, parts, sorted(set(sensors)))


def without_assets(message: str, site: SiteSpec) -> str:
    """The message without asset ids and names: the asset is a filter, not words to match."""
    text = message
    for asset in site.assets:
        text = re.sub(rf"\b{re.escape(asset.id)}\b", " ", text, flags=re.IGNORECASE)
        text = re.sub(re.escape(asset.name), " ", text, flags=re.IGNORECASE)
    return " ".join(text.split()) or message
