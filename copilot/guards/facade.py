"""The guards facade: the checks the chat and the agent call, each a guardrails Guard with one validator.

- `check_input` before routing a user message: refuse (prompt injection, safety bypass, a value beyond a rated
  limit (copilot.guards.limits), a request for someone's personal data, off-topic) or pass with personal data
  redacted.
- `filter_passages` after retrieval: drop passages carrying injected instructions, unsafe instructions or a setting
  beyond a rated limit (rules; with an embedder, also the unsafe-passage classifier, copilot.guards.passages).
- `check_answer` before returning: refuse (unsafe instruction, a value beyond a rated limit), re-ask (uncited facts,
  unknown citations, unknown assets or codes), fix (personal data redacted) or pass.
- `check_action` before `propose_request`: the safety policy plus the validators on the description.
- `check_structured` for a structured LLM output against its pydantic model.

With an LLM configured, `check_input` and `check_action` also ask the LLM safety screen
(copilot.guards.screen) about what the deterministic checks let through; it can refuse or add a caution,
never allow what they refused.

Every validator runs (so every trip is counted); the refusal reason is the most serious one. Each trip is
counted by validator (`trip_counts()`, for metrics) and logged with the validator, the reaction and a
short reason, never the personal data itself.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from guardrails import Guard, OnFailAction, Validator
from guardrails_ai.types import FailResult
from pydantic import BaseModel

from copilot.guards.grounding import Grounded, KnownEntities
from copilot.guards.injection import (
    APPROVAL_CLAIM,
    PromptInjection,
    approval_claim_reason,
    find_injections,
    mentions_approval,
)
from copilot.guards.intent import (
    CLASSIFIER_CAUTION,
    SAFETY_INTENT_CAUTION,
    SafetyIntent,
    off_topic_probability,
)
from copilot.guards.limits import SAFE_LIMIT_REFUSAL, RatedLimits, WithinRatedLimits
from copilot.guards.passages import UnsafePassage, passage_model
from copilot.guards.personal import PersonalData
from copilot.guards.runtime import configure_offline, offline_guard
from copilot.guards.safety import SAFE_REFUSAL, SafetyBypass
from copilot.guards.scope import MaintenanceScope, ScopeSimilarity
from copilot.guards.screen import (
    REFUSING,
    SCREEN_CAUTION,
    SCREEN_UNAVAILABLE_CAUTION,
    LlmScreen,
    Screen,
    llm_screen,
)
from copilot.guards.structured import MatchesSchema, parse
from copilot.guards.types import (
    ActionVerdict,
    InputVerdict,
    OutputVerdict,
    Reaction,
    SchemaVerdict,
    Trip,
    TripCounter,
    Where,
)
from copilot.guards.vocabulary import SiteVocabulary, site_vocabulary
from copilot.llm.base import ChatProvider
from copilot.safety.policy import PERSON_REQUEST_REASON, SafetyPolicy, classify, default_policy
from copilot.schemas import Passage, SiteSpec
from copilot.services import Services
from knowledge.embeddings import Embedder

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

# Which refusal wins when several validators refuse one message.
_INPUT_CHECKS = (
    "prompt_injection",
    "safety_bypass",
    "rated_limit",
    "safety_intent",
    "personal_data_request",
    "maintenance_scope",
)
_INPUT_PRIORITY = (*_INPUT_CHECKS, "llm_screen")
PLANNED_WORK = frozenset({"create_work_order", "book_technician"})
"""Writes that only plan work (a work order, a booking): an operator approves them before anything happens, so the
classifiers alone (no rule) caution the operator instead of refusing them."""
_ACTION_REFUSING = frozenset({"defeat_safety", "instructions_to_the_assistant", "personal_data_request"})
"""Screen categories that forbid an action (an odd work order is not refused for being off topic)."""


@dataclass(frozen=True)
class _Screened:
    """What the LLM screen adds to a check: a refusal, a claimed approval, or a caution (and its trips)."""

    refusal: str | None = None
    approval_pressure: bool = False
    caution: str | None = None
    trips: list[Trip] = field(default_factory=list)


def citation_keys(passages: Iterable[Passage]) -> list[str]:
    """The refs (`doc#chunk`) and labels (`[doc § section]`) of passages: the `allowed_refs` of an answer."""
    keys: list[str] = []
    for passage in passages:
        keys += [passage.citation.ref, passage.citation.label()]
    return keys


class Guards:
    """The guardrails of the chat and the agent; build it with `build_guards` (or directly, for tests)."""

    def __init__(
        self,
        site: SiteSpec,
        *,
        vocabulary: SiteVocabulary | None = None,
        policy: SafetyPolicy | None = None,
        embedder: Embedder | None = None,
        intent_model_dir: Path | None = None,
        extra_assets: Iterable[str] = (),
        screen: Screen | None = None,
    ) -> None:
        configure_offline()
        self.site = site
        self.vocabulary = vocabulary or site_vocabulary(site)
        self.policy = policy or default_policy()
        self.known_assets = frozenset(self.vocabulary.asset_ids | set(extra_assets))
        self.known_codes = self.vocabulary.codes
        self.counter = TripCounter()
        self._lock = threading.Lock()
        terms = set(self.vocabulary.part_numbers | self.vocabulary.alarm_codes)
        terms |= {
            t
            for part in self.vocabulary.part_numbers
            for t in re.findall(r"[A-Z0-9]+(?:[-/][A-Z0-9]+)+", part)
        }
        people = list(self.vocabulary.people)
        similarity = ScopeSimilarity(embedder) if embedder is not None else None
        self._similarity = similarity
        self._embedder = embedder
        self._intent_model_dir = intent_model_dir
        limits = RatedLimits(site)
        refrain, fix, reask, drop = (
            OnFailAction.REFRAIN,
            OnFailAction.FIX,
            OnFailAction.REASK,
            OnFailAction.FILTER,
        )
        self._input: dict[str, Guard] = {
            "prompt_injection": offline_guard(
                "input-injection", PromptInjection(source="user", on_fail=refrain)
            ),
            "safety_bypass": offline_guard("input-safety", SafetyBypass(on_fail=refrain)),
            "rated_limit": offline_guard("input-limits", WithinRatedLimits(limits, on_fail=refrain)),
            "safety_intent": offline_guard(
                "input-intent", SafetyIntent(embedder=embedder, model_dir=intent_model_dir, on_fail=refrain)
            ),
            "personal_data_request": offline_guard(
                "input-personal-request",
                PersonalData(
                    detect="requests",
                    people=people,
                    embedder=embedder,
                    model_dir=intent_model_dir,
                    on_fail=refrain,
                ),
            ),
            "maintenance_scope": offline_guard(
                "input-scope",
                MaintenanceScope(
                    site=site,
                    similarity=similarity,
                    known_terms=frozenset(terms),
                    off_topic=(
                        partial(off_topic_probability, embedder, model_dir=intent_model_dir)
                        if embedder is not None
                        else None
                    ),
                    on_fail=refrain,
                ),
            ),
            "personal_data": offline_guard("input-personal", PersonalData(detect="values", on_fail=fix)),
        }
        # Passages are checked on every retrieval, so their validators run without a Guard around them: the
        # Guard's bookkeeping cost more than the checks (1.5 ms a passage); the reaction is always "drop".
        self._passage: dict[str, Validator] = {
            "prompt_injection": PromptInjection(source="document", on_fail=drop),
            "safety_bypass": SafetyBypass(on_fail=drop),
            "rated_limit": WithinRatedLimits(limits, stated=True, on_fail=drop),
        }
        if embedder is not None and intent_model_dir is not None:
            self._passage["unsafe_passage"] = UnsafePassage(embedder, intent_model_dir, on_fail=drop)
        self._answer: dict[str, Guard] = {
            "safety_bypass": offline_guard("answer-safety", SafetyBypass(on_fail=fix)),
            "rated_limit": offline_guard("answer-limits", WithinRatedLimits(limits, on_fail=fix)),
            "personal_data": offline_guard("answer-personal", PersonalData(detect="values", on_fail=fix)),
            "grounded": offline_guard("answer-grounded", Grounded(on_fail=reask)),
            "known_entities": offline_guard("answer-entities", KnownEntities(on_fail=reask)),
        }
        self._action: dict[str, Guard] = {
            "safety_bypass": offline_guard("action-safety", SafetyBypass(on_fail=refrain)),
            "rated_limit": offline_guard("action-limits", WithinRatedLimits(limits, on_fail=refrain)),
            "safety_intent": offline_guard(
                "action-intent", SafetyIntent(embedder=embedder, model_dir=intent_model_dir, on_fail=refrain)
            ),
            "prompt_injection": offline_guard(
                "action-injection", PromptInjection(source="action", on_fail=refrain)
            ),
        }
        self._schemas: dict[type[BaseModel], Guard] = {}
        self._screen: Guard | None = (
            offline_guard("llm-screen", LlmScreen(screen=screen, on_fail=refrain))
            if screen is not None
            else None
        )

    # --- running a guard ---------------------------------------------------------------------------------

    def _run(
        self, guard: Guard, value: str, metadata: dict[str, Any] | None = None
    ) -> tuple[FailResult | None, Any]:
        """Validate with one guard: (its failure, if any, and the validated output)."""
        with self._lock:
            outcome = guard.validate(value, metadata=metadata or {})
            call = guard.history.last
            iteration = call.iterations.last if call is not None else None
            logs = list(iteration.validator_logs) if iteration is not None else []
        failure = next(
            (x.validation_result for x in logs if isinstance(x.validation_result, FailResult)), None
        )
        return failure, outcome.validated_output

    def _trip(self, name: str, where: Where, reaction: Reaction, reason: str, thread_id: str | None) -> Trip:
        validator = "personal_data" if name == "personal_data_request" else name
        trip = Trip(validator=validator, where=where, reaction=reaction, reason=reason[:200])
        self.counter.add(trip)
        log.info(
            "guard trip [%s] %s on %s -> %s: %s", thread_id or "-", validator, where, reaction, trip.reason
        )
        return trip

    def warm_up(self) -> None:
        """Embed the scope exemplars and load (or, the first time, train: about ten minutes) the intent
        classifiers now, so the first message is not slow."""
        if self._similarity is not None:
            self._similarity.exemplars()
        if self._embedder is not None:
            from copilot.guards.intent import warm_up

            warm_up(self._embedder, self._intent_model_dir)
            if self._intent_model_dir is not None:
                passage_model(self._embedder, self._intent_model_dir)

    @property
    def screened(self) -> bool:
        """Whether the LLM safety screen runs (an LLM is configured and the screen is on)."""
        return self._screen is not None

    def trip_counts(self) -> dict[str, int]:
        """{'guard_trips_<validator>': n}: trips in this process, for metrics."""
        return self.counter.as_dict()

    # --- checks ------------------------------------------------------------------------------------------

    def check_input(
        self,
        text: str,
        *,
        thread_id: str | None = None,
        write: str | None = None,
        follow_up: bool = False,
    ) -> InputVerdict:
        """Check a user message before routing it.

        write: the write the message asks for (copilot.chat.intents.requested_action), when the caller knows it;
        a message that only plans work (PLANNED_WORK) and that only the classifiers flagged goes to the approval
        queue with a caution instead of being refused.
        follow_up: the message continues a conversation the copilot has answered in; the scope check then reads a
        short message that matches nothing of the site as a reply ("en français stp"), not as off topic. No other
        check changes: "ok, now skip the lockout" is refused mid-conversation as anywhere.
        """
        trips: list[Trip] = []
        redaction, fixed = self._run(self._input["personal_data"], text)
        redacted = redaction is not None
        clean = fixed if isinstance(fixed, str) and redacted else text
        failures = {
            name: self._run(self._input[name], text, {"follow_up": follow_up})[0] for name in _INPUT_CHECKS
        }
        if redacted and failures["personal_data_request"] is not None:
            # data the writer gave (their own number, a note about a colleague) can read like a request for data:
            # it is one only if the message still reads so with that data redacted
            failures["personal_data_request"] = self._run(self._input["personal_data_request"], clean)[0]
        refusals = {name: f.error_message for name, f in failures.items() if f is not None}
        approval_claim: str | None = None
        caution: str | None = None
        injection = failures["prompt_injection"]
        only_claim = injection is not None and (injection.metadata or {}).get("rules") == [APPROVAL_CLAIM]
        # what a claimed approval outweighs: the claim itself and the classifiers alone (no rule). The personal-
        # request classifier reads the colleagues a job is for as a request for their data ("Omar said ok.
        # Schedule it with Ben and Dara"); a write returns no one's data and goes to the queue.
        routable = {"prompt_injection", "safety_intent"}
        personal = failures["personal_data_request"]
        if personal is not None and "probability" in (personal.metadata or {}):  # the classifier, not a rule
            routable.add("personal_data_request")
        # the classifier alone (no rule) on a message that speaks of an approval: pressure about approval reads
        # like pressure to skip a safety step, so it is read as a claim too
        spoken = injection is None and set(refusals) == {"safety_intent"} and mentions_approval(text)
        claimed = (only_claim and set(refusals) <= routable) or spoken
        # work planned (a work order, a booking) that only the classifiers flagged: an operator decides on it
        planned = (
            write in PLANNED_WORK and bool(refusals) and set(refusals) <= routable - {"prompt_injection"}
        )
        if claimed or planned:
            # only an approval claimed or waived, or planned work only the classifiers flagged: the caller routes
            # any write to the queue, or refuses. The classifiers alone add a caution for the operator instead of
            # refusing a write that an operator decides on anyway.
            approval_claim = approval_claim_reason() if claimed else None
            if claimed and "safety_intent" in refusals:
                caution = SAFETY_INTENT_CAUTION
            elif not claimed:
                caution = CLASSIFIER_CAUTION
            for name in ("personal_data_request", "prompt_injection", "safety_intent"):
                if name in refusals:
                    trips.append(self._trip(name, "input", "route", refusals.pop(name), thread_id))
        if not refusals and self._screen is not None:
            # the screen sees the redacted text: personal data does not leave for the LLM endpoint
            screened = self._screen_input(clean, claimed=approval_claim is not None, thread_id=thread_id)
            if screened.refusal is not None:
                refusals["llm_screen"] = screened.refusal
            elif screened.approval_pressure and approval_claim is None:
                approval_claim = approval_claim_reason()
            elif screened.caution is not None:
                caution = caution or screened.caution
            trips += screened.trips
        for name, message in refusals.items():
            trips.append(self._trip(name, "input", "refuse", message, thread_id))
        if redaction is not None:
            trips.append(self._trip("personal_data", "input", "fix", redaction.error_message, thread_id))
        reason = next((refusals[name] for name in _INPUT_PRIORITY if name in refusals), None)
        if reason is not None:
            reason = f"I can't help with that: {reason.rstrip('.')}."
        return InputVerdict(
            allowed=reason is None,
            reason=reason,
            text=clean,
            redacted=redacted,
            approval_claim=approval_claim,
            caution=caution,
            trips=trips,
        )

    def _ask_screen(self, text: str) -> tuple[str, str] | None:
        """The LLM screen's reading of a text: None when ordinary, else (category or "unavailable", message)."""
        assert self._screen is not None
        failure, _ = self._run(self._screen, text)
        if failure is None:
            return None
        meta = failure.metadata or {}
        return (
            "unavailable" if meta.get("unavailable") else str(meta.get("category"))
        ), failure.error_message

    def _screen_input(self, text: str, *, claimed: bool, thread_id: str | None) -> _Screened:
        """Ask the LLM screen about a message the deterministic checks let through (refusals are tripped by the
        caller); a claimed approval turns its `defeat_safety` into a caution, as the classifier's is."""
        reading = self._ask_screen(text)
        if reading is None:
            return _Screened()
        category, message = reading
        if category == "unavailable":
            return _Screened(trips=[self._trip("llm_screen", "input", "pass", message, thread_id)])
        if category == "approval_pressure":
            trip = self._trip("llm_screen", "input", "route", message, thread_id)
            return _Screened(approval_pressure=True, trips=[trip])
        if category == "defeat_safety" and claimed:
            trip = self._trip("llm_screen", "input", "route", message, thread_id)
            return _Screened(caution=SCREEN_CAUTION, trips=[trip])
        if category in REFUSING:
            return _Screened(refusal=message)
        return _Screened()

    def filter_passages(
        self, passages: Iterable[Passage], *, thread_id: str | None = None
    ) -> tuple[list[Passage], list[Trip]]:
        """Drop retrieved passages that carry instructions aimed at the model or unsafe instructions."""
        passages = list(passages)
        metadata: list[dict[str, Any]] = [{} for _ in passages]
        unsafe = self._passage.get("unsafe_passage")
        if isinstance(unsafe, UnsafePassage) and passages:  # every passage's sentences in one classifier call
            for meta, strongest in zip(metadata, unsafe.strongest([p.text for p in passages]), strict=True):
                meta["strongest"] = strongest
        kept: list[Passage] = []
        trips: list[Trip] = []
        for passage, meta in zip(passages, metadata, strict=True):
            dropped = False
            for name, validator in self._passage.items():
                result = validator.validate(passage.text, meta)
                failure = result if isinstance(result, FailResult) else None
                if failure is not None:
                    reason = f"{passage.citation.ref}: {failure.error_message}"
                    trips.append(self._trip(name, "passage", "drop", reason, thread_id))
                    dropped = True
            if not dropped:
                kept.append(passage)
        return kept, trips

    def check_answer(
        self,
        text: str,
        *,
        allowed_refs: Iterable[str],
        known_assets: Iterable[str] | None = None,
        known_codes: Iterable[str] | None = None,
        require_citations: bool = True,
        thread_id: str | None = None,
    ) -> OutputVerdict:
        """Check an answer before it is returned.

        allowed_refs: the refs and labels of the passages retrieved for this turn (`citation_keys`).
        require_citations: False for answers built from tools other than the knowledge base (sensor
        readings, schedules, work orders, proposals); citations given are still checked.
        """
        trips: list[Trip] = []
        for name, refusal in (("safety_bypass", SAFE_REFUSAL), ("rated_limit", SAFE_LIMIT_REFUSAL)):
            failure, _ = self._run(self._answer[name], text)
            if failure is not None:
                trips.append(self._trip(name, "answer", "refuse", failure.error_message, thread_id))
                return OutputVerdict(
                    ok=False,
                    reaction="refuse",
                    text=refusal,
                    reason=failure.error_message,
                    problems=[failure.error_message],
                    trips=trips,
                )
        problems: list[str] = []
        failure, fixed = self._run(self._answer["personal_data"], text)
        if failure is not None:
            trips.append(self._trip("personal_data", "answer", "fix", failure.error_message, thread_id))
            problems.append(failure.error_message)
            text = fixed if isinstance(fixed, str) else text
        assets = frozenset(known_assets) if known_assets is not None else self.known_assets
        codes = frozenset(known_codes) if known_codes is not None else self.known_codes
        metadata = {
            "allowed_refs": list(allowed_refs),
            "known_assets": sorted(assets),
            "known_codes": sorted(codes),
        }
        uncited: list[str] = []
        unknown_citations: list[str] = []
        failure, _ = self._run(self._answer["grounded"], text, metadata)
        if failure is not None:
            details = failure.metadata or {}
            uncited = list(details.get("uncited", [])) if require_citations else []
            unknown_citations = list(details.get("unknown_citations", []))
            if uncited or unknown_citations:
                trips.append(self._trip("grounded", "answer", "reask", failure.error_message, thread_id))
                problems.append(failure.error_message)
        failure, _ = self._run(self._answer["known_entities"], text, metadata)
        unknown_entities: list[str] = []
        if failure is not None:
            unknown_entities = list((failure.metadata or {}).get("unknown_entities", []))
            trips.append(self._trip("known_entities", "answer", "reask", failure.error_message, thread_id))
            problems.append(failure.error_message)
        reaction: Reaction
        if uncited or unknown_citations or unknown_entities:
            reaction = "reask"
        elif problems:
            reaction = "fix"
        else:
            reaction = "pass"
        return OutputVerdict(
            ok=reaction == "pass",
            reaction=reaction,  # type: ignore[arg-type]
            text=text,
            reason="; ".join(problems) or None,
            problems=problems,
            uncited=uncited,
            unknown_citations=unknown_citations,
            unknown_entities=unknown_entities,
            trips=trips,
        )

    def _asset_facts(self, asset_id: str | None) -> dict[str, Any]:
        """The hazards the policy reads; an asset the site does not define is treated as the riskiest."""
        try:
            asset = self.site.asset(asset_id or "")
        except KeyError:
            return {"energized": True, "pressurized": True, "criticality": "A"}
        spec = self.site.asset_class(asset.asset_class)
        return {
            "energized": spec.energized,
            "pressurized": spec.pressurized,
            "criticality": asset.criticality,
        }

    def check_action(
        self,
        kind: str,
        description: str,
        asset_id: str | None = None,
        *,
        payload: dict[str, Any] | None = None,
        thread_id: str | None = None,
    ) -> ActionVerdict:
        """Check an action a person asked for before it is proposed: the safety policy, then the validators on
        its text. Such an action always requires approval (PERSON_REQUEST_REASON); a rule that trips forbids it;
        the safety-intent classifier alone adds a caution for the operator to work only planned (PLANNED_WORK) or
        asked for beside a claimed approval, and refuses anything else."""
        verdict = classify(self.policy, kind=kind, payload=payload or {}, asset=self._asset_facts(asset_id))
        trips: list[Trip] = []
        reasons: list[str] = []
        described = f"{kind.replace('_', ' ')}: {description}"
        for name in ("safety_bypass", "rated_limit"):
            failure, _ = self._run(self._action[name], described)
            if failure is not None:
                trips.append(self._trip(name, "action", "refuse", failure.error_message, thread_id))
                reasons.append(failure.error_message)
        injection, _ = self._run(self._action["prompt_injection"], description)
        claimed = injection is not None and (injection.metadata or {}).get("rules") == [APPROVAL_CLAIM]
        screening = self._screen is not None and not verdict.forbidden and (injection is None or claimed)
        caution: str | None = None
        if not reasons:
            failure, _ = self._run(self._action["safety_intent"], description)
            # as in check_input, the classifier alone or the screen beside a claimed approval only adds a caution;
            # the chat passes a person's message as the description, so the claim is also read as the input check
            # reads it (only when the answer matters)
            person_claimed = claimed or (
                injection is None
                and (failure is not None or screening)
                and list(find_injections(description, "user")) == [APPROVAL_CLAIM]
            )
            person_claimed = person_claimed or (
                injection is None and failure is not None and mentions_approval(description)
            )
            if failure is not None and (person_claimed or kind in PLANNED_WORK):
                caution = SAFETY_INTENT_CAUTION if person_claimed else CLASSIFIER_CAUTION
                trips.append(self._trip("safety_intent", "action", "route", failure.error_message, thread_id))
            elif failure is not None:
                trips.append(
                    self._trip("safety_intent", "action", "refuse", failure.error_message, thread_id)
                )
                reasons.append(failure.error_message)
            if screening and not reasons:
                screened = self._screen_action(kind, description, claimed=person_claimed, thread_id=thread_id)
                trips += screened.trips
                if screened.refusal is not None:
                    reasons.append(screened.refusal)
                caution = caution or screened.caution
        if injection is not None and claimed:
            # a claimed or waived approval changes nothing: the action waits for an operator like any other
            trips.append(
                self._trip("prompt_injection", "action", "route", injection.error_message, thread_id)
            )
        elif injection is not None:
            trips.append(
                self._trip("prompt_injection", "action", "refuse", injection.error_message, thread_id)
            )
            reasons.append(injection.error_message)
        if verdict.forbidden:
            reasons.insert(0, f"{kind.replace('_', ' ')} is never proposed: {'; '.join(verdict.reasons)}")
        forbidden = bool(reasons)
        return ActionVerdict(
            allowed=not forbidden,
            forbidden=forbidden,
            requires_approval=True,  # a person's request always waits for an operator
            reason="; ".join(reasons) or None,
            reasons=[*verdict.reasons, PERSON_REQUEST_REASON, *([caution] if caution else [])],
            caution=caution,
            trips=trips,
        )

    def _screen_action(
        self, kind: str, description: str, *, claimed: bool, thread_id: str | None
    ) -> _Screened:
        """Ask the LLM screen about an action's text: it forbids an action that defeats safety, injects
        instructions or asks for personal data; when it cannot be asked, the operator gets a caution."""
        reading = self._ask_screen(f"{kind.replace('_', ' ')}: {description}")
        if reading is None:
            return _Screened()
        category, message = reading
        if category == "unavailable":
            trip = self._trip("llm_screen", "action", "route", message, thread_id)
            return _Screened(caution=SCREEN_UNAVAILABLE_CAUTION, trips=[trip])
        if category == "defeat_safety" and claimed:
            trip = self._trip("llm_screen", "action", "route", message, thread_id)
            return _Screened(caution=SCREEN_CAUTION, trips=[trip])
        if category in _ACTION_REFUSING:
            trip = self._trip("llm_screen", "action", "refuse", message, thread_id)
            return _Screened(refusal=message, trips=[trip])
        # approval pressure or an odd topic: the action waits for an operator like any other
        return _Screened(trips=[self._trip("llm_screen", "action", "pass", message, thread_id)])

    def check_structured(
        self, value: str | dict[str, Any], schema: type[ModelT], *, thread_id: str | None = None
    ) -> SchemaVerdict[ModelT]:
        """Validate a structured output against its model; on failure the error is what a re-ask sends."""
        with self._lock:
            guard = self._schemas.get(schema)
            if guard is None:
                guard = offline_guard(
                    f"schema-{schema.__name__}", MatchesSchema(schema, on_fail=OnFailAction.REASK)
                )
                self._schemas[schema] = guard
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        failure, _ = self._run(guard, text)
        if failure is not None:
            trip = self._trip("matches_schema", "structured", "reask", failure.error_message, thread_id)
            return SchemaVerdict[ModelT](ok=False, error=failure.error_message, trips=[trip])
        model, _ = parse(text, schema)
        return SchemaVerdict[ModelT](ok=True, value=schema.model_validate(model))


def build_guards(services: Services) -> Guards:
    """Build the guards for a Services container: its site (and manuals), policy, reference embedder and registry, and
    the LLM safety screen when an LLM is configured and the screen is not switched off."""
    vocabulary = site_vocabulary(services.site, services.settings.site_dir)
    provider = services.provider
    screen = (
        llm_screen(provider)
        if services.settings.llm_safety_screen and isinstance(provider, ChatProvider)
        else None
    )
    return Guards(
        services.site,
        vocabulary=vocabulary,
        policy=services.policy,
        embedder=services.guard_embedder,
        intent_model_dir=services.settings.guard_model_dir,
        extra_assets=services.registry.ids(),
        screen=screen,
    )
