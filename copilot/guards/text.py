"""Text helpers shared by the validators: normalisation against obfuscation, sentences, clauses, payloads.

Attackers hide words from keyword rules with case, accents, homoglyphs, zero-width characters, leetspeak
(`byp4ss`), spaced letters (`i g n o r e`) and typos (`interlok`); `variants` returns the forms a rule set
should look at, and `decoded_payloads` the plain text hidden in base64, hex or rot13.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ո": "n", "Α": "A", "Β": "B", "Ε": "E",
        "Ι": "I", "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "‘": "'", "’": "'", "“": '"',
        "”": '"', "–": "-", "—": "-",
    }
)  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_CODE = re.compile(r"^[a-z]{1,4}-\d|^\d[\d.,]*[a-z/%]*$")
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")

# Words the rule sets key on; a token one edit away (two for long words) is read as the word.
LEXICON = frozenset(
    """
    ignore ignoring disregard forget previous prior above earlier instructions instruction rules guidelines
    system prompt reveal pretend roleplay jailbreak unrestricted unfiltered uncensored restrictions
    developer administrator authorise authorize authorised authorized approve approved approval
    bypass bypassing bypassed override overriding overridden defeat defeating disable disabling disabled
    deactivate inhibit inhibiting suppress silence silencing silenced interlock interlocks jumper jumpering
    lockout tagout isolation isolating isolate protection safety shutdown alarm alarms warning warnings
    permit energised energized pressurised pressurized guards without limit limits threshold setpoint
    exceed exceeding maximum nameplate emergency relief detector monitor skip skipping
    """.split()
)
# Real words one edit away from a lexicon word: never "correct" them.
_NOT_TYPOS = frozenset(
    """
    jumped jumps bumper lumper silent sliced lockouts isolated isolator permits permit's limited limbs
    guarded guardian aborts alarmed warnings warning skips skipped skipper relieve relieved exceeds exceeded
    approves approver improve improved disabled enable enabled abuse above aboard prompts prompted promote
    system's systems detect detects detected monitors ignores ignored forgot forgets forge deface defect
    defeats previews preview revel revels reveals pretends rules ruled ruler roles overrides override's
    limits limit's threshold's shutdowns shut-down energises energizes settings setting
    """.split()
)


def normalise(text: str) -> str:
    """Lower-case text with accents, homoglyphs, zero-width characters and repeated spaces removed."""
    if text.isascii():  # nothing to fold: the common case, and much faster
        return " ".join(text.lower().split())
    text = text.translate(_ZERO_WIDTH).translate(_HOMOGLYPHS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def _deleet(token: str) -> str:
    if _CODE.match(token) or not any(c.isalpha() for c in token) or token.isalpha():
        return token
    return token.translate(_LEET)


def _join_spaced(text: str) -> str:
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), cut off above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=8192)
def canonical_word(word: str) -> str:
    """The lexicon word a token is a typo of, or the token itself."""
    if len(word) < 5 or word in LEXICON or word in _NOT_TYPOS:
        return word
    limit = 2 if len(word) >= 9 else 1
    best, best_distance = word, limit + 1
    for candidate in LEXICON:
        if candidate[0] != word[0] and candidate[1:2] != word[1:2]:
            continue
        distance = _distance(word, candidate, limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def canonical(text: str) -> str:
    """Normalised text with leetspeak undone, spaced letters joined and typos of rule words corrected."""
    return _canonical_of_normalised(normalise(text))


def _canonical_of_normalised(text: str) -> str:
    text = " ".join(_deleet(token) for token in text.split(" "))
    text = _join_spaced(text)
    return _WORD.sub(lambda m: canonical_word(m.group(0)), text)


def variants(text: str) -> list[str]:
    """The forms of a text that rules should search: normalised, and canonical when it differs."""
    return list(_variants(text))


@lru_cache(maxsize=2048)
def _variants(text: str) -> tuple[str, ...]:
    # cached: every validator looks at the same message or passage, and a passage comes back often
    plain = normalise(text)
    folded = _canonical_of_normalised(plain)
    return (plain,) if folded == plain else (plain, folded)


_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){12,}\b")


def _readable(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = sum(ch.isalpha() or ch.isspace() for ch in decoded)
    if len(decoded) < 8 or letters / len(decoded) < 0.8 or " " not in decoded.strip():
        return None
    return decoded


def decoded_payloads(text: str) -> list[str]:
    """Readable text hidden in base64 or hex blobs, and the rot13 reading when the text mentions rot13."""
    found = []
    for match in _B64.finditer(text):
        blob = match.group(0)
        if blob.isalpha() and (blob.islower() or blob.isupper()):
            continue  # a long plain word, not base64
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=False)
        except (binascii.Error, ValueError):
            continue
        if (readable := _readable(raw)) is not None:
            found.append(readable)
    for match in _HEX.finditer(text):
        digits = re.sub(r"[ :]", "", match.group(0))
        if len(digits) % 2:
            digits = digits[:-1]
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            continue
        if (readable := _readable(raw)) is not None:
            found.append(readable)
    if re.search(r"\brot ?-?13\b", text, re.IGNORECASE):
        found.append(codecs.decode(text, "rot13"))
    return found


_BRACKET = re.compile(r"\[[^\[\]]*\]")
_MASKED = re.compile(r"\x00(\d+)\x00")
_NO_BREAK = re.compile(
    r"(?:^\s*[-*•]?\s*\d+[.)]|\b(?:e\.g|i\.e|approx|no|fig|vs|ca|cf|incl|min|max)\.)$", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def _split_line(line: str) -> list[str]:
    brackets = _BRACKET.findall(line)
    masked = line
    for index, bracket in enumerate(brackets):
        masked = masked.replace(bracket, f"\x00{index}\x00", 1)
    parts: list[str] = []
    for part in _SENTENCE_END.split(masked):
        if parts and _NO_BREAK.search(parts[-1]):
            parts[-1] = f"{parts[-1]} {part}"
        else:
            parts.append(part)
    restored = [_MASKED.sub(lambda m: brackets[int(m.group(1))], part).strip() for part in parts]
    return [part for part in restored if part]


def sentences(text: str) -> list[str]:
    """Split text into lines, and lines into sentences; bracketed citations are never split."""
    return [sentence for line in text.splitlines() if line.strip() for sentence in _split_line(line)]


_CLAUSE = re.compile(r"[.;!?:]\s+|,\s+(?:but|so|then|and then)\b|\s+but\s+|\s+-\s+|\n")


def clauses(text: str) -> list[str]:
    """Split text into clauses: a negation or a purpose only reaches across its own clause."""
    return [c.strip() for c in _CLAUSE.split(text) if c.strip()]


def any_search(patterns: Iterable[re.Pattern[str]], texts: Iterable[str]) -> re.Match[str] | None:
    """The first match of any pattern in any text."""
    for text in texts:
        for pattern in patterns:
            if match := pattern.search(text):
                return match
    return None
