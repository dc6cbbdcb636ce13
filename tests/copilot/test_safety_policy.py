"""The safety policy as data: what needs approval, which permits apply, and unknown actions."""

from __future__ import annotations

from copilot.safety.policy import classify, default_policy

ENERGIZED = {"energized": True, "pressurized": False, "criticality": "C"}
SAFE = {"energized": False, "pressurized": False, "criticality": "C"}


def test_unknown_action_requires_approval() -> None:
    verdict = classify(default_policy(), kind="vent_the_reactor", payload={}, asset=SAFE)
    assert verdict.requires_approval and "does not know" in verdict.reasons[0]


def test_work_on_energized_equipment_requires_approval_and_lockout() -> None:
    verdict = classify(
        default_policy(), kind="create_work_order", payload={"priority": 3, "permits": []}, asset=ENERGIZED
    )
    assert verdict.requires_approval and "LOTO" in verdict.permits


def test_priority_one_work_order_requires_approval_even_on_safe_equipment() -> None:
    policy = default_policy()
    assert classify(
        policy, kind="create_work_order", payload={"priority": 1, "permits": []}, asset=SAFE
    ).requires_approval
    assert not classify(
        policy, kind="create_work_order", payload={"priority": 3, "permits": []}, asset=SAFE
    ).requires_approval


def test_notifications_and_bookings_run_without_approval_but_shutdowns_do_not() -> None:
    policy = default_policy()
    assert not classify(
        policy, kind="notify", payload={"priority": "high"}, asset=ENERGIZED
    ).requires_approval
    assert not classify(policy, kind="book_technician", payload={}, asset=ENERGIZED).requires_approval
    for kind in ("shutdown_equipment", "restart_equipment", "change_setpoint", "isolate_energy"):
        assert classify(policy, kind=kind, payload={}, asset=SAFE).requires_approval, kind


def test_bypassing_an_interlock_is_forbidden() -> None:
    verdict = classify(default_policy(), kind="bypass_interlock", payload={}, asset=SAFE)
    assert verdict.forbidden and verdict.requires_approval


def test_only_operators_approve() -> None:
    policy = default_policy()
    assert [str(r) for r in policy.approver_roles] == ["operator"] and policy.self_approval is False
