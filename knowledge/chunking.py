"""Split documents into chunks that respect headings, keep numbered steps whole and tables readable.

A section's blocks (paragraphs, lists, tables) are packed into chunks of about MAX_CHARS (what the
embedding model reads in full). A numbered procedure is never split. A table longer than MAX_CHARS is
split between rows into row groups that each repeat the header, so every chunk is a valid table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.documents import Chunk, Document

MAX_CHARS = 1000
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*(\d+[.)]|[-*+])\s+")


@dataclass
class _Section:
    path: list[str]
    lines: list[str]


def _sections(text: str) -> list[_Section]:
    """Split markdown into sections; each knows its heading path (H2 > H3 ...)."""
    sections: list[_Section] = []
    path: list[str] = []
    current = _Section([], [])
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            if any(s.strip() for s in current.lines):
                sections.append(current)
            level = len(match.group(1))
            title = match.group(2).strip()
            if level == 1:
                path = []
                current = _Section([], [])
                continue
            depth = level - 2
            path = path[:depth] + [title]
            current = _Section(list(path), [])
        else:
            current.lines.append(line)
    if any(s.strip() for s in current.lines):
        sections.append(current)
    return sections


def _blocks(lines: list[str]) -> list[str]:
    """Group lines into blocks: a table, a list (numbered steps stay together) or a paragraph."""
    blocks: list[list[str]] = []
    kind = None
    for line in lines:
        if not line.strip():
            kind = None
            continue
        line_kind = "table" if line.lstrip().startswith("|") else "list" if _LIST_ITEM.match(line) else "text"
        continues_list = kind == "list" and line.startswith((" ", "\t"))
        if blocks and (line_kind == kind or continues_list):
            blocks[-1].append(line)
        else:
            blocks.append([line])
            kind = line_kind
    return ["\n".join(block) for block in blocks]


def _split_table(block: str, max_chars: int) -> list[str]:
    """Split a long markdown table between rows; each part repeats the header and separator rows."""
    lines = block.splitlines()
    if not block.lstrip().startswith("|") or len(block) <= max_chars or len(lines) < 4:
        return [block]
    header, rows = lines[:2], lines[2:]
    parts: list[list[str]] = [[]]
    size = sum(len(h) + 1 for h in header)
    for row in rows:
        if parts[-1] and size + len(row) + 1 > max_chars:
            parts.append([])
            size = sum(len(h) + 1 for h in header)
        parts[-1].append(row)
        size += len(row) + 1
    return ["\n".join(header + part) for part in parts]


def _pack(blocks: list[str], max_chars: int) -> list[str]:
    """Pack consecutive blocks into pieces of at most max_chars; a bigger block stays whole."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if current and size + len(block) > max_chars:
            pieces.append("\n\n".join(current))
            current, size = [], 0
        current.append(block)
        size += len(block) + 2
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def chunk_document(document: Document, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Chunk one document; every chunk carries the document's metadata plus its section."""
    base = {
        **document.metadata,
        "doc_id": document.doc_id,
        "doc_type": document.doc_type,
        "source": document.source,
        "title": document.title,
        "doc_hash": document.content_hash,
    }
    if not document.markdown:
        return [
            Chunk(
                document.doc_id, 0, document.doc_type, document.text, {**base, "section": document.doc_type}
            )
        ]
    chunks: list[Chunk] = []
    for section in _sections(document.text):
        name = " > ".join(section.path) or document.title
        blocks = [part for block in _blocks(section.lines) for part in _split_table(block, max_chars)]
        for piece in _pack(blocks, max_chars):
            chunks.append(Chunk(document.doc_id, len(chunks), name, piece, {**base, "section": name}))
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """The text a chunk is embedded and matched by: title and section give the passage its context."""
    return f"{chunk.metadata.get('title', '')} — {chunk.section}\n{chunk.text}"
