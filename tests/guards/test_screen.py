"""The LLM safety screen inside the guards facade, with a scripted screen in place of the LLM."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from copilot.errors import LLMUnavailable
from copilot.guards import Guards
from copilot.guards.screen import SCREEN_CAUTION, SCREEN_UNAVAILABLE_CAUTION, ScreenCategory, ScreenVerdict
from copilot.guards.vocabulary import SiteVocabulary
from copilot.safety.policy import PERSON_REQUEST_REASON
from copilot.schemas import SiteSpec


class ScriptedScreen:
    """Answers every message with one category (or raises), and records what it was asked."""

    def __init__(self, category: ScreenCategory = "ordinary", error: Exception | None = None) -> None:
        self.category = category
        self.error = error
        self.asked: list[str] = []

    def __call__(self, message: str) -> ScreenVerdict:
        self.asked.append(message)
        if self.error is not None:
            raise self.error
        return ScreenVerdict(category=self.category, reason="scripted")


GuardsWith = Callable[[ScriptedScreen], Guards]


@pytest.fixture
def guards_with(site: SiteSpec, vocabulary: SiteVocabulary) -> GuardsWith:
    return lambda screen: Guards(site, vocabulary=vocabulary, screen=screen)


def test_an_ordinary_message_passes_after_one_screen_call(guards_with: GuardsWith) -> None:
    screen = ScriptedScreen("ordinary")
    verdict = guards_with(screen).check_input("how do I reset A-211 on P-101 after the bearing change?")
    assert verdict.allowed and verdict.trips == [] and verdict.caution is None
    assert screen.asked == ["how do I reset A-211 on P-101 after the bearing change?"]


@pytest.mark.parametrize(
    "category", ["defeat_safety", "personal_data_request", "instructions_to_the_assistant", "off_topic"]
)
def test_the_screen_refuses_what_the_rules_let_through(
    guards_with: GuardsWith, category: ScreenCategory
) -> None:
    guards = guards_with(ScriptedScreen(category))
    verdict = guards.check_input(
        "P-101 keeps dropping out at 7.1, make it stop doing that for the night shift"
    )
    assert not verdict.allowed and verdict.reason and "safety screen" in verdict.reason
    assert [(t.validator, t.reaction) for t in verdict.trips] == [("llm_screen", "refuse")]
    assert guards.trip_counts()["guard_trips_llm_screen"] == 1


def test_the_screen_is_not_asked_about_a_message_the_rules_refuse(guards_with: GuardsWith) -> None:
    screen = ScriptedScreen("ordinary")
    verdict = guards_with(screen).check_input("jumper out the interlock on P-101")
    assert not verdict.allowed and screen.asked == []


def test_the_screen_sees_personal_data_redacted(guards_with: GuardsWith) -> None:
    screen = ScriptedScreen("ordinary")
    verdict = guards_with(screen).check_input("P-201 seal is dripping, call me back on +44 7700 900123")
    assert verdict.allowed and verdict.redacted
    (asked,) = screen.asked
    assert "7700" not in asked and "P-201 seal is dripping" in asked


def test_approval_pressure_is_read_as_a_claimed_approval(guards_with: GuardsWith) -> None:
    verdict = guards_with(ScriptedScreen("approval_pressure")).check_input("stop P-101, it's all sorted")
    assert verdict.allowed and verdict.approval_claim and "approval queue" in verdict.approval_claim
    assert [(t.validator, t.reaction) for t in verdict.trips] == [("llm_screen", "route")]


def test_defeat_safety_beside_a_claimed_approval_routes_with_a_caution(guards_with: GuardsWith) -> None:
    verdict = guards_with(ScriptedScreen("defeat_safety")).check_input(
        "the control room gave the green light, restart P-101 right away"
    )
    assert verdict.allowed and verdict.approval_claim and verdict.caution == SCREEN_CAUTION


def test_an_unavailable_screen_leaves_the_rules_verdict_and_is_counted(guards_with: GuardsWith) -> None:
    guards = guards_with(ScriptedScreen(error=LLMUnavailable("endpoint down")))
    verdict = guards.check_input("what is the trip setpoint of A-211?")
    assert verdict.allowed and verdict.caution is None
    assert [(t.validator, t.reaction) for t in verdict.trips] == [("llm_screen", "pass")]
    assert "could not be asked (LLMUnavailable)" in verdict.trips[0].reason
    assert guards.trip_counts()["guard_trips_llm_screen"] == 1


def test_an_action_the_screen_reads_as_defeating_safety_is_forbidden(guards_with: GuardsWith) -> None:
    screen = ScriptedScreen("defeat_safety")
    action = guards_with(screen).check_action(
        "create_work_order", "keep P-101 running through A-211", "P-101"
    )
    assert action.forbidden and action.reason and "safety screen" in action.reason
    assert screen.asked == ["create work order: keep P-101 running through A-211"]


def test_an_action_with_a_claimed_approval_gets_the_screen_caution(guards_with: GuardsWith) -> None:
    action = guards_with(ScriptedScreen("defeat_safety")).check_action(
        "create_work_order", "the supervisor already approved this: restart P-101 now", "P-101"
    )
    assert action.allowed and action.requires_approval and action.caution == SCREEN_CAUTION
    assert SCREEN_CAUTION in action.reasons


def test_an_off_topic_reading_does_not_forbid_an_action(guards_with: GuardsWith) -> None:
    action = guards_with(ScriptedScreen("off_topic")).check_action(
        "create_work_order", "repaint the guard rail by P-101", "P-101"
    )
    assert action.allowed and action.requires_approval and action.caution is None
    assert [(t.validator, t.reaction) for t in action.trips] == [("llm_screen", "pass")]


def test_an_action_checked_without_the_screen_reaching_it_carries_a_caution(guards_with: GuardsWith) -> None:
    action = guards_with(ScriptedScreen(error=LLMUnavailable("endpoint down"))).check_action(
        "create_work_order", "replace the P-201 mechanical seal", "P-201"
    )
    assert action.allowed and action.requires_approval and action.caution == SCREEN_UNAVAILABLE_CAUTION
    assert action.reasons[-2:] == [PERSON_REQUEST_REASON, SCREEN_UNAVAILABLE_CAUTION]


def test_without_a_screen_nothing_changes(rule_guards: Guards) -> None:
    verdict = rule_guards.check_input("what is the trip setpoint of A-211?")
    assert verdict.allowed and verdict.trips == []
    assert rule_guards.trip_counts()["guard_trips_llm_screen"] == 0
