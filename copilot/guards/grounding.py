"""Grounded and KnownEntities: an answer's facts carry known citations, and the entities it names exist.

Citations come in the project's two forms: refs in square brackets (`[MAN-PUMP#14]`, several separated by
commas) in LLM mode, labels (`[MAN-PUMP § 6. Maintenance procedures > 6.1 Bearing replacement]`) offline; a
bracketed document id or a bare id of a retrieved document (`Closest: INC-0004: ...`) also counts.
A line that carries a citation and ends with ':' cites the block under it (the offline router's "From
[label]:" followed by steps). A sentence states a fact from the knowledge base when it has a number with a
unit, is a numbered step, names a part number or a failure or alarm code, or gives a cause; sentences about
the workflow ("Proposed for approval #3 ...") and questions do not. A table row (a line with ' | ') is one
unit, and so is a list item or a numbered step (its citation at the end covers it); in prose each sentence
needs its own. Both validators re-ask (LLM) or make the caller fall back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult

from copilot.guards.text import sentences

_BRACKET = re.compile(r"\[([^\[\]]+)\]")
_REF_LIKE = re.compile(r"#\d+$|§|^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
_NUMBER_UNIT = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?(?:\s?(?:-|to|–)\s?\d+(?:[.,]\d+)?)?\s?(?:%|bar\s?g?|mbar|psi|kpa|mpa|mm/s|mm|cm|"
    r"m3/h|m³/h|m3/min|m3|l/min|ml/min|ml|kg|g|t|l|degc|°c|deg\s?c|k|a|ma|v|kv|kw|w|hz|rpm|nm|n·m|h|hrs?|hours?|"
    r"min|minutes?|s|sec|seconds?|mohm|mω|ohm|ppm|db|m|°f|months?|weeks?|days?)(?![\w/])",
    re.IGNORECASE,
)
_STEP = re.compile(r"^\s*(?:[-*•]\s*)?\d+[.)]\s+\S")
_PART = re.compile(r"\b(?=[A-Z0-9/-]*\d)[A-Z0-9]{2,}(?:[-/][A-Z0-9]+)+\b|\bPN\s?\d{3,}(?:-\d+)?\b")
_FAILURE_CODE = re.compile(r"\b[A-Z]{2,4}-[A-Z]{2,5}\b")
_CAUSE = re.compile(
    r"\b(?:caused by|because of|due to|likely causes?|probable causes?|root cause|results? from|leads? to|"
    r"indicates?|indicating|points? to|consistent with|a sign of|ended in)\b",
    re.IGNORECASE,
)
_WORKFLOW = re.compile(
    r"\b(?:approval|investigation|request|alert)\s*#\d+|\bwork orders? on\b|\bnothing has been done\b|"
    r"\bnothing is booked\b|\bno open investigation\b|\bcan start\b|\bproposed for approval\b",
    re.IGNORECASE,
)


def _clean(token: str) -> str:
    return " ".join(token.strip().strip("[]").split())


def doc_id_of(ref: str) -> str:
    """The document id of a ref (`MAN-PUMP#14`) or label (`MAN-PUMP § 6. ...`)."""
    return _clean(ref).split("#")[0].split(" § ")[0].strip()


class Citations:
    """The refs, labels and document ids an answer may cite."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.refs = {_clean(r) for r in allowed if _clean(r)}
        self.doc_ids = {doc_id_of(r) for r in self.refs}

    def known(self, token: str) -> bool:
        token = _clean(token)
        return token in self.refs or token in self.doc_ids

    def bracketed(self, text: str) -> tuple[list[str], list[str]]:
        """(known, unknown) citation tokens in square brackets; brackets that are not refs are ignored."""
        known, unknown = [], []
        for inner in _BRACKET.findall(text):
            tokens = [inner] if self.known(inner) else [t for t in re.split(r"[,;]", inner) if t.strip()]
            for token in tokens:
                token = _clean(token)
                if self.known(token):
                    known.append(token)
                elif _REF_LIKE.search(token):
                    unknown.append(token)
        return known, unknown

    def bare(self, text: str) -> bool:
        """Whether the text names a retrieved document by its id outside brackets."""
        outside = _BRACKET.sub(" ", text)
        return any(re.search(rf"(?<![\w-]){re.escape(d)}(?![\w-])", outside) for d in self.doc_ids)


