"""PersonalData: e-mail addresses, phone numbers, national ids, payment cards, IBANs, home addresses and health.

`detect="values"` finds personal data in a text and fixes it by redaction (input and output);
`detect="requests"` finds a request to obtain someone's personal data ("what is Ana's home address"), by
pattern and, given an embedder, by meaning (copilot.guards.intent's personal-request classifier), which is
refused. Reasons name the kinds found, never the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import (
    ErrorSpan,
    FailResult,
    PassResult,
    ValidationResult,
)

from copilot.guards.intent import PERSONAL_THRESHOLD, personal_request_probability
from copilot.guards.text import normalise
from knowledge.embeddings import Embedder

_UNIT_AFTER = re.compile(
    r"^\s?(?:%|bar|mbar|mm|m3|m|kg|g|a|v|kw|w|hz|rpm|nm|h|min|s|degc|°c|k|ml|l|ppm|mohm|x)\b", re.IGNORECASE
)


def luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    compact = re.sub(r"\s", "", candidate).upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_UK_NINO = re.compile(
    r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b|"
    # written in the spaced form of a National Insurance number, whatever its prefix (HMRC's own example is QQ)
    r"\b[A-Z]{2} \d{2} \d{2} \d{2} [A-D]\b"
)
_ES_DNI = re.compile(r"\b\d{8}-?[A-HJ-NP-TV-Z]\b")
_ID_CONTEXT = re.compile(
    r"\b(?:ssn|social security(?: number| no\.?)?|national (?:id|insurance)(?: number| no\.?)?|passport(?: number| "
    r"no\.?)?|id (?:number|card|no\.?)|dni|nie|bsn|personnummer|tax (?:id|number)|nin|driver'?s licen[cs]e|"
    r"steuer-?(?:id|nummer|identifikationsnummer)|sozialversicherungsnummer|(?:personal)?ausweisnummer|nif|nss|"
    r"codice fiscale|num[eé]ro de s[eé]curit[eé] sociale|pesel|cpf|numero fiscale)"
    r"\s*(?:is|ist|es|est|è|é|:|#|=|number|nummer)?\s*([A-Z0-9][A-Z0-9 -]{4,18}[A-Z0-9])",
    re.IGNORECASE,
)
_PHONE_INTL = re.compile(
    r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}(?!\w)"
)
_PHONE_NANP = re.compile(r"(?<![\w-])(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-])")
_PHONE_NATIONAL = re.compile(r"(?<![\w+.,/-])0[1-9]\d{1,3}[ /-]?\d{3,4}[ -]?\d{3,5}(?![\w/-]|[.,]\d)")
"""A national number with its trunk 0 (0151 23456789, 07700 900461); 10 to 12 digits (see find_personal_data)."""
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|cellphone|handy(?:nummer)?|telefon(?:nummer)?|rufnummer|m[oó]vil|celular|"
    r"tel[eé]fon[oe]|numero|n[uú]m[eé]ro(?: (?:perso|personnel|personal|privado|priv[eé]))?|cellulare|portable|"
    r"telem[oó]vel|"
    r"call (?:me|him|her|them)(?: (?:on|at))?|ring (?:me|him|her)"
    r"(?: on)?|text (?:me|him|her)(?: on| at)?|whatsapp|sms|number is|reach (?:me|him|her) (?:on|at)|"
    # "privé bereikbaar op 06 1234 5678" (twenty-third session, from fresh21)
    r"(?:priv[eé] )?bereikbaar(?: op)?)"
    # "mi teléfono personal es el 612 345 678" (twenty-second session, from fresh20)
    r"(?:\s+(?:personal|privado|privada|particular|privato|pessoal|prive|privee|perso))?"
    r"\s*(?::|is|on|at|es(?: el)?|est|ist|[ée](?: o)?|è)?\s*(\(?\+?\d[\d ().-]{6,18}\d)",
    re.IGNORECASE,
)
_HEALTH = re.compile(
    r"\b(?:diabetic|diabetes|epilep(?:sy|tic)|asthma(?:tic)?|pregnan(?:t|cy)|cancer|chemo(?:therapy)?|"
    r"(?:herniated|slipped|prolapsed) (?:a )?discs?|(?:takes?|taking|on) (?:insulin|antidepressants?|blood thinners|"
    r"warfarin|lithium|methadone|antipsychotics?)|heart (?:attack|condition|problem|surgery)|had a (?:hypo|stroke|"
    r"miscarriage)|hypoglyc(?:a)?emi(?:a|c)|migraines?|mental health (?:issues?|problems?|condition)|"
    r"depression|depressed|anxiety (?:disorder|attacks?)|panic attacks?|burn-?out|bipolar|adhd|autis(?:m|tic)|"
    r"hiv|(?:had|having|recovering from|after|back from|since) (?:an? |my |his |her |their )?(?:[a-z]+ )?(?:surgery|"
    r"operation on (?:his|her|their))|on light dut(?:y|ies)|rehab|"
    r"alcoholi(?:c|sm)|drug test|sick note|medical condition|disability|in hospital|"
    r"(?:broke|broken|fractured|sprained) (?:his|her|their|my) (?:wrist|arm|leg|ankle|hand|foot|collarbone|hip|"
    r"ribs?|back|knee|shoulder)|in a (?:cast|plaster cast|sling)|on crutches|krankgeschrieben|de baja m[eé]dica|"
    r"arr[eê]t maladie|"
    r"schwanger|zuckerkrank|bandscheibenvorfall|embarazada|diabetico|diabetica|enceinte|incinta)\b",
    re.IGNORECASE,
)
_SPECIAL = re.compile(
    r"\b(?:is|are|was|he'?s|she'?s|they'?re|being|as an?)\s+(?:an?\s+)?(?:practising\s+|practicing\s+|devout\s+|"
    r"strict\s+)?(?:muslim|christian|catholic|protestant|jewish|hindu|sikh|buddhist|atheist|jehovah'?s? witness|"
    r"mormon|gay|lesbian|bisexual|transgender)\b|"
    r"\b(?:fasting for ramadan|(?:observes?|observing) (?:ramadan|the sabbath|shabbat|lent)|for (?:yom kippur|eid|"
    r"diwali|passover|rosh hashanah|friday prayers?)|prays? (?:five times|at the mosque|at church|at the temple))\b|"
    r"\b(?:trade union (?:member(?:ship)?|rep(?:resentative)?)|union (?:member(?:ship)?|rep(?:resentative)?|steward)|"
    r"shop steward|joined the (?:trade )?union)\b|"
    r"\b(?:criminal record|previous convictions?|convicted of|on probation|served time|(?:was|been) in prison)\b|"
    r"\b(?:going through a divorce|getting divorced)\b",
    re.IGNORECASE,
)
"""Other special categories of personal data (GDPR art. 9 and 10): religion, sexual orientation, trade-union
membership, criminal records; and a divorce, private life that colleagues share in passing."""
_PHONE_PAIRS = re.compile(r"(?<![\w+.,/-])0[1-9](?:[ .-]\d{2}){4}(?![\w/-]|[.,]\d)")
"""A national number written in pairs with its trunk 0, as in France (06 12 34 56 78)."""
"""A health fact about a person (special-category data under GDPR): the condition is redacted, the rest kept."""
_STREET = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|terrace|close|"
    r"crescent|gardens|grove|square|sq|park|row|hill|mews|calle|avenida|rue|strasse|straße|weg|straat|via|"
    # capitalised, as addresses are written ("14 Willow Crescent"); only the words a machine's text never uses
    # this way ("Drive", "Way", "Park" and "Close" can name equipment or steps)
    r"Street|Road|Avenue|Lane|Boulevard|Crescent|Gardens|Grove|Square|Terrace|Mews)"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\.?\s+){{1,3}}{_STREET}\b\.?(?:,?\s+(?:apt|flat|unit)\.?\s*\d+\w?)?"
    r"(?:,?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?(?:,?\s+[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|,?\s+\d{4,5})?",
)
_ADDRESS_POSTCODE = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Close|Drive|Way|Park|Rise|View|Walk|Court|Place|Row|Hill|"
    r"Green|Croft|Chase|Gate|Street|Road|Avenue|Lane|Crescent|Gardens|Grove|Square|Terrace|Mews)\b,?"
    r"(?:\s+[A-Z][a-z]+){0,2},?\s+[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b",
)
"""A street address ending in a UK postcode: with the postcode, "Close", "Drive" or "Way" name a street."""
_ADDRESS_STREET_FIRST = re.compile(
    r"\b(?:[Cc]alle|[Aa]venida|[Aa]vda\.|[Pp]aseo|[Pp]la[cç]a|[Rr]ua|[Rr]ue|Via|Viale|[Cc]orso|"
    r"[Uu]l\.|[Uu]lica)\s+(?:[A-Z][\w'-]+\s+){1,3}\d{1,4}\w?(?:,?\s*\d{1,2}\s*[º°ª]?\s*[A-Za-z]?\b)?"
    r"(?:,?\s+\d{4,5}\s+[A-Z][a-z]+)?"
    r"|\b[A-Z][a-zäöü]+(?:stra(?:ss|ß)e|weg|gasse|platz|allee|straat|laan|gracht)\s+\d{1,4}\w?"
    r"(?:,?\s+\d{4,5}\s+[A-Z][a-z]+)?",
)
"""Addresses written street first, number after, as in most of Europe ("Calle Mayor 14, 3ºB, 28013 Madrid")."""
_ADDRESS_FRENCH = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:[Rr]ue|[Aa]venue|[Bb]oulevard|[Bb]d|[Cc]hemin|[Aa]ll[ée]e|[Ii]mpasse|"
    r"[Pp]lace|[Qq]uai|[Rr]oute|[Cc]ours)\s+(?:(?:de la|de|des|du|d'|l'|la|le|les)\s*)?[A-ZÀ-Ý][\w'-]+"
    r"(?:\s+[A-ZÀ-Ý][\w'-]+){0,2}(?:,?\s+\d{5}\s+[A-ZÀ-Ý][\w-]+)?",
)
"""French addresses: number, street type, then name ("27 rue des Lilas, 69003 Lyon")."""
_ADDRESS_CONTEXT = re.compile(
    r"\b(?:lives? at|living at|home address(?: is)?|address is|resides at|house is at|flat is at)\s*:?\s*"
    r"([^\n.;]{6,80})",
    re.IGNORECASE,
)

KIND_LABELS = {
    "email": "e-mail address",
    "phone": "phone number",
    "national_id": "national id number",
    "card": "payment card number",
    "iban": "IBAN",
    "address": "home address",
    "health": "health information",
    "special": "religion, sexual orientation, union membership or criminal record",
}


def _phone_digits_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 7 <= len(digits) <= 15


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in a text, as non-overlapping spans (first kind wins)."""
    found: list[Finding] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(f.start < end and start < f.end for f in found):
            return
        found.append(Finding(kind, start, end))

    for m in _EMAIL.finditer(text):
        add("email", m.start(), m.end())
    for m in _IBAN.finditer(text):
        if iban_ok(m.group(0)):
            add("iban", m.start(), m.end())
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            add("card", m.start(), m.end())
    for pattern in (_SSN, _UK_NINO, _ES_DNI):
        for m in pattern.finditer(text):
            add("national_id", m.start(), m.end())
    for m in _ID_CONTEXT.finditer(text):
        if re.search(r"\d", m.group(1)):
            add("national_id", m.start(1), m.end(1))
    for pattern in (_PHONE_INTL, _PHONE_NANP):
        for m in pattern.finditer(text):
            if _phone_digits_ok(m.group(0)) and not _UNIT_AFTER.match(text[m.end() :]):
                add("phone", m.start(), m.end())
    for m in _PHONE_NATIONAL.finditer(text):
        if 10 <= len(re.sub(r"\D", "", m.group(0))) <= 12 and not _UNIT_AFTER.match(text[m.end() :]):
            add("phone", m.start(), m.end())
    for m in _PHONE_PAIRS.finditer(text):
        add("phone", m.start(), m.end())
    for m in _PHONE_CONTEXT.finditer(text):
        if _phone_digits_ok(m.group(1)) and not _UNIT_AFTER.match(text[m.end(1) :]):
            add("phone", m.start(1), m.end(1))
    for pattern in (_ADDRESS, _ADDRESS_POSTCODE, _ADDRESS_STREET_FIRST, _ADDRESS_FRENCH):
        for m in pattern.finditer(text):
            add("address", m.start(), m.end())
    for m in _ADDRESS_CONTEXT.finditer(text):
        if re.search(r"\d", m.group(1)):
            add("address", m.start(1), m.end(1))
    for m in _HEALTH.finditer(text):
        add("health", m.start(), m.end())
    for m in _SPECIAL.finditer(text):
        add("special", m.start(), m.end())
    return sorted(found, key=lambda f: f.start)


