"""Chunking respects headings and keeps tables and numbered steps whole."""

from __future__ import annotations

from copilot.config import DEMO_SITE_DIR
from knowledge.chunking import chunk_document
from knowledge.documents import Document
from knowledge.loaders import load_manual

MARKDOWN = """# Pump manual

## 5. Troubleshooting

| Symptom | Cause | Code |
|---|---|---|
| vibration high | bearing wear | PMP-BRG |
| suction low | cavitation | PMP-CAV |

## 8. Lockout-tagout procedure

### Lockout steps

1. Notify the control room.
2. Open breaker E-1 and lock it.
3. Close V-1 and V-2.
"""


def _doc(text: str) -> Document:
    return Document(
        doc_id="MAN-T",
        source="demo",
        doc_type="manual",
        title="Test manual",
        text=text,
        markdown=True,
        metadata={"asset_class": "centrifugal_pump"},
    )


def test_sections_carry_their_heading_path_and_metadata() -> None:
    chunks = chunk_document(_doc(MARKDOWN))
    assert [c.section for c in chunks] == [
        "5. Troubleshooting",
        "8. Lockout-tagout procedure > Lockout steps",
    ]
    assert all(
        c.metadata["asset_class"] == "centrifugal_pump" and c.metadata["doc_id"] == "MAN-T" for c in chunks
    )
    assert [c.chunk_id for c in chunks] == ["MAN-T::0", "MAN-T::1"]


def test_numbered_steps_stay_whole_and_long_tables_split_between_rows_with_their_header() -> None:
    rows = "\n".join(f"| row {i} | cause {i} | CODE-{i} |" for i in range(60))
    steps = "\n".join(f"{i}. Step number {i} of the long procedure." for i in range(1, 40))
    text = f"## Big\n\n| a | b | c |\n|---|---|---|\n{rows}\n\n## Steps\n\n{steps}\n"
    chunks = chunk_document(_doc(text), max_chars=300)
    tables = [c for c in chunks if c.section == "Big"]
    assert len(tables) > 1
    assert all(c.text.startswith("| a | b | c |\n|---|---|---|\n| row") for c in tables)
    found = [line for c in tables for line in c.text.splitlines()[2:]]
    assert found == [f"| row {i} | cause {i} | CODE-{i} |" for i in range(60)]  # every row once, in order
    procedure = [c for c in chunks if "Step number 1 " in c.text][0]
    assert "Step number 39" in procedure.text


def test_demo_manuals_chunk_into_sections_with_lockout_steps() -> None:
    for path in sorted((DEMO_SITE_DIR / "manuals").glob("*.md")):
        chunks = chunk_document(load_manual(path))
        sections = {c.section for c in chunks}
        assert any(s.endswith("Lockout steps") for s in sections), path.name
        assert any("Troubleshooting" in s for s in sections), path.name
        assert all(len(c.text) < 4000 for c in chunks)
