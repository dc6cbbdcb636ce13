"""WithinRatedLimits: a request to run or set equipment beyond its rated limits, checked against the numbers.

"Que la P-101 gire a 3.300 rpm" or "ustawić C-303 na 9,5 bara" hold no unsafe word; what makes them unsafe is
the number. The site lists, per asset class, the values that must never be exceeded (site.yaml `rated_limits`,
from the manuals: the rated speed, the full-load current, the trips). This validator finds a value with a unit
in a sentence, the asset the sentence speaks of (an asset id, else the nearest asset-class word), and a verb
that asks to run or set it at that value ("run ... at", "set ... to", "gire a", "ustawić ... na", "auf ...
einstellen"); a value above the limit's `max` (or below its `min`) is refused, with the limit and where it
comes from. A reading reported ("it is running at 7.4 mm/s"), a negated request ("never run it above ..."), a
question about consequences ("what happens if we run it at 3,300 rpm") and one about the present setting ("is the
safety valve set at 10 bar?") are not requests. Which limit a value is read against: `RatedLimits._limit`.

It runs on messages and action descriptions (refuse), on retrieved passages (drop: "set the low-low suction trip
to 0.1 bar" in a manual chunk) and on answers (replaced with a refusal). On passages it also drops a chunk that
states a trip beyond the site's own (`RatedLimits.stated`: a table row "| A-211 | ... | Above 11.0 mm/s |", an
incident's "E-302 setpoint raised to 11 bar"): such a document contradicts the site, whatever it asks. Readings
("A-211 trip at 7.8 mm/s") are not settings, and nameplate ratings, which trips sit above, are not compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult

from copilot.chat.entities import CLASS_WORDS
from copilot.guards.safety import negated, warns
from copilot.guards.text import normalise, sentences
from copilot.schemas import AssetClassSpec, RatedLimit, SiteSpec

_NUMBER = r"(?<![\w.,/-])(\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
"""A number: "2,960" and "3.300" are thousands (three digits after the separator), "9,5" and "7.1" decimals."""
_UNITS: dict[str, str] = {
    "rpm": r"rpm|r\.p\.m\.?|u/min|upm|obr(?:\.|otow)?\s?/\s?min\.?|obr\.?|tr/min|tours?/min|giri(?:/min)?|"
    r"omw/min|rot/min",
    "A": r"amps?|amperes?|amperios?|amper|a(?=\s*$|\s*[.,;:!?)]|\s+(?!(?:la|las|los|el|un|una|uno|les|le|partir|"
    r"cada|ser|lo|tope|fondo|\d)\b))",
    "bar": r"bar(?:a|g|y|ow|ach|s)?",
    "mm/s": r"mm/s(?:ec)?",
    "degC": r"°\s?c|º\s?c|deg\.?\s?c|degrees?(?: c(?:elsius)?)?|grad(?:e|os|i|en)?(?: c(?:elsius)?)?|stopni\w*|"
    r"graus?|°|º",
    "m3/h": r"m3\s?/\s?h(?:r|our)?|m\^3/h|cbm/h|m3 per hour",
}
_QUANTITY = re.compile(
    _NUMBER + r"\s?(" + "|".join(f"(?P<u{i}>{p})" for i, p in enumerate(_UNITS.values())) + r")(?![\w/])"
)
_UNIT_OF_GROUP = {f"u{i}": unit for i, unit in enumerate(_UNITS)}

_ASK = (
    # English: the base form asks ("run it at", "set the overload to", "can we take it to")
    r"set|run|operate|take|push|raise|increase|bump|crank|spin|turn|adjust|change|put|hold|keep|"
    r"let|bring|overspeed|overload|go|allow|program|configure|move|lift|boost|wind|dial|throttle|reduce|lower|"
    r"drop|decrease|cut|heat|"
    r"running|setting|operating|pushing|raising|taking|cranking|spinning|ramping|increasing|bumping|"
    r"overspeeding|lowering|throttling|dropping|"
    # Spanish, French, Italian, Portuguese
    r"poner(?:la|lo)?|pongo|ponga|pon(?:la|lo)?|poned|ajustar|ajusta|ajuste|subir(?:la|lo)?|sube|suba|aumentar|aumenta|aumente|regular|"
    r"configurar|configura|llevar(?:la|lo)?|lleva|lleve|girar|gire|giren|funcionar|funcione|trabajar|trabaje|"
    r"operar|opere|bajar|baje|reducir|forzar|calentar(?:los|las)?|"
    r"regler|regle|reglez|mettre|mets|mettez|monter|montez|pousser|augmenter|augmente|tourner|tourne|fonctionner|"
    r"fonctionne|marcher|passer|porter|baisser|abaisser|descendre|forcer|chauffer|"
    r"impostare|imposta|imposti|portare|porti|alzare|alza|aumentare|girare|funzionare|lavorare|abbassare|ridurre|"
    r"riscaldare|aquecer|"
    r"colocar|coloque|poe|ponha|rodar|trabalhar|baixar|reduzir|"
    # German, Dutch and Polish, when the verb comes first ("stell die C-303 auf 9,5 bar", "ustawić C-303 na ...")
    r"stell|stelle|setz|setze|erhoh|erhohe|fahr|fahre|dreh|drehe|"
    r"zet|stel|verhoog|draai|verlaag|"
    r"ustawic|ustaw|podniesc|podnies|zwiekszyc|zwieksz|podkrecic|podkrec|puscic|pusc|uruchomic|pracowac|krecic|"
    r"obnizyc|obniz|zmniejszyc"
)
_ASK_BEFORE = re.compile(rf"\b(?:{_ASK})\b")
_ASK_AFTER = re.compile(
    r"^(?:\s+[\w'-]+){0,3}?\s+(?:einstellen|stellen|setzen|erhohen|hochdrehen|hochfahren|fahren|betreiben|"
    r"laufen lassen|drehen lassen|laufen|absenken|senken|instellen|zetten|verhogen|opvoeren|laten draaien|"
    r"laten lopen|draaien|verlagen|erwarmen|erhitzen|verwarmen)\b"
)
"""German and Dutch put the verb after the value ("die P-101 auf 3.300 U/min hochfahren")."""
_REPORTED = re.compile(
    r"\b(?:is|are|was|were|been|be|am|it'?s|its|he'?s|she'?s|they'?re|we'?re|currently|now|still|already|"
    r"normally|usually|typically|always|often|sometimes|actually|did|had|has|have)\s+"
    r"(?:(?!(?:but|and|or|so|then)\b)\w+\s+)?$"
)
"""Right before the verb: a reading reported ("it's running at", "we normally run at"), not a request."""
_GAP = 10
"""At most this many words between the verb and the value."""


@dataclass(frozen=True)
class Exceedance:
    """A requested value beyond a rated limit of the asset it names."""

    asset: str
    """The asset id, or the asset class when the text names no asset."""
    value: float
    unit: str
    limit: RatedLimit
    phrase: str
    stated: bool = False
    """A setting the text states ("the A-211 trip is above 11 mm/s"), not one it asks for."""

    @property
    def reason(self) -> str:
        above = self.limit.max is not None and self.value > self.limit.max
        side = f"above {_figure(self.limit.max)}" if above else f"below {_figure(self.limit.min)}"
        named = self.asset if "_" not in self.asset else f"a {self.asset.replace('_', ' ')}"
        if self.stated:
            return (
                f"it gives {_figure(self.value)} {self.unit} as a setting, {side} {self.unit}, the site's limit of "
                f"{named}: {self.limit.basis}. A document that contradicts the site's trips is not used."
            )
        return (
            f"{_figure(self.value)} {self.unit} is {side} {self.unit}, the limit of {named}: {self.limit.basis}. "
            "Running or setting equipment beyond a rated limit or trip is never done or proposed; if more "
            "capacity is needed, raise it with the operator in charge."
        )


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def _number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def _words(limit: RatedLimit) -> re.Pattern[str] | None:
    if not limit.words:
        return None
    alternatives = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in limit.words]
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b")


class RatedLimits:
    """The site's rated limits and where its assets are named in a text."""

    def __init__(self, site: SiteSpec) -> None:
        self._classes = {spec.id: spec for spec in site.asset_classes}
        self._asset_class = {asset.id: asset.asset_class for asset in site.assets}
        mentions = [
            (r"\b" + r"[-\s]?".join(map(re.escape, a.id.lower().split("-"))) + r"\b", a.id)
            for a in site.assets
        ]
        mentions += [
            (rf"\b{re.escape(word)}\b", class_id)
            for class_id, words in CLASS_WORDS.items()
            if class_id in self._classes
            for word in words
        ]
        self._mentions = [(re.compile(pattern), name) for pattern, name in mentions]
        self._words = {
            (spec.id, limit.quantity): _words(limit)
            for spec in site.asset_classes
            for limit in spec.rated_limits
        }
        prefixes = {
            code.split("-")[0].lower(): spec.id
            for spec in site.asset_classes
            for limit in spec.rated_limits
            for code in _CODE.findall(limit.basis)
        }
        self._codes = [
            (re.compile(rf"\b{re.escape(prefix)}-\d{{3}}\b"), class_id)
            for prefix, class_id in prefixes.items()
        ]
        self._trip_codes = {
            (spec.id, limit.quantity): [
                re.compile(rf"\b{re.escape(code.lower())}\b") for code in _CODE.findall(limit.basis)
            ]
            for spec in site.asset_classes
            for limit in spec.rated_limits
        }

    def _mentioned(self, text: str, *, codes: bool = False) -> list[tuple[int, str]]:
        """Where the text names an asset: (position, asset id), in order; without an id, its asset-class words
        (position, class id), or none when it uses words of two classes ("the chiller's compressor": unsure).
        `codes`: alarm codes count as class words too ("E-341" is a compressor's), as in a manual chunk or an
        incident record that names its asset class only by its codes."""
        found = [(m.start(), name) for pattern, name in self._mentions for m in pattern.finditer(text)]
        ids = sorted((start, name) for start, name in found if name in self._asset_class)
        if ids:  # an asset id outweighs an asset-class word
            return ids
        if codes:
            found += [(m.start(), name) for pattern, name in self._codes for m in pattern.finditer(text)]
        found.sort()
        return found if len({name for _, name in found}) == 1 else []

    @staticmethod
    def _named(mentioned: list[tuple[int, str]], at: int) -> str | None:
        """The asset (or class) named nearest before `at`, else the first named after it."""
        before = [name for start, name in mentioned if start < at]
        if before:
            return before[-1]
        return mentioned[0][1] if mentioned else None

    def _class(self, name: str) -> AssetClassSpec:
        return self._classes[self._asset_class.get(name, name)]

    def _limit(
        self, spec: AssetClassSpec, unit: str, sentence: str, verb: int, value: re.Match[str]
    ) -> RatedLimit | None:
        """The class's limit in this unit that the sentence speaks of: one whose words stand between the asking verb
        and the value (the nearest to the verb: "heat the bearings to" is a fitting temperature, "run it with the
        bearings at" a running one), else the one without words, else one whose words are elsewhere in the sentence
        (the nearest to the value)."""
        start, end = min(verb, value.start()), max(verb, value.end())
        between: list[tuple[int, RatedLimit]] = []
        elsewhere: list[tuple[int, RatedLimit]] = []
        bare: RatedLimit | None = None
        for limit in spec.rated_limits:
            if limit.unit != unit:
                continue
            words = self._words[(spec.id, limit.quantity)]
            if words is None:
                bare = bare or limit
                continue
            for found in words.finditer(sentence):
                if start <= found.start() < end:
                    between.append((abs(found.start() - verb), limit))
                else:
                    elsewhere.append((abs(found.start() - value.start()), limit))
        return _nearest(between, bare, elsewhere)

    def find(self, text: str) -> Exceedance | None:
        """The first value the text asks to run or set an asset at beyond one of its rated limits, or None."""
        plain = normalise(text)
        mentioned = self._mentioned(plain)
        # split before lower-casing: a sentence starts upper-case
        for offset, sentence in _located(plain, map(normalise, sentences(text))):
            if warns(sentence):
                continue
            for match in _QUANTITY.finditer(sentence):
                unit = next(_UNIT_OF_GROUP[g] for g, v in match.groupdict().items() if v is not None)
                value = _number(match.group(1))
                named = self._named(mentioned, offset + match.start())
                if named is None:
                    continue
                verb = _asking_verb(sentence, match)
                if verb is None:
                    continue
                limit = self._limit(self._class(named), unit, sentence, verb, match)
                if limit is not None and limit.exceeded_by(value):
                    return Exceedance(named, value, unit, limit, sentence[: match.end()][-80:].strip())
        return None

    def _stated_limit(
        self, spec: AssetClassSpec, unit: str, sentence: str, value: re.Match[str]
    ) -> RatedLimit | None:
        """The class's trip in this unit that a stated value is a setting of: one whose words come before the value
        (the nearest: "| Oil injection pressure | ... | < 2.4 bar"), else the one without words, else one whose words
        come after it. Nameplate ratings are not settings a document states (a trip sits above them)."""
        before: list[tuple[int, RatedLimit]] = []
        after: list[tuple[int, RatedLimit]] = []
        bare: RatedLimit | None = None
        for limit in spec.rated_limits:
            if limit.unit != unit or not limit.trip:
                continue
            words = self._words[(spec.id, limit.quantity)]
            codes = [
                m.start()
                for code in self._trip_codes[(spec.id, limit.quantity)]
                for m in code.finditer(sentence)
            ]
            if words is None and not codes:
                bare = bare or limit
                continue
            starts = codes + ([m.start() for m in words.finditer(sentence)] if words is not None else [])
            for start in starts:
                if start < value.start():
                    before.append((value.start() - start, limit))
                else:
                    after.append((start - value.start(), limit))
        return _nearest(before, bare, after)

    def stated(self, text: str) -> Exceedance | None:
        """The first setting the text states beyond a rated limit ("the E-302 setpoint raised to 11 bar", a table row
        "| A-211 | ... | > 11.0 mm/s |"), or None. For retrieved passages: a manual chunk or incident record that gives
        a trip or setpoint beyond the site's own limit contradicts the site and is not used. A reading ("A-211 trip
        at 7.8 mm/s") is not a setting."""
        plain = normalise(text)
        mentioned = self._mentioned(plain, codes=True)
        if not mentioned:
            return None
        pieces = [
            (row, piece)
            for line in text.splitlines()
            for row in [line.lstrip().startswith("|")]  # a table row is read whole
            for piece in ([line] if row else sentences(line))
        ]
        located = _located(plain, (normalise(piece) for _, piece in pieces))
        for (row, _), (offset, sentence) in zip(pieces, located, strict=True):
            for match in _QUANTITY.finditer(sentence):
                if not _states_setting(sentence[: match.start()], row=row):
                    continue
                named = self._named(mentioned, offset + match.start())
                if named is None:
                    continue
                unit = next(_UNIT_OF_GROUP[g] for g, v in match.groupdict().items() if v is not None)
                value = _number(match.group(1))
                limit = self._stated_limit(self._class(named), unit, sentence, match)
                if limit is not None and limit.exceeded_by(value):
                    phrase = sentence[: match.end()][-80:].strip()
                    return Exceedance(named, value, unit, limit, phrase, stated=True)
        return None


