"""The offline chat: route a question to the same tools the LLM would use, and answer extractively.

Every answer is built from what a tool returned (manual passages, incidents, the registry, work orders,
the schedule) and cites it; nothing is generated. A requested write becomes a proposal that waits for an
operator; a request to defeat a safety system is refused.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlmodel import Session, col, select

from copilot.chat.entities import Entities, extract, without_assets
from copilot.chat.extract import best_units, table_header, table_row_text
from copilot.chat.intents import Intent, classify, requested_action
from copilot.chat.schemas import ProposedActionView, proposal_views
from copilot.errors import CopilotError
from copilot.graph.state import RequestPayload
from copilot.investigations import propose_request
from copilot.models import Alert, Investigation, utcnow
from copilot.repo import OPEN_STATUSES
from copilot.schemas import Passage
from copilot.services import Services
from knowledge.similar import similar_incidents
from tools.scheduling import BookingProposal

log = logging.getLogger(__name__)

SKILL_WORDS = {
    "electric": "electrical",
    "instrument": "instrumentation",
    "hvac": "hvac_refrigeration",
    "refrigeration": "hvac_refrigeration",
    "vibration": "vibration_analysis",
    "mechanic": "mechanical",
    "fitter": "mechanical",
}


@dataclass(frozen=True)
class ChatContext:
    """What the conversation is about, remembered between turns of a thread."""

    asset_id: str | None = None
    asset_class: str | None = None
    failure_code: str | None = None


@dataclass
class Turn:
    """One answered turn, before it becomes a ChatAnswer."""

    answer: str
    intent: Intent
    passages: list[Passage] = field(default_factory=list)
    proposals: list[ProposedActionView] = field(default_factory=list)
    refused: bool = False
    reason: str | None = None
    context: ChatContext = field(default_factory=ChatContext)


class OfflineChat:
    """Answers from the tools, without a language model."""

    def __init__(self, services: Services) -> None:
        self.svc = services

    def answer(self, message: str, *, user_id: str, context: ChatContext, route_only: bool = False) -> Turn:
        """Answer a message; with route_only, only update the thread's context (another path answered)."""
        entities = extract(message, self.svc.site)
        context = self._remember(entities, context)
        if route_only:
            return Turn("", "general", context=context)
        entities = self._fill(entities, context)
        intent = classify(message, entities)
        if intent == "general" and entities.part_numbers:
            turn = self._part(message, entities, user_id)
            turn.context = context
            return turn
        handler = {
            "action_request": self._action,
            "alarm_code": self._alarm,
            "history": self._history,
            "availability": self._availability,
            "asset_status": self._status,
            "troubleshoot": self._troubleshoot,
            "procedure": self._procedure,
            "general": self._general,
        }[intent]
        turn = handler(message, entities, user_id)
        turn.intent, turn.context = intent, context
        return turn

    # --- memory ---------------------------------------------------------------------------------------------

    def _remember(self, entities: Entities, context: ChatContext) -> ChatContext:
        if entities.asset_ids:
            asset = self.svc.site.asset(entities.asset_ids[0])
            context = ChatContext(asset.id, asset.asset_class, context.failure_code)
        elif entities.asset_class and entities.asset_class != context.asset_class:
            context = ChatContext(None, entities.asset_class, None)
        if entities.failure_codes:
            context = replace(context, failure_code=entities.failure_codes[0])
        return context

    def _fill(self, entities: Entities, context: ChatContext) -> Entities:
        """Resolve 'it', 'that pump' ...: a message without an asset refers to the thread's asset.

        A code (alarm code, part number) names something site-wide, so it does not inherit the thread's asset.
        """
        if (entities.alarm_codes or entities.part_numbers) and not (
            entities.asset_ids or entities.asset_class
        ):
            return entities
        if (
            not entities.asset_ids
            and context.asset_id
            and entities.asset_class in (None, context.asset_class)
        ):
            entities = replace(entities, asset_ids=[context.asset_id], asset_class=context.asset_class)
        if not entities.asset_class and context.asset_class:
            entities = replace(entities, asset_class=context.asset_class)
        if not entities.failure_codes and context.failure_code:
            entities = replace(entities, failure_codes=[context.failure_code])
        return entities

    # --- handlers -------------------------------------------------------------------------------------------

    def _procedure(self, message: str, entities: Entities, _user: str) -> Turn:
        hits = self.svc.retriever.search(
            without_assets(message, self.svc.site), k=5, doc_type="manual", asset_class=entities.asset_class
        )
        if not hits:
            return Turn(
                "I found no manual section for that. Name the equipment (e.g. P-201 or 'the chiller').",
                "procedure",
            )
        procedures = [p for p in hits[:3] if _is_procedure(p.text)]
        top = procedures[0] if procedures else hits[0]
        if re.search(
            r"\b(lockout|lock-out|loto|isolation) (steps|procedure)|\block(ing)? out\b", message.lower()
        ):
            lockout = self.svc.retriever.section(
                asset_class=entities.asset_class or "", contains="Lockout steps"
            )
            top = lockout[0] if lockout else top
        if _is_procedure(top.text):
            lines = [line.strip() for line in top.text.splitlines() if line.strip()[:1].isdigit()]
        else:
            lines = best_units(top.text, message, n=8)
        answer = f"From {top.citation.label()}:\n" + "\n".join(lines[:14])
        passages = [top]
        if entities.asset_class and ("LOTO" in top.text or "isolat" in (top.text + message).lower()):
            lockout = self.svc.retriever.section(asset_class=entities.asset_class, contains="Lockout steps")
            if lockout and lockout[0].citation.section != top.citation.section:
                answer += f"\nIsolate first: follow the lockout steps in {lockout[0].citation.label()}."
                passages.append(lockout[0])
        return Turn(answer, "procedure", passages=passages)

    def _alarm(self, message: str, entities: Entities, _user: str) -> Turn:
        parts, used = [], []
        for code in entities.alarm_codes[:3]:
            rows = self._rows_with(code, entities.asset_class) or self._rows_with(code, None)
            if not rows:
                parts.append(f"{code}: not found in the manuals.")
                continue
            for passage, row in rows[:2]:
                parts.append(f"{table_row_text(table_header(passage.text), row)} {passage.citation.label()}")
                used.append(passage)
        return Turn("\n".join(parts), "alarm_code", passages=used)

    def _troubleshoot(self, message: str, entities: Entities, _user: str) -> Turn:
        cls = entities.asset_class
        labels = {
            m.code: m.repair or m.name.lower()
            for spec in self.svc.site.asset_classes
            for m in spec.failure_modes
        }
        incidents = similar_incidents(
            self.svc.retriever, without_assets(message, self.svc.site), asset_class=cls, labels=labels, k=8
        )
        rows = self.svc.retriever.search(
            without_assets(message, self.svc.site), k=4, doc_type="manual", asset_class=cls
        )
        table = next((p for p in rows if "Troubleshooting" in p.citation.section), rows[0] if rows else None)
        lines = []
        if table is not None:
            header = table_header(table.text)
            causes = [
                table_row_text(header, r) for r in best_units(table.text, message, n=3) if r.startswith("|")
            ]
            if causes:
                lines.append(f"Likely causes {table.citation.label()}:")
                lines += [f"- {c}" for c in causes]
        if incidents.incidents:
            lines.append(f"Past incidents: {incidents.summary()}.")
            top = incidents.incidents[0]
            lines.append(f"Closest: {top.citation.doc_id}: {best_units(top.text, message, n=2)[0]}")
        open_note = self._open_investigation(entities)
        if open_note:
            lines.append(open_note)
        passages = ([table] if table else []) + incidents.incidents[:4]
        return Turn("\n".join(lines) or "I found nothing on that symptom.", "troubleshoot", passages=passages)

    def _status(self, message: str, entities: Entities, _user: str) -> Turn:
        asset = self.svc.registry.get(entities.asset_ids[0])
        lines = [
            f"{asset.id} {asset.name}: {asset.asset_class.replace('_', ' ')}, {asset.location}, "
            f"criticality {asset.criticality}."
        ]
        with Session(self.svc.engine) as session:
            alerts = session.exec(
                select(Alert).where(Alert.asset_id == asset.id).order_by(col(Alert.id).desc()).limit(3)
            ).all()
        for alert in alerts:
            lines.append(f"Alert {alert.ts:%Y-%m-%d %H:%M} ({alert.severity}): {alert.summary}")
        lines.append(self._open_investigation(entities) or "No open investigation.")
        if asset.id in {a.id for a in self.svc.site.assets}:
            lines += self._sensor_lines(asset.id)
        return Turn("\n".join(lines), "asset_status")

    def _sensor_lines(self, asset_id: str) -> list[str]:
        """The last 15 minutes of each sensor against its normal operating point."""
        span = self.svc.telemetry.span(asset_id)
        if span is None:
            return ["No sensor readings recorded."]
        end = span[1]
        stats = self.svc.telemetry.statistics(
            asset_id, start=end - timedelta(minutes=15), end=end, spec=self.svc.site.class_of(asset_id)
        )
        lines = [f"Sensors over the 15 minutes to {end:%Y-%m-%d %H:%M} UTC:"]
        ranked = sorted(stats.sensors, key=lambda s: -abs(s.deviation_sd or 0.0))
        for item in ranked:
            if item.mean is None or item.last is None:
                continue
            deviation = (
                f", {item.deviation_sd:+.1f} SD from normal {item.normal_mean:.3g}"
                if item.deviation_sd is not None
                else ""
            )
            lines.append(
                f"- {item.sensor}: last {item.last:.3g} {item.unit}, mean {item.mean:.3g}{deviation}"
            )
        return lines

    def _history(self, message: str, entities: Entities, _user: str) -> Turn:
        if not entities.asset_ids:
            return Turn("Which asset? Give its id, e.g. CH-402.", "history")
        asset_id = entities.asset_ids[0]
        orders = self.svc.cmms.list(asset_id=asset_id)[-5:]
        lines = [f"Work orders on {asset_id} (newest first):"]
        lines += [
            f"- {o.number} {o.created_at:%Y-%m-%d} [{o.status.value}] {o.title}" for o in reversed(orders)
        ]
        incidents = self.svc.retriever.search(
            f"{asset_id}", k=5, mode="lexical", doc_type="incident", asset_id=asset_id
        )
        if incidents:
            lines.append("Past incidents:")
            lines += [
                f"- {p.citation.doc_id} {p.metadata.get('date', '')}: {p.metadata.get('failure_code', '')} "
                f"{best_units(p.text, message, n=1)[0]}"
                for p in incidents
            ]
        if len(lines) == 1:
            lines.append("none recorded.")
        return Turn("\n".join(lines), "history", passages=incidents)

    def _availability(self, message: str, entities: Entities, _user: str) -> Turn:
        lower = message.lower()
        craft = next((skill for word, skill in SKILL_WORDS.items() if word in lower), None)
        if craft is None and entities.asset_class:
            crafts = [m.craft for m in self.svc.site.asset_class(entities.asset_class).failure_modes]
            craft = max(set(crafts), key=crafts.count)
        craft = craft or "mechanical"
        try:
            proposal: BookingProposal = self.svc.scheduler.propose(craft=craft, hours=2, not_before=utcnow())
        except CopilotError as exc:
            return Turn(f"No {craft} technician is available: {exc}", "availability")
        return Turn(
            f"{proposal.technician_name} ({craft}) can start {proposal.start:%a %d %b %H:%M} UTC; "
            f"{proposal.reason}. Nothing is booked until a work order is approved.",
            "availability",
        )

    def _action(self, message: str, entities: Entities, user_id: str) -> Turn:
        kind = requested_action(message) or "create_work_order"
        asset_id = entities.asset_ids[0] if entities.asset_ids else None
        # checked before asking which asset: a request that is never proposed is refused whatever it names.
        # check_action classifies it by the safety policy (with the asset's hazards) and runs the validators.
        guarded = self.svc.guards.check_action(kind, message, asset_id)
        if guarded.forbidden or not guarded.allowed:
            reason = guarded.reason or "the request would defeat a safety system"
            return Turn(
                f"I can't help with that: {reason}. If a trip or interlock is misbehaving, raise it with "
                "the operator in charge and have the instrument checked.",
                "action_request",
                refused=True,
                reason=reason,
            )
        if asset_id is None:
            return Turn(
                "Which asset should that be for? Name it (e.g. C-301) and I will propose it for approval.",
                "action_request",
            )
        outcome = propose_request(
            self.svc,
            RequestPayload(
                kind=kind,
                asset_id=asset_id,
                text=message,
                requested_by=user_id,
                failure_code=entities.failure_codes[0] if entities.failure_codes else None,
                caution=guarded.caution,
            ),
        )
        views = proposal_views(outcome, asset_id)
        text = (
            f"Proposed for approval #{outcome.approval_id}: "
            + "; ".join(v.summary for v in views)
            + f". It needs an operator's decision ({'; '.join(sorted({r for v in views for r in v.reasons}))}); "
            "nothing has been done yet."
        )
        return Turn(text, "action_request", proposals=views)

    def _general(self, message: str, entities: Entities, _user: str) -> Turn:
        hits = self.svc.retriever.search(
            without_assets(message, self.svc.site), k=3, asset_class=entities.asset_class
        )
        if not hits:
            return Turn("I found nothing about that in the manuals, incidents or work orders.", "general")
        lines = [f"{best_units(p.text, message, n=1)[0]} {p.citation.label()}" for p in hits]
        return Turn("\n".join(lines), "general", passages=hits)

    def _open_investigation(self, entities: Entities) -> str | None:
        if not entities.asset_ids:
            return None
        with Session(self.svc.engine) as session:
            row = session.exec(
                select(Investigation)
                .where(
                    Investigation.asset_id == entities.asset_ids[0],
                    col(Investigation.status).in_(OPEN_STATUSES),
                )
                .order_by(col(Investigation.id).desc())
            ).first()
        if row is None:
            return None
        return (
            f"Open investigation #{row.id} ({row.status}): "
            f"{row.diagnosis.get('summary', 'diagnosis pending')}"
        )

    def _rows_with(self, code: str, asset_class: str | None) -> list[tuple[Passage, str]]:
        """Table rows of the manuals that contain a code; the alarm-code table first."""
        hits = self.svc.retriever.search(
            code, k=6, mode="lexical", doc_type="manual", asset_class=asset_class
        )
        hits.sort(key=lambda p: "alarm code" not in p.citation.section.lower())
        return [
            (p, row)
            for p in hits
            for row in best_units(p.text, code, n=3, must_contain=code)
            if code in row and row.startswith("|")
        ]

    def _part(self, message: str, entities: Entities, _user: str) -> Turn:
        """Where a part number appears: its spare-parts row and the procedures that use it."""
        lines, used = [], []
        for code in entities.part_numbers[:2]:
            hits = self.svc.retriever.search(code, k=6, mode="lexical", doc_type="manual")
            found = [
                (p, u) for p in hits for u in best_units(p.text, code, n=2, must_contain=code) if code in u
            ]
            if not found:
                lines.append(f"{code}: not found in the manuals.")
                continue
            for passage, unit in found[:3]:
                text = table_row_text(table_header(passage.text), unit) if unit.startswith("|") else unit
                lines.append(f"{text} {passage.citation.label()}")
                used.append(passage)
        return Turn("\n".join(lines), "general", passages=used)


def _is_procedure(text: str) -> bool:
    return sum(1 for line in text.splitlines() if line.strip()[:2].rstrip(".").isdigit()) >= 3
