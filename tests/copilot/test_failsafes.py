"""Fail-safes: a failing tool, the time budget, asking for more evidence, the retrieval cache."""

from __future__ import annotations

import pytest

from copilot.errors import ValidationError
from copilot.investigations import decide, handle_alert, list_approvals
from copilot.llm.openai_provider import OpenAIProvider
from copilot.models import Decision
from copilot.services import Services
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import fault_alert


def _state(services: Services, investigation_id: int) -> dict:  # type: ignore[type-arg]
    return services.graph.get_state(
        {"configurable": {"thread_id": f"investigation-{investigation_id}"}}
    ).values


def test_a_failing_tool_is_retried_then_skipped_and_the_gap_recorded(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def broken(*args: object, **kwargs: object) -> None:
        calls.append(1)
        raise OSError("historian unreachable")

    monkeypatch.setattr(services.telemetry, "statistics", broken)
    outcome = handle_alert(services, fault_alert(services, "P-101", "PMP-BRG"))
    assert outcome.status == "pending_approval" and len(calls) == 3
    state = _state(services, outcome.investigation_id)
    assert state["sensor_stats"] == []
    assert any(f.startswith("sensor statistics: OSError: historian unreachable") for f in state["fallbacks"])
    assert "Fallback taken" not in state.get("report", "")  # the report comes after the decision


def test_over_its_time_budget_an_investigation_decides_offline_without_calling_the_llm(
    llm_services: Services, fake_openai: FakeOpenAI
) -> None:
    llm_services.settings.investigation_budget_s = -1.0
    outcome = handle_alert(llm_services, fault_alert(llm_services, "P-101", "PMP-BRG"))
    assert outcome.status == "pending_approval"
    provider = llm_services.provider
    assert isinstance(provider, OpenAIProvider) and provider.calls == 0 and fake_openai.requests == []
    assert any(f.startswith("budget:") for f in _state(llm_services, outcome.investigation_id)["fallbacks"])


def test_more_evidence_gathers_again_and_asks_again_and_still_one_work_order(services: Services) -> None:
    outcome = handle_alert(services, fault_alert(services, "P-101", "PMP-BRG"))
    (first,) = list_approvals(services)
    decide(services, first.id, decision=Decision.more_evidence, user_id="olivia", comment="check 2 h of data")
    (second,) = list_approvals(services)
    assert second.id != first.id and second.investigation_id == outcome.investigation_id
    state = _state(services, outcome.investigation_id)
    assert state["evidence_round"] == 1 and len(state["incidents"]) > 9
    decide(services, second.id, decision=Decision.more_evidence, user_id="omar")
    (third,) = list_approvals(services)
    with pytest.raises(ValidationError, match="already gathered 2 times"):
        decide(services, third.id, decision=Decision.more_evidence, user_id="olivia")
    result = decide(services, third.id, decision=Decision.approve, user_id="olivia")
    assert result.investigation_status == "done" and len(services.cmms.list()) == 1


def test_identical_searches_hit_the_cache_until_the_store_changes(services: Services) -> None:
    retriever = services.retriever
    first = retriever.search("bearing replacement", k=3)
    second = retriever.search("bearing replacement", k=3)
    assert [p.citation for p in first] == [p.citation for p in second]
    assert retriever.cache_hits == 1 and retriever.cache_misses == 1
    services.knowledge.lexical.set_meta("version", "changed")  # what any ingest does
    retriever.search("bearing replacement", k=3)
    assert retriever.cache_misses == 2