def redact(text: str, findings: Iterable[Finding]) -> str:
    out, last = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out.append(text[last : f.start])
        out.append(f"[{f.kind.upper()} REDACTED]")
        last = f.end
    out.append(text[last:])
    return "".join(out)


_ATTRIBUTES = (
    r"(?:home address|address|house|flat|apartment|where (?:he|she|they) lives?|phone(?: number)?|"
    r"mobile(?: number)?|cell(?: number)?|cellphone|telephone(?: number)?|(?:personal |private )?number|"
    r"e-?mail(?: address)?|date of birth|birthday|dob|salary|pay ?slip|pay rate|wages|bank(?: details| account)?|iban|"
    r"account number|card number|credit card|ssn|social security(?: number)?|national (?:id|insurance)(?: number)?"
    r"|passport(?: number)?|id number|medical (?:history|records?|condition)|health (?:condition|problems?|"
    r"issues?|records?)|sick(?:ness)? (?:leave|note|"
    r"record)|illness|diagnosis|religion|politics|political views|family|wife|husband|kids|children|"
    r"girlfriend|boyfriend|partner|password|login|car registration|licen[cs]e plate|social media|instagram|"
    r"facebook|linkedin|disciplinary (?:record|history)|performance review)"
)
_PERSON_GENERIC = (
    r"(?:his|her|their|him|them|employee'?s?|colleague'?s?|co-?worker'?s?|coworker'?s?|technician'?s?|"
    r"operator'?s?|manager'?s?|supervisor'?s?|someone'?s?|somebody'?s?|person'?s?|staff|worker'?s?|the new "
    r"guy'?s?|the new girl'?s?|everyone'?s?|everybody'?s?|all (?:the )?(?:technicians|operators|staff)'?s?|"
    r"t-0\d'?s?)"
)
_ASK = (
    r"(?:what(?:'s| is| are)|what'?re|give me|tell me|send me|share|find|look up|lookup|get me|show me|list|"
    r"do you (?:have|know)|can (?:you|i) (?:get|have|find|see)|i need|need|where (?:does|do)|which|dig up|pull up)"
)


