"""Similar past incidents for an alert, and what they ended in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from copilot.schemas import Passage
from knowledge.retrieval import Retriever


@dataclass(frozen=True)
class OutcomeGroup:
    """Incidents that ended the same way (same failure code)."""

    key: str
    label: str
    count: int
    doc_ids: list[str]


@dataclass(frozen=True)
class SimilarIncidents:
    query: str
    incidents: list[Passage]
    groups: list[OutcomeGroup]

    def summary(self) -> str:
        """'7 of 9 similar incidents ended in a bearing replacement (PMP-BRG): INC-0003, INC-0011, ...'."""
        if not self.incidents:
            return "no similar incidents found"
        top = self.groups[0]
        return (
            f"{top.count} of {len(self.incidents)} similar incidents ended in {top.label} ({top.key}): "
            f"{', '.join(top.doc_ids[:4])}"
        )


def group_outcomes(
    incidents: list[Passage], labels: dict[str, str], key: str = "failure_code"
) -> list[OutcomeGroup]:
    """Group incidents by their outcome key, largest group first (ties: the better-ranked group first)."""
    counts = Counter(str(p.metadata.get(key, "")) for p in incidents)
    first_rank: dict[str, int] = {}
    for rank, passage in enumerate(incidents):
        first_rank.setdefault(str(passage.metadata.get(key, "")), rank)
    ordered = sorted(counts, key=lambda k: (-counts[k], first_rank[k]))
    return [
        OutcomeGroup(
            key=k,
            label=labels.get(k, k or "an unknown outcome"),
            count=counts[k],
            doc_ids=[p.citation.doc_id for p in incidents if str(p.metadata.get(key, "")) == k],
        )
        for k in ordered
    ]


def similar_incidents(
    retriever: Retriever,
    query: str,
    *,
    asset_class: str | None,
    labels: dict[str, str],
    k: int = 9,
    source: str | None = None,
) -> SimilarIncidents:
    """Retrieve the k nearest past incidents (hybrid) and aggregate their outcomes."""
    found = retriever.search(query, k=k, doc_type="incident", asset_class=asset_class, source=source)
    return SimilarIncidents(query=query, incidents=found, groups=group_outcomes(found, labels))
