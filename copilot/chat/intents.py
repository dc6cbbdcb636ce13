"""Intent of a technician's message, by ordered rules (the offline router's first step)."""

from __future__ import annotations

import re
from typing import Literal

from copilot.chat.entities import Entities

Intent = Literal[
    "action_request",
    "alarm_code",
    "history",
    "availability",
    "asset_status",
    "troubleshoot",
    "procedure",
    "general",
]

ACTION_PATTERNS: dict[str, tuple[str, ...]] = {
    "bypass_interlock": (
        r"\bbypass",
        r"\bdefeat",
        r"\bjumper\b",
        r"\boverride the (trip|interlock|alarm)",
        r"\bsilence the alarm",
        r"\bdisable the (trip|interlock|alarm|safety)",
    ),
    "shutdown_equipment": (r"\bshut ?down\b", r"\bstop (the|p-|c-|ch-)", r"\btrip (the|it)\b"),
    "restart_equipment": (r"\brestart\b", r"\bstart (it|the .* back|up again)", r"\bput .* back in service"),
    "isolate_energy": (r"\bisolate\b", r"\block (it )?out\b", r"\blockout\b", r"\bapply loto\b"),
    "change_setpoint": (
        r"\b(change|raise|lower|set|increase|decrease) the .*(setpoint|set point|limit|trip point)",
    ),
    "create_work_order": (
        r"\b(create|open|raise|log|make|write) (a |an |the )?(new )?(work ?order|wo|job|ticket)",
    ),
    "book_technician": (
        r"\bbook (a |an )?(tech|technician|fitter|electrician)",
        r"\bschedule (a |an )?(tech|technician)",
        r"\bassign (a |an )?(tech|technician)",
    ),
}
_HISTORY = re.compile(
    r"\b(history|last (work ?orders?|repairs?|time)|past (work|repairs|jobs)|previous|"
    r"when was .* last|how often has)\b"
)
_AVAILABILITY = re.compile(
    r"\b(who (is|'s) (available|free|on shift|on)|who can|available technicians?|on shift|free technician|"
    r"availability|(electrician|fitter|technician|tech|mechanic|engineer)s? (free|available)|"
    r"(free|available) (electrician|fitter|technician|tech|mechanic)s?)\b"
)
_NORMAL_VALUE = re.compile(
    r"\b(what is|what's|what are) the (normal|rated|design|alarm|trip)\b|\bnormal (value|level|"
    r"range|operating|reading)s?\b"
)
_STATUS = re.compile(r"\b(status|how is|how's|readings?|current values?|trend|running ok|health|doing)\b")
_TROUBLE = re.compile(
    r"\b(why|cause|causes|what could|diagnos|problem|fault|noise|noisy|leak|leaking|hot|"
    r"high|low|tripp?(ed|ing)?|vibrat|rattl|smell|smoke|drop|rising|fluctuat|unstable|"
    r"won'?t|doesn'?t|can'?t|not (start|hold|reach))\w*"
)
_PROCEDURE = re.compile(
    r"\b(how (do|to|should|can) (i|we)|how to|procedure|steps?|replace|replacing|change|"
    r"isolation|lockout|loto|torque|spare|part|parts|clean|inspect|align|grease|lubric|"
    r"start-?up|shut-?down|return to service|interval|how often)\w*"
)


def requested_action(text: str) -> str | None:
    """The write the message asks for, if any (e.g. 'create_work_order', 'shutdown_equipment').

    A question about how to do something ('how do I isolate ...') is not a request; a request is
    imperative ('shut down CH-401') or asks someone to act ('can you open a work order ...').
    """
    lower = text.lower().strip()
    asks = re.match(
        r"^(please|can you|could you|would you|will you|i need you to|go ahead|let's|lets)\b", lower
    )
    question = re.match(
        r"^(how|what|why|when|where|which|who|is|are|do|does|should|can i|could i|may i)\b", lower
    )
    if (question or "?" in lower) and not asks:
        return None
    for kind, patterns in ACTION_PATTERNS.items():
        if any(re.search(p, lower) for p in patterns):
            return kind
    return None


def classify(text: str, entities: Entities) -> Intent:
    """Ordered rules: a requested write first, then codes, then the kind of question."""
    lower = text.lower()
    if requested_action(text):
        return "action_request"
    if entities.alarm_codes:
        return "alarm_code"
    if _HISTORY.search(lower):
        return "history"
    if _AVAILABILITY.search(lower):
        return "availability"
    if entities.asset_ids and _STATUS.search(lower) and not _TROUBLE.search(lower):
        return "asset_status"
    if _NORMAL_VALUE.search(lower):
        return "general"  # an operating value: the manual's tables answer it
    if _PROCEDURE.search(lower) and not re.search(r"\b(why|cause|what could)\b", lower):
        return "procedure"
    if _TROUBLE.search(lower) or entities.failure_codes:
        return "troubleshoot"
    if _PROCEDURE.search(lower):
        return "procedure"
    return "general"
