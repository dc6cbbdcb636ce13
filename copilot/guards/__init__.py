"""Guardrails for the chat and the agent (guardrails-ai custom validators, offline).

`build_guards(services)` returns a `Guards` facade; its checks return verdicts with the trips behind them:

    guards = build_guards(services)
    verdict = guards.check_input(message)                    # before routing
    passages, trips = guards.filter_passages(passages)       # after retrieval
    output = guards.check_answer(answer, allowed_refs=citation_keys(passages))  # before returning
    action = guards.check_action(kind, description, asset_id)  # before propose_request

`copilot.guards.retrieval.GuardedRetriever(store, guards=guards)` filters every search and section lookup.

Importing this package is cheap: guardrails (about 1.5 s to import) loads when `Guards`, `build_guards`
or `citation_keys` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from copilot.guards.types import (
    VALIDATOR_NAMES,
    ActionVerdict,
    InputVerdict,
    OutputVerdict,
    Reaction,
    SchemaVerdict,
    Trip,
    TripCounter,
)

if TYPE_CHECKING:
    from copilot.guards.facade import Guards, build_guards, citation_keys

__all__ = [
    "VALIDATOR_NAMES",
    "ActionVerdict",
    "Guards",
    "InputVerdict",
    "OutputVerdict",
    "Reaction",
    "SchemaVerdict",
    "Trip",
    "TripCounter",
    "build_guards",
    "citation_keys",
]

_LAZY = {"Guards", "build_guards", "citation_keys"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from copilot.guards import facade

        return getattr(facade, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
