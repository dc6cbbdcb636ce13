"""From an alert to an approved work order: pause, durability, reject, duplicates and races."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select

from copilot.errors import ConflictError, PermissionDenied, ValidationError
from copilot.investigations import decide, handle_alert, list_approvals
from copilot.models import AuditEvent, Booking, Decision, InvestigationStatus, Notification
from copilot.services import Services
from tests.helpers import fault_alert


def _pending(services: Services) -> int:
    outcome = handle_alert(services, fault_alert(services, "P-101", "PMP-BRG"))
    assert outcome.status == InvestigationStatus.pending_approval
    (approval,) = list_approvals(services)
    assert approval.investigation_id == outcome.investigation_id
    return approval.id


def test_safety_critical_plan_pauses_with_cited_evidence_and_nothing_written(services: Services) -> None:
    approval_id = _pending(services)
    view = list_approvals(services)[0]
    assert view.id == approval_id
    top = view.diagnosis["hypotheses"][0]
    assert top["failure_code"] == "PMP-BRG"
    assert any(c.startswith("INC-") for c in top["citations"]) and any(
        c.startswith("MAN-PUMP") for c in top["citations"]
    )
    work_order = next(a for a in view.actions if a["kind"] == "create_work_order")
    assert work_order["requires_approval"] and "LOTO" in work_order["payload"]["permits"]
    assert len(work_order["payload"]["safety_steps"]) >= 6
    assert services.cmms.list() == []
    with Session(services.engine) as session:
        assert session.exec(select(Booking)).all() == [] and session.exec(select(Notification)).all() == []


def test_approve_creates_exactly_one_work_order_and_a_second_decision_creates_none(
    services: Services,
) -> None:
    approval_id = _pending(services)
    outcome = decide(services, approval_id, decision=Decision.approve, user_id="olivia", comment="go")
    assert outcome.investigation_status == "done" and len(outcome.work_orders) == 1
    (order,) = services.cmms.list()
    assert order.approver == "olivia" and order.failure_code == "PMP-BRG" and order.safety_steps
    with pytest.raises(ConflictError, match="already decided: approve by olivia"):
        decide(services, approval_id, decision=Decision.approve, user_id="olivia")
    with pytest.raises(ConflictError):
        decide(services, approval_id, decision=Decision.reject, user_id="omar")
    assert len(services.cmms.list()) == 1
    with Session(services.engine) as session:
        assert len(session.exec(select(Booking)).all()) == 1
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert "approval_approve" in actions and "approval_requested" in actions


def test_reject_creates_no_work_order(services: Services) -> None:
    approval_id = _pending(services)
    outcome = decide(services, approval_id, decision=Decision.reject, user_id="omar", comment="not now")
    assert outcome.investigation_status == "rejected" and outcome.work_orders == []
    assert services.cmms.list() == []


def test_only_an_operator_may_decide_and_unknown_users_are_named(services: Services) -> None:
    approval_id = _pending(services)
    with pytest.raises(PermissionDenied, match="technician"):
        decide(services, approval_id, decision=Decision.approve, user_id="ana")
    with pytest.raises(Exception, match="unknown user 'mallory'"):
        decide(services, approval_id, decision=Decision.approve, user_id="mallory")
    assert list_approvals(services)[0].id == approval_id  # still pending


def test_edit_changes_the_work_order_but_cannot_drop_lockout(services: Services) -> None:
    approval_id = _pending(services)
    with pytest.raises(ValidationError, match="LOTO"):
        decide(
            services,
            approval_id,
            decision=Decision.edit,
            user_id="olivia",
            edits={"work_order": {"permits": []}},
        )
    with pytest.raises(ValidationError, match="did not propose"):
        decide(services, approval_id, decision=Decision.edit, user_id="olivia", edits={"reactor": {"x": 1}})
    outcome = decide(
        services,
        approval_id,
        decision=Decision.edit,
        user_id="olivia",
        edits={"work_order": {"priority": 2, "estimated_hours": 8}},
    )
    (order,) = services.cmms.list()
    assert outcome.decision == "edit" and order.priority == 2 and order.estimated_hours == 8


def test_repeated_alert_joins_the_open_investigation(services: Services) -> None:
    first = handle_alert(services, fault_alert(services, "P-101", "PMP-BRG"))
    second = handle_alert(services, fault_alert(services, "P-101", "PMP-BRG", seed=9))
    assert second.merged and second.investigation_id == first.investigation_id
    assert len(list_approvals(services)) == 1


def test_two_operators_deciding_at_once_yield_one_decision_and_one_work_order(services: Services) -> None:
    approval_id = _pending(services)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def operator(user: str) -> None:
        barrier.wait()
        try:
            decide(services, approval_id, decision=Decision.approve, user_id=user)
            results.append("won")
        except ConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=operator, args=(u,)) for u in ("olivia", "omar")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "won"]
    assert len(services.cmms.list()) == 1


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "copilot.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_approval_survives_a_restart_and_resumes_in_a_new_process(services: Services, home: Path) -> None:
    approval_id = _pending(services)
    services.close()  # the process that paused is gone; a new one decides on the same state

    decided = _cli(home, "decide", str(approval_id), "--decision", "approve", "--user", "olivia", "--json")
    assert decided.returncode == 0, decided.stderr
    assert json.loads(decided.stdout)["investigation_status"] == "done"
    orders = json.loads(_cli(home, "workorders", "--json").stdout)
    assert len(orders) == 1 and orders[0]["approver"] == "olivia"

    again = _cli(home, "decide", str(approval_id), "--decision", "approve", "--user", "olivia")
    assert again.returncode == 1 and "already decided" in again.stderr
    assert len(json.loads(_cli(home, "workorders", "--json").stdout)) == 1
