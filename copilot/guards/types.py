"""What the guards return: a verdict per check, each with the trips (validator failures) behind it."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Reaction = Literal["refuse", "reask", "fix", "drop", "route", "pass"]
"""What the caller does: refuse the turn, re-ask the LLM once (or fall back), use the fixed text,
drop the passage, route the request to the approval queue (a claimed approval), or go on unchanged."""
Where = Literal["input", "passage", "answer", "action", "structured"]

VALIDATOR_NAMES: tuple[str, ...] = (
    "prompt_injection",
    "maintenance_scope",
    "personal_data",
    "safety_bypass",
    "rated_limit",
    "safety_intent",
    "unsafe_passage",
    "grounded",
    "known_entities",
    "matches_schema",
    "llm_screen",
)
"""Short names of the validators (registered as `copilot/<name>`); the keys of the trip counters."""


class Trip(BaseModel):
    """One validator failure and what it made the guards do."""

    model_config = ConfigDict(frozen=True)

    validator: str = Field(description="Short validator name, e.g. 'safety_bypass'.")
    where: Where
    reaction: Reaction
    reason: str = Field(description="Short and free of personal data.")


class InputVerdict(BaseModel):
    """The verdict on a user message, before it is routed."""

    allowed: bool
    reason: str | None = Field(default=None, description="Why it is refused, for the user.")
    text: str = Field(description="The message to route: personal data redacted.")
    redacted: bool = False
    approval_claim: str | None = Field(
        default=None,
        description="Set when the message only claims or waives an approval (nothing else unsafe): a write it "
        "asks for still goes to the approval queue, with this said to the user; without a write it is refused.",
    )
    caution: str | None = Field(
        default=None,
        description="Set when, beside a claimed or waived approval, only the safety-intent classifier (no rule) "
        "flagged the message: a write it asks for goes to the approval queue with this caution for the operator; "
        "without a write it is refused. Also set when a message that only plans work (a work order, a booking) was "
        "flagged only by the classifiers: it goes to the queue with this caution.",
    )
    trips: list[Trip] = Field(default_factory=list)


class OutputVerdict(BaseModel):
    """The verdict on an answer before it is returned."""

    ok: bool
    reaction: Literal["pass", "fix", "reask", "refuse"]
    text: str = Field(description="The answer to show: fixed (redacted), or a refusal when reaction=refuse.")
    reason: str | None = None
    problems: list[str] = Field(default_factory=list, description="What is wrong, to put in a re-ask.")
    uncited: list[str] = Field(
        default_factory=list, description="Sentences stating facts without a citation."
    )
    unknown_citations: list[str] = Field(default_factory=list)
    unknown_entities: list[str] = Field(default_factory=list)
    trips: list[Trip] = Field(default_factory=list)


class ActionVerdict(BaseModel):
    """The verdict on an action the chat or the agent is about to propose."""

    allowed: bool
    forbidden: bool
    requires_approval: bool
    reason: str | None = None
    reasons: list[str] = Field(default_factory=list, description="The safety policy's reasons.")
    caution: str | None = Field(
        default=None,
        description="Set when, beside a claimed or waived approval, only the safety-intent classifier (no rule) "
        "flagged the request: it is still proposed, since an operator decides, and the approval carries this "
        "caution.",
    )
    trips: list[Trip] = Field(default_factory=list)


ModelT = TypeVar("ModelT", bound=BaseModel)


class SchemaVerdict(BaseModel, Generic[ModelT]):
    """A structured output checked against its pydantic model."""

    ok: bool
    value: ModelT | None = None
    error: str | None = None
    trips: list[Trip] = Field(default_factory=list)


class TripCounter:
    """In-process counts of trips by validator (and by validator and reaction); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_validator: Counter[str] = Counter()
        self._by_reaction: Counter[tuple[str, str]] = Counter()

    def add(self, trip: Trip) -> None:
        with self._lock:
            self._by_validator[trip.validator] += 1
            self._by_reaction[(trip.validator, trip.reaction)] += 1

    def as_dict(self) -> dict[str, int]:
        """{'guard_trips_<validator>': n} for every validator (zeros included), for metrics."""
        with self._lock:
            return {f"guard_trips_{name}": self._by_validator.get(name, 0) for name in VALIDATOR_NAMES}

    def by_reaction(self) -> dict[str, int]:
        """{'<validator>.<reaction>': n}."""
        with self._lock:
            return {f"{v}.{r}": n for (v, r), n in sorted(self._by_reaction.items())}

    def reset(self) -> None:
        with self._lock:
            self._by_validator.clear()
            self._by_reaction.clear()