def _name_alternatives(names: Iterable[str]) -> str:
    """The people's names and name parts (3 letters or more), longest first, as a regex alternation in the
    normalised form the checks match on ("" when there are none)."""
    alternatives = sorted({normalise(n) for n in names if len(n) >= 3}, key=len, reverse=True)
    return "|".join(re.escape(a) for a in alternatives)


def _request_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    named = _name_alternatives(names)
    person = rf"(?:{_PERSON_GENERIC}|(?:{named})(?:'s|s')?)" if named else _PERSON_GENERIC
    colleague_de = rf"(?:{person}|(?:dem |der )?(?:kollegen|kollegin|mitarbeiter\w*))"  # after "von"
    return [
        re.compile(rf"\b{_ASK}\b[^?.!\n]{{0,40}}\b{person}\s+(?:\w+\s+)?{_ATTRIBUTES}(?:e?s)?\b"),
        re.compile(
            rf"\b{_ASK}\b[^?.!\n]{{0,30}}\b{_ATTRIBUTES}(?:e?s)?\s+(?:of|for|belonging to)\s+{person}"
        ),
        re.compile(rf"\bwhere (?:does|do|did)\s+{person}\s+(?:live|stay|reside|sleep)\b"),
        re.compile(
            rf"\bhow (?:old is|much does|much is)\s+{person}\b[^?.!\n]{{0,20}}(?:\bpaid|\bearn|\bmake|\bold|$|\?)"
        ),
        re.compile(
            rf"\b(?:is|was)\s+{person}\s+(?:sick|ill|pregnant|on (?:sick|medical|maternity) leave|in hospital|"
            r"getting divorced|in trouble|being fired|on a disciplinary)"
        ),
        re.compile(rf"\bwhy (?:is|was)\s+{person}\s+(?:off|absent|away|sick|not (?:at|in) work)\b"),
        # "Is Ana Ruiz off sick because of a pregnancy or something else?"
        re.compile(
            rf"\b(?:is|was|has)\s+{person}\s+(?:been\s+)?(?:off|out|away|absent)\s+sick\s+(?:because|due to|with)\b"
        ),
        # "I need to know what's going on medically"
        re.compile(r"\bwhat(?:'s| is) (?:actually |really )?(?:going on|wrong)\b[^?.!\n]{0,30}\bmedically\b"),
        # "which technicians are on sick leave and what's wrong with each of them?"
        re.compile(
            r"\b(?:on sick leave|off sick|out sick|on medical leave|signed off sick|in hospital)\b[^?.!\n]{0,60}"
            r"\bwhat(?:'s| is) (?:actually |really )?wrong with\b"
        ),
        # "Does the system hold any notes on his medical condition?" (fourteenth session)
        re.compile(
            r"\b(?:holds?|have|has|keeps?|stores?|any)\b[^?.!\n]{0,30}\b(?:notes?|records?|files?|information|info|"
            rf"details|anything)\s+(?:on|about|of|for)\s+{person}\s+(?:\w+\s+)?{_ATTRIBUTES}(?:e?s)?\b"
        ),
        # "Zeig mir die letzte Leistungsbeurteilung von Ben Okafor" (fourteenth session)
        re.compile(
            r"\b(?:zeig|gib|schick|nenn|sag|such|find)\w*\b[^?.!\n]{0,40}\b(?:leistungsbeurteilung|beurteilung|"
            r"personalakte|abmahnung|krankmeldung|krankenakte|diagnose|gehalt|lohnabrechnung|privatadresse|"
            r"wohnadresse|adresse|handynummer|privatnummer|telefonnummer|geburtsdatum)\w*\b[^?.!\n]{0,20}\b"
            rf"(?:von|der|des|vom)\s+{colleague_de}"
        ),
        # a colleague's private address or birth date, the verb anywhere (twenty-first session, from fresh19): "Kannst
        # du mir die Privatadresse und das Geburtsdatum von Ben Okafor geben?"
        re.compile(
            r"\b(?:privatadresse|wohnadresse|heimadresse|privatanschrift|privatnummer|handynummer|geburtsdatum|"
            rf"geburtstag)\w*\b[^?.!\n]{{0,40}}\b(?:von|vom)\s+{colleague_de}"
        ),
        # the same in Spanish, French, Italian, Portuguese, Dutch and Polish (twenty-third session, from fresh21:
        # "Necesito el DNI y la fecha de nacimiento de Ana Ruiz")
        re.compile(
            r"\b(?:dni|pasaporte|fecha de nacimiento|cumpleanos|direccion (?:particular|personal|privada|de casa)|"
            r"domicilio|(?:movil|telefono|numero) (?:personal|privado|particular)|salario|sueldo|nomina|data di nascita|"
            r"codice fiscale|indirizzo di casa|(?:cellulare|numero) privato|stipendio|date de naissance|adresse "
            r"(?:personnelle|perso|privee|du domicile)|numero de securite sociale|salaire|geboortedatum|woonadres|"
            r"priveadres|(?:prive|mobiele) ?nummer|salaris|data urodzenia|adres domowy|pensja|data de nascimento|"
            r"morada|(?:telemovel|numero) pessoal)\b[^?.!\n]{0,40}\b(?:de|di|du|van|d'|od|do|da|del|della)\s*"
            rf"{person}"
        ),
        # what a colleague earns, asked in the site's languages, and what a colleague's doctor said (twenty-fourth
        # session, from fresh22: "Wie viel verdient Chen Wei eigentlich im Monat?", "Is Eli Mensah off again because
        # of his back? What did the doctor actually say?")
        re.compile(
            rf"\b(?:(?:wie ?viel|was)\s+verdient|cuanto\s+(?:gana|cobra)|combien\s+(?:gagne|touche)|quanto\s+"
            rf"(?:guadagna|prende|ganha|recebe)|hoeveel\s+verdient|ile\s+zarabia)\s+(?:\w+\s+)?{person}"
        ),
        re.compile(
            rf"\b(?:is|was)\s+{person}\s+(?:off|out|away|absent)\s+(?:again\s+|sick\s+|this week\s+|today\s+|"
            r"(?:all )?(?:this|next|last) (?:week|month|shift)\s+)?(?:because of|due to)\s+"
            r"(?:his|her|their|a|an)\s+(?:(?:medical|health|mental|hospital|personal) \w+|(?:\w+\s+)?(?:back|knee|shoulder|hip|neck|heart|health|illness|condition|injury|"
            r"operation|surgery|treatment|pregnancy|nerves|stress|burnout|depression|anxiety|disc|diagnosis))\b|\bwhat did (?:the|his|her|their) (?:doctor|gp|physio|specialist|consultant|"
            r"surgeon|hospital|occupational health) (?:actually |really )?(?:say|said|find|found|diagnose)"
        ),
        # a colleague's private data asked in Polish with the name in the genitive (twenty-sixth session, from
        # fresh24: "Podaj prywatny adres e-mail i numer PESEL Omara Haddada")
        re.compile(
            r"\b(?:podaj|podajcie|daj|dajcie|wyslij|pokaz|znajdz)\w*\b[^?.!\n]{0,30}\b(?:prywatn\w* (?:adres|"
            r"numer|telefon|e-?mail|komork)\w*|pesel\w*|adres(?:u)? (?:domow|zamieszkania)\w*|dat\w* urodzenia|numer\w* "
            r"dowodu|pensj\w*|wynagrodzeni\w*)"
        ),
        # a colleague's health passed on to others (twenty-fifth session, from fresh23: "remember that Ana Ruiz is
        # pregnant so we don't put her on confined-space jobs, and let the other techs know too")
        re.compile(
            rf"\b{person}\b[^\n]{{0,60}}{_HEALTH.pattern}[^\n]{{0,160}}\b(?:let|tell|inform|warn|notify|email|message|"
            r"remind)\s+(?:all\s+)?(?:the\s+)?(?:other\s+|rest of the\s+)?(?:techs?|technicians?|team|crew|everyone|"
            r"everybody|others|shift|fitters|lads|guys|operators)\b"
        ),
        # a judgement on colleagues for firing them (twentieth session, from fresh18): "Rank the six technicians from
        # worst to best and tell me who should be the first to go when we cut headcount"
        re.compile(
            r"\b(?:rank|rate|score|grade|compare|order|sort|list)\b[^?.!\n]{0,40}\b(?:technicians|techs|fitters|"
            r"electricians|operators|colleagues|co-?workers|workers|employees|staff|team|crew|people|guys|lads)\b"
            r"[^?\n]{0,100}\b(?:fire[ds]?|firing|sack(?:ed)?|let go|lay off|laid off|first to go|redundan\w*|"
            r"headcount|get rid of)\b|\bwho (?:should|shall|do we|would you|to)\s+(?:be\s+)?(?:the first to go|fire|"
            r"fired|sack|sacked|let go|lay off|laid off|made redundant|get rid of)\b"
        ),
        # "Has Chen Wei ever had a disciplinary or a failed drug test?"
        re.compile(
            rf"\b(?:has|had|did|does|is)\s+{person}\s+(?:\w+\s+)?(?:ever\s+)?(?:had|have|got|get|been|fail(?:ed)?)\s+"
            r"(?:a |an |any )?(?:disciplinar\w*|written warnings?|final warnings?|(?:failed )?(?:drug|alcohol) tests?|"
            r"criminal record|convictions?|(?:sick|medical) leave|sick notes?|complaints? against)"
        ),
    ]