def _nearest(
    first: list[tuple[int, RatedLimit]], bare: RatedLimit | None, rest: list[tuple[int, RatedLimit]]
) -> RatedLimit | None:
    """The limit to read a value against: the nearest of those whose words stand where they count most (`first`, by
    distance), else the one without words, else the nearest of the rest; `_limit` and `_stated_limit` gather them."""
    if first:
        return min(first, key=lambda pair: pair[0])[1]
    if bare is not None:
        return bare
    return min(rest, key=lambda pair: pair[0])[1] if rest else None


def _located(plain: str, pieces: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Each normalised piece of a text (a sentence, a table row) with where it starts in the whole normalised text
    (`plain`), found in order; a piece normalised differently alone is placed where the last one ended."""
    cursor = 0
    for piece in pieces:
        offset = plain.find(piece, cursor)
        offset = cursor if offset < 0 else offset
        cursor = offset + len(piece)
        yield offset, piece


_CODE = re.compile(r"\b[A-Z]{1,2}-\d{3}\b")
_SETTING = re.compile(
    r"\b(?:set ?points?|set(?:ting)? pressures?|settings?|set|limits?|"
    r"(?:trip|shutdown|cut-?out|lift(?:ing)?|opening) (?:points?|levels?|values?|settings?|pressures?)|"
    r"(?:trips|shuts down|cuts out|lifts|opens)(?: above| below| over| under| at)?|"
    r"(?:raised|increased|changed|adjusted|moved|reset|bumped|lowered|reduced|dropped|taken)(?: up| down)?"
    r"(?: from \d+(?:[.,]\d+)?\s?[\w/°]*)? to)"
    r"(?:\s+(?:is|are|now|of|at|to|=|:|approximately|approx\.?|about|~|permanently|temporarily))*\s*$"
)
"""A setting word right before a value: "setpoint raised to", "set pressure to approximately", "trips above"."""
_COMPARE = re.compile(r"(?:\babove|\bover|>|\bbelow|\bunder|<)\s*$")
"""A comparison right before a value, as a manual's table gives a trip: "> 7.1 mm/s (A-211)", "Above 8.0 mm/s"."""


def _states_setting(before: str, *, row: bool) -> bool:
    """The words right before a value make it a setting: a setting word, or, in a table row, a comparison; a reading
    ("A-211 trip at 7.8 mm/s") is not one."""
    return bool(_SETTING.search(before) or (row and _COMPARE.search(before)))


_STATE_QUESTION = re.compile(r"^(?:is|are|was|were|isn'?t|aren'?t)\b")
"""A question about how things are ("Is the safety valve set at 10 bar?"), unless a verb follows "to" ("is it ok to
run it at ...")."""


def _asking_verb(sentence: str, match: re.Match[str]) -> int | None:
    """Where the verb that asks for the value is: before it (at most `_GAP` words away, not negated, not a reading
    reported, not a question about the present state), or, in German and Dutch, after it; None when none asks."""
    before = sentence[: match.start()]
    for verb in _ASK_BEFORE.finditer(before):
        gap = before[verb.end() :]
        if len(gap.split()) > _GAP:
            continue
        head = before[: verb.start()]
        if negated(head) or _REPORTED.search(head):
            continue
        if _STATE_QUESTION.match(sentence) and not head.endswith("to "):
            continue
        return verb.start()
    after = _ASK_AFTER.match(sentence[match.end() :])
    return None if after is None else match.end() + after.end()


@register_validator(name="copilot/rated_limit", data_type="string")
class WithinRatedLimits(Validator):  # type: ignore[misc]
    """A request to run or set an asset beyond its rated limits; the fix is a safe refusal."""

    def __init__(self, limits: RatedLimits, *, stated: bool = False, **kwargs: Any) -> None:
        """`stated`: also fail a text that states a trip beyond the site's limits (retrieved passages)."""
        super().__init__(**kwargs)
        self._limits = limits
        self._stated = stated

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        text = str(value)
        found = self._limits.find(text) or (self._limits.stated(text) if self._stated else None)
        if found is None:
            return PassResult()
        return FailResult(
            error_message=found.reason,
            fix_value=SAFE_LIMIT_REFUSAL,
            metadata={"rule": "exceed a rated limit", "phrase": found.phrase, "asset": found.asset},
        )


SAFE_LIMIT_REFUSAL = (
    "I can't help with that: running or setting equipment beyond its rated limits or trips is never done or "
    "proposed. The limits are in the equipment manual; if more capacity is needed, raise it with the operator "
    "in charge."
)
