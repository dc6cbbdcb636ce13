"""The safety policy: load it from YAML and classify proposed actions with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from copilot.schemas import Role

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
PERSON_REQUEST_REASON = (
    "asked for in the chat: every write a person asks for waits for an operator's decision"
)
"""Why a chat request always needs approval, even for an action the policy lets an investigation do alone: a
message can claim authority or urgency it does not have, and only an operator's decision settles that."""


class Rule(BaseModel):
    when: dict[str, Any]
    requires_approval: bool = True
    permits: list[str] = Field(default_factory=list)
    reason: str


class ActionPolicy(BaseModel):
    requires_approval: bool = True
    forbidden: bool = False
    permits: list[str] = Field(default_factory=list)
    reason: str = ""
    rules: list[Rule] = Field(default_factory=list)


class UnknownActionPolicy(BaseModel):
    requires_approval: bool = True
    reason: str


class SafetyPolicy(BaseModel):
    version: int
    approver_roles: list[Role]
    self_approval: bool = False
    unknown_action: UnknownActionPolicy
    actions: dict[str, ActionPolicy]


class Classification(BaseModel):
    """The policy's verdict on one action."""

    kind: str
    requires_approval: bool
    forbidden: bool = False
    reasons: list[str]
    permits: list[str]
    approver_roles: list[Role]


def load_policy(path: Path = DEFAULT_POLICY) -> SafetyPolicy:
    with path.open(encoding="utf-8") as handle:
        return SafetyPolicy.model_validate(yaml.safe_load(handle))


@lru_cache(maxsize=1)
def default_policy() -> SafetyPolicy:
    return load_policy(DEFAULT_POLICY)


def _lookup(facts: dict[str, Any], dotted: str) -> Any:
    value: Any = facts
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _holds(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        checks = {
            "lte": lambda a, e: a is not None and a <= e,
            "gte": lambda a, e: a is not None and a >= e,
            "contains": lambda a, e: isinstance(a, list | tuple | set) and e in a,
            "in": lambda a, e: a in e,
        }
        unknown = set(expected) - set(checks)
        if unknown:
            raise ValueError(f"unknown condition operator(s) {sorted(unknown)} in the safety policy")
        return all(checks[op](actual, value) for op, value in expected.items())
    return bool(actual == expected)


def classify(
    policy: SafetyPolicy, *, kind: str, payload: dict[str, Any], asset: dict[str, Any]
) -> Classification:
    """Classify one proposed action; an action the policy does not know requires approval."""
    action = policy.actions.get(kind)
    if action is None:
        return Classification(
            kind=kind,
            requires_approval=policy.unknown_action.requires_approval,
            reasons=[policy.unknown_action.reason],
            permits=[],
            approver_roles=policy.approver_roles,
        )
    facts = {"kind": kind, "payload": payload, "asset": asset}
    requires = action.requires_approval
    reasons = [action.reason] if action.reason else []
    permits = list(action.permits)
    for rule in action.rules:
        if all(_holds(_lookup(facts, key), expected) for key, expected in rule.when.items()):
            requires = requires or rule.requires_approval
            reasons.append(rule.reason)
            permits.extend(p for p in rule.permits if p not in permits)
    return Classification(
        kind=kind,
        requires_approval=requires or action.forbidden,
        forbidden=action.forbidden,
        reasons=reasons,
        permits=permits,
        approver_roles=policy.approver_roles,
    )
