"""What the guards know about the site: assets, failure and alarm codes, part numbers, people."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from copilot.schemas import Role, SiteSpec

_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|")
_ALARM = re.compile(r"^[A-Z]{1,2}-\d{3}$")


@dataclass(frozen=True)
class SiteVocabulary:
    asset_ids: frozenset[str]
    failure_codes: frozenset[str]
    alarm_codes: frozenset[str]
    part_numbers: frozenset[str]
    people: tuple[str, ...]
    """Names and user ids of the site's people (technicians, operators): their data is personal."""

    @property
    def codes(self) -> frozenset[str]:
        return self.failure_codes | self.alarm_codes


def manual_tables(manuals: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(alarm codes, part numbers) from the first column of the manuals' tables."""
    alarms: set[str] = set()
    parts: set[str] = set()
    for path in sorted(manuals.glob("*.md")):
        header = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _ROW.match(line)
            if not match:
                header = ""
                continue
            cell = match.group(1)
            if not header:
                header = cell.lower()
                continue
            if set(cell) <= {"-", " ", ":"}:
                continue
            if _ALARM.match(cell) and header == "code":
                alarms.add(cell)
            elif header == "part number" and re.search(r"\d", cell):
                parts.add(cell)
    return frozenset(alarms), frozenset(parts)


def site_vocabulary(site: SiteSpec, site_dir: Path | None = None) -> SiteVocabulary:
    """The vocabulary of a site; alarm codes and part numbers come from its manuals, when given."""
    alarms, parts = manual_tables(site_dir / "manuals") if site_dir else (frozenset(), frozenset())
    people = [t.name for t in site.technicians]
    people += [u.name for u in site.users if u.role != Role.admin]
    people += [u.id for u in site.users if u.role != Role.admin]
    return SiteVocabulary(
        asset_ids=frozenset(a.id for a in site.assets),
        failure_codes=frozenset(m.code for c in site.asset_classes for m in c.failure_modes),
        alarm_codes=alarms,
        part_numbers=parts,
        people=tuple(sorted(set(people))),
    )