_PERSON_WORDS = (
    r"he|she|him|her|his|hers|they|them|their|theirs|himself|herself|someone|somebody|anyone|anybody|everyone|"
    r"everybody|who|whom|whose|people|persons?|colleagues?|co-?workers?|guys?|girls?|lads?|mates?|staff|employees?|"
    r"workers?|techs?|technicians?|fitters?|electricians?|operators?|engineers?|apprentices?|contractors?|crew|team|"
    r"shifts?|supervisors?|managers?|boss|users?|names|accounts?|logins?|passwords?|credentials|wife|husband|partner|"
    r"kids?|children|family|girlfriend|boyfriend|neighbou?rs?|sie|ihm|ihr|ihre|ihren|seine?n?|jemand|jemandem|"
    r"kolleg(?:e|en|in|innen)|mitarbeiter\w*|alguien|companer[oa]s?|trabajador\w*|empleado\w*|elle|ses|quelqu'un|"
    r"collegues?|employe\w*|qualcuno|colleg(?:a|hi|he)|dipendent\w*|alguem|colegas?|funcionari\w*|hij|zij|hem|haar|"
    r"zijn|iemand|collega'?s|medewerker\w*|ktos|kolega\w*|pracownik\w*|jego|jej"
)
"""Words that point at a person, in the site's languages (matched on normalised text: no accents)."""


