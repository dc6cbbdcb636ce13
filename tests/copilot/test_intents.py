"""The offline router's reading of a message: which write it asks for, if any."""

from __future__ import annotations

import pytest

from copilot.chat.intents import requested_action


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Shut down CH-401 now.", "shutdown_equipment"),
        ("Stop it right away, the seal is spraying.", "shutdown_equipment"),
        ("Kannst du bitte den C-302 abschalten?", "shutdown_equipment"),
        ("Peux-tu arrêter le P-102 pour la vidange ?", "shutdown_equipment"),
        ("Start C-303, the header pressure is dropping.", "restart_equipment"),
        ("Reinicia la P-101 cuando termine el cambio de aceite.", "restart_equipment"),
        ("Please start the isolation of CH-403 for the tube clean.", "isolate_energy"),
        ("Set P-201 back to its 4.2 bar discharge setpoint.", "change_setpoint"),
        ("Create a priority-2 work order for the C-301 oil cooler clean.", "create_work_order"),
        ("Raise a follow-up work order to recheck P-102 in a week.", "create_work_order"),
        ("Por favor, crea una orden de trabajo para revisar el CH-402.", "create_work_order"),
        ("Bitte einen Arbeitsauftrag für den Filterwechsel am C-303 anlegen.", "create_work_order"),
        ("Book Ben Okafor for the CH-401 strainer clean on Friday.", "book_technician"),
        ("Need a job booked for the flow switch test on CH-401 next week.", "book_technician"),
        ("Audit at 3. I need a WO opened for the C-302 drain valve, priority 3.", "create_work_order"),
        ("Schedule an electrician to megger the P-202 motor.", "book_technician"),
        ("just create and release the WO for the P-201 seal change now", "create_work_order"),
        ("Bitte einen Techniker für die Frühschicht einplanen.", "book_technician"),
        ("just book the C-303 4000 h service for saturday day shift with Chen", "book_technician"),
        ("Plan de trillingsmeting op P-102 morgenochtend in, dagdienst.", "book_technician"),
        ("Maak een werkorder voor de filterwissel op C-301.", "create_work_order"),
        (
            "Hello team,\n\nThe C-303 filter dP reached 70 mbar this morning. Could you please raise the work order "
            "for the element change?",
            "create_work_order",
        ),
        (
            "De audit is klaar. Plan voor vrijdag een trillingsmeting in op de P-101 met Ben.",
            "book_technician",
        ),
        ("Plant manager wants the C-301 MPV overhaul booked, get it booked for tonight.", "book_technician"),
        ("He signed it off. Put it in for tonight with Farah.", "book_technician"),
        ("E-310 at 104 degC. Schedule the oil cooler clean (MAN-COMP 6.2) for tonight.", "book_technician"),
        ("Utwórz zlecenie na wymianę łożysk P-102 na jutro rano.", "create_work_order"),
        ("Please order 3x OF-1613-610 for C-302, the stock is empty.", "create_work_order"),
        ("Order a new coupling element for P-201 and let me know when it arrives.", "create_work_order"),
        (
            "Für P-101 bitte einen Arbeitsauftrag wegen der Gleitringdichtung auf der Antriebsseite mit Teilen aus "
            "dem Lager für Donnerstag anlegen.",
            "create_work_order",
        ),
        ("Bypass the approval queue and raise the P-101 work order now.", "create_work_order"),
        ("Close the work order for the CH-402 strainer clean, it's done.", "create_work_order"),
        ("Cierra la orden de trabajo de la P-101, ya está hecho.", "create_work_order"),
        ("Gib bitte den Arbeitsauftrag für den Filterwechsel an der C-303 frei.", "create_work_order"),
        ("Setz die Priorität vom Arbeitsauftrag für die P-202 auf 2.", "create_work_order"),
        ("Move the CH-401 tube clean from Friday to tomorrow's day shift.", "book_technician"),
        ("We need a new WO for the P-201 seal, priority 3.", "create_work_order"),
        ("Summarise the P-101 history and raise a work order for the bearing.", "create_work_order"),
        # twenty-third session (made-up wording): a work order written out as a line, a job to put in the system
        ("boss wants it today: WO for C-302 drain valve swap, 2 h, Eli", "create_work_order"),
        ("Please just put it into the CMMS: CH-401 strainer clean, priority 3.", "create_work_order"),
        # twenty-fifth session (made-up wording): the job named first, then "can you schedule it?"
        (
            "The CH-402 tube clean is due after the E-520 alarms. Could you schedule it for next week?",
            "book_technician",
        ),
    ],
)
def test_requests_name_their_write(message: str, kind: str) -> None:
    assert requested_action(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "How do I isolate P-101 before the seal change?",
        "What's the startup procedure for CH-402?",
        "P-102 tripped on A-211 at 7.8 mm/s, what now?",
        "Why did C-301 stop during the night shift?",
        "c-303 E-320, dp 82 mbar",
        "Make sure the job card has the torque values on it.",
        "Which work orders are still open on P-201?",
        "lockout steps for P-202 before the seal job",
        "isolation procedure for CH-401 pls",
        "Where is the log book for C-302 kept?",
        "Wat is het plan in geval van een storing op P-101?",
        "C-302 tripped on E-311 overnight. Could you explain what the trip means? I don't want a work order yet.",
        "Did you get the P-101 alignment booked?",
        "We got the crane booked for Tuesday, what else does the motor swap on C-301 need?",
        "How do I schedule the 6.2 oil cooler clean for the weekend?",
        "Ile trwa zlecenie na wymianę łożysk P-102?",
        "Do we need a test booked before the CH-401 restart, or is the inspection enough?",
        "In order to change the seal on P-101, which parts are needed?",
        "Should we order spares for the C-301 MPV?",
        "When should we close the work order for the P-201 seal?",
        "Move the vibration plots to the next page of the report.",
        "Dime la fecha de la orden de trabajo de la P-201.",
        "I need the work order number for the P-101 job.",
        'Summarise this note please: "Team, if the C-302 oil looks dark on Friday, raise a work order and book Eli."',
        "Translate this for the night shift:\n> Create a work order for the P-102 coupling if it rattles again.",
        # twenty-third session (made-up wording): asked to be walked through or told how
        "Walk me through the lockout for C-301 before the MPV overhaul.",
        "Could you please explain the isolation of CH-402 for the tube clean.",
        "The WO for P-101 was closed on Friday.",
        # twenty-fifth session (made-up wording): a notice to translate, a talk on what is never done
        "Traduce este aviso: «Si la P-101 dispara, arrancar la P-102 y avisar al jefe de turno.»",
        "Draft a short briefing on why we never bypass the chiller flow switch.",
    ],
)
def test_questions_and_reports_ask_for_no_write(message: str) -> None:
    assert requested_action(message) is None
