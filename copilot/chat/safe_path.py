"""Where a refused safety request can still go: the equipment manual's safety notes and nearest section.

A request to defeat a safety system is refused, but the person asking usually has a real job to do (a trip
that keeps firing, a test, a lock to release). So the refusal names what the manual of the equipment they
named says about its protections, quoted, and the section nearest their question, cited, and sends them
to the operator in charge. The guards' classifier also refuses some legitimate questions; for those, this is
the way on. Nothing here is generated: every line is the manual's, and passages pass the passage guards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from copilot.chat.entities import extract, without_assets
from copilot.guards import InputVerdict
from copilot.schemas import Passage
from copilot.services import Services

_LOCKOUT = re.compile(r"\b(lock(ing)?[ -]?out|loto|lock|isolat\w*|tag[ -]?out)\b", re.IGNORECASE)
SAFETY_VALIDATORS = frozenset({"safety_bypass", "rated_limit", "safety_intent"})
SAFETY_NOTES = "Safety notes"
NOTE_LINES = 6


@dataclass(frozen=True)
class SafePath:
    """What a safety refusal adds: text to append and the passages it quotes or cites."""

    text: str = ""
    passages: list[Passage] = field(default_factory=list)


def is_safety_refusal(verdict: InputVerdict) -> bool:
    """Whether the message was stopped for safety alone (not also as an injection, personal data or off topic)."""
    validators = {trip.validator for trip in verdict.trips if trip.where == "input"}
    return bool(validators & SAFETY_VALIDATORS) and validators <= SAFETY_VALIDATORS | {"llm_screen"}


def safe_path(services: Services, message: str) -> SafePath:
    """The named equipment's safety notes and the manual section nearest the message; empty when the message
    names no equipment the site knows."""
    entities = extract(message, services.site)
    if entities.asset_class is None:
        return SafePath()
    notes = services.retriever.section(asset_class=entities.asset_class, contains=SAFETY_NOTES)
    nearest = _nearest(services, message, entities.asset_class)
    lines, passages = [], []
    if notes:
        passages.append(notes[0])
        quoted = [line.strip() for line in notes[0].text.splitlines() if line.strip().startswith("-")]
        lines.append(f"What {notes[0].citation.label()} says:")
        lines.extend(quoted[:NOTE_LINES])
    if nearest is not None:
        passages.append(nearest)
        lines.append(f"The section nearest your question is {nearest.citation.label()}.")
    if not lines:
        return SafePath()
    who = entities.asset_ids[0] if entities.asset_ids else "this equipment"
    lines.append(
        f"If you need to test, reset or work on a protection of {who}, the operator in charge arranges it "
        "under a permit."
    )
    return SafePath("\n".join(lines), passages)


def _nearest(services: Services, message: str, asset_class: str) -> Passage | None:
    """The lockout steps for a message about locks or isolation, else the best-matching other section."""
    if _LOCKOUT.search(message):
        lockout = services.retriever.section(asset_class=asset_class, contains="Lockout steps")
        if lockout:
            return lockout[0]
    topic = without_assets(message, services.site)
    hits = services.retriever.search(topic, k=3, doc_type="manual", asset_class=asset_class)
    return next((h for h in hits if SAFETY_NOTES not in h.citation.section), None)