def _person_reference(names: Iterable[str]) -> re.Pattern[str]:
    """A word that refers to a person, or one of the site's people by name: a request for personal data is
    about someone, so the classifier alone refuses only a message that has one. Of the development sets' 63
    personal-data requests and the 118 training ones, all but one (an export of the user table, now covered by
    its words) name or point at a person; "Has C-301 had leaks before? Show me the past incidents" names no one."""
    named = _name_alternatives(names)
    return re.compile(rf"\b(?:{_PERSON_WORDS}{'|' + named if named else ''})\b")


def _first_names(names: Iterable[str]) -> list[str]:
    out = set()
    for name in names:
        out.add(name)
        out.update(part for part in name.split() if len(part) >= 3)
    return sorted(out)


@register_validator(name="copilot/personal_data", data_type="string")
class PersonalData(Validator):  # type: ignore[misc]
    """Personal data: `detect='values'` redacts (fix); `detect='requests'` flags asking for someone's data."""

    def __init__(
        self,
        detect: str = "values",
        people: list[str] | None = None,
        embedder: Embedder | None = None,
        model_dir: Path | None = None,
        on_fail: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(on_fail=on_fail, detect=detect, people=people, **kwargs)
        self.detect = detect
        self.embedder = embedder
        self.model_dir = model_dir
        names = _first_names(people or [])
        self._requests = _request_patterns(names)
        self._person = _person_reference(names)

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        text = str(value)
        if self.detect == "requests":
            return self._check_request(text)
        findings = find_personal_data(text)
        if not findings:
            return PassResult()
        kinds = sorted({f.kind for f in findings})
        return FailResult(
            error_message="personal data redacted: " + ", ".join(KIND_LABELS[k] for k in kinds),
            fix_value=redact(text, findings),
            error_spans=[ErrorSpan(start=f.start, end=f.end, reason=f.kind) for f in findings],
            metadata={"kinds": kinds, "count": len(findings)},
        )

    def _check_request(self, text: str) -> ValidationResult:
        lower = normalise(text)
        for pattern in self._requests:
            if match := pattern.search(lower):
                attribute = next(
                    (a for a in re.findall(_ATTRIBUTES, match.group(0))),
                    "personal details",
                )
                return FailResult(
                    error_message=(
                        f"it asks for someone's personal data ({attribute}): the copilot does not share "
                        "colleagues' personal details; ask HR or the person directly"
                    ),
                    metadata={"attribute": attribute},
                )
        # The classifier alone does not refuse a message that itself gives personal data (a phone number, an
        # address, a health fact): that message supplies data rather than asks for it, and the values check
        # redacts what it gives. On the development sets 47 of the 52 cases that give data and expect it
        # redacted carry such values, and 1 of the 53 that ask for someone's data (seventh session).
        if self.embedder is not None and self._person.search(lower) and not find_personal_data(text):
            probability = personal_request_probability(self.embedder, text, self.model_dir)
            if probability >= PERSONAL_THRESHOLD:
                return FailResult(
                    error_message=(
                        "it reads as a request for someone's personal data (contact details outside work, home, "
                        "identity numbers, pay, health, discipline, whereabouts or private life): the copilot does "
                        "not share colleagues' personal details; ask HR or the person directly"
                    ),
                    metadata={"probability": round(probability, 3)},
                )
        return PassResult()
