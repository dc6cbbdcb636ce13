"""Extractive answering: pick the lines of retrieved passages that answer the question."""

from __future__ import annotations

import re

from knowledge.bm25 import tokenize


def units(text: str) -> list[str]:
    """Split a passage into answer units: table rows (with the header kept aside), list items, sentences."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("|"):
            out += [line for line in lines[2:] if line.startswith("|")]
        elif lines and re.match(r"^(\d+[.)]|[-*])\s", lines[0]):
            out += lines
        else:
            out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(lines)) if s.strip()]
    return out


def table_header(text: str) -> str | None:
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if len(lines) >= 2 and lines[0].startswith("|") and set(lines[1]) <= set("|-: "):
            return lines[0]
    return None


def best_units(text: str, query: str, n: int, must_contain: str | None = None) -> list[str]:
    """The n units sharing most words with the query (in their original order); `must_contain` filters first."""
    query_terms = set(tokenize(query))
    candidates = units(text)
    if must_contain:
        contained = [u for u in candidates if must_contain.lower() in u.lower()]
        candidates = contained or candidates
    scored = [(len(query_terms & set(tokenize(u))), i, u) for i, u in enumerate(candidates)]
    top = sorted(scored, key=lambda s: (-s[0], s[1]))[:n]
    return [u for _, _, u in sorted(top, key=lambda s: s[1])]


def table_row_text(header: str | None, row: str) -> str:
    """'| A-214 | Bearing temp high | ... |' with its header -> 'Code: A-214; Message: Bearing temp high; ...'."""
    cells = [c.strip() for c in row.strip("|").split("|")]
    if not header:
        return "; ".join(cells)
    names = [c.strip() for c in header.strip("|").split("|")]
    return "; ".join(f"{name}: {cell}" for name, cell in zip(names, cells, strict=False) if cell)