def states_fact(sentence: str, *, known_assets: frozenset[str], doc_ids: set[str]) -> bool:
    """Whether a sentence states a fact that must come from the knowledge base."""
    text = _BRACKET.sub(" ", sentence)
    if _WORKFLOW.search(text) or text.rstrip().endswith("?"):
        return False
    if _STEP.search(text) or _NUMBER_UNIT.search(text) or _CAUSE.search(text):
        return True
    tokens = set(_PART.findall(text)) | set(_FAILURE_CODE.findall(text))
    return bool(tokens - known_assets - doc_ids)


_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s|\s\|\s|^[\w ()-]{1,30}: [^;]*; [\w ()-]{1,30}: ")


def _units(line: str) -> list[str]:
    """A line's sentences; a list item, a step or a table or field row is one unit; a sentence made only of
    citations joins the previous one."""
    if _ITEM.search(line):
        return [line.strip()]
    out: list[str] = []
    for sentence in sentences(line):
        if out and not _BRACKET.sub("", sentence).strip(" .;,"):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def check_grounding(
    text: str, allowed: Iterable[str], *, known_assets: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(uncited fact sentences, unknown citations) of an answer."""
    citations = Citations(allowed)
    assets = frozenset(known_assets)
    uncited: list[str] = []
    unknown: list[str] = []
    block = False
    for line in text.splitlines():
        if not line.strip():
            block = False
            continue
        line_known, line_unknown = citations.bracketed(line)
        unknown += [u for u in line_unknown if u not in unknown]
        for unit in _units(line):
            known, _ = citations.bracketed(unit)
            cited = bool(known) or citations.bare(unit) or block
            if not cited and states_fact(unit, known_assets=assets, doc_ids=citations.doc_ids):
                uncited.append(unit)
        if line.rstrip().endswith(":"):
            block = bool(line_known) or citations.bare(line)
    return uncited, unknown


@register_validator(name="copilot/grounded", data_type="string")
class Grounded(Validator):  # type: ignore[misc]
    """Every fact sentence cites a retrieved passage; every citation is one of metadata['allowed_refs']."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        allowed = metadata.get("allowed_refs") or []
        uncited, unknown = check_grounding(
            str(value), allowed, known_assets=metadata.get("known_assets") or ()
        )
        if not uncited and not unknown:
            return PassResult()
        problems = []
        if uncited:
            problems.append(f"{len(uncited)} sentence(s) state facts without a citation")
        if unknown:
            problems.append(f"citation(s) not among the retrieved passages: {', '.join(unknown[:5])}")
        return FailResult(
            error_message="the answer is not grounded: " + "; ".join(problems),
            metadata={"uncited": uncited, "unknown_citations": unknown},
        )


def _shape(values: Iterable[str], pattern: str) -> set[str]:
    return {m.group(1) for v in values if (m := re.match(pattern, v))}


def unknown_entities(text: str, *, known_assets: Iterable[str], known_codes: Iterable[str]) -> list[str]:
    """Asset ids and failure or alarm codes in the text (outside citations) that the site does not have."""
    assets, codes = set(known_assets), set(known_codes)
    known = assets | codes
    outside = _BRACKET.sub(" ", text).upper()
    numbered = _shape(known, r"^([A-Z]{1,3})-\d{3}$")
    lettered = _shape(codes, r"^([A-Z]{2,4})-[A-Z]{2,5}$")
    found: list[str] = []
    if numbered:
        pattern = rf"(?<![\w-])(?:{'|'.join(sorted(numbered))})-\d{{3}}(?![\w-])"
        found += re.findall(pattern, outside)
    if lettered:
        pattern = rf"(?<![\w-])(?:{'|'.join(sorted(lettered))})-[A-Z]{{2,5}}(?![\w-])"
        found += re.findall(pattern, outside)
    return sorted({f for f in found if f not in known})


@register_validator(name="copilot/known_entities", data_type="string")
class KnownEntities(Validator):  # type: ignore[misc]
    """Asset ids and codes the answer names exist (metadata: known_assets, known_codes)."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        unknown = unknown_entities(
            str(value),
            known_assets=metadata.get("known_assets") or (),
            known_codes=metadata.get("known_codes") or (),
        )
        if not unknown:
            return PassResult()
        return FailResult(
            error_message=f"the answer names assets or codes the site does not have: {', '.join(unknown)}",
            metadata={"unknown_entities": unknown},
        )
