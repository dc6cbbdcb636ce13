"""A retriever whose results pass `Guards.filter_passages`: one place covers the offline router and the agent's
knowledge tool, since both search through `services.retriever`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from copilot.guards.facade import Guards
from copilot.schemas import Passage
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore


class GuardedRetriever(Retriever):
    """`Retriever` that drops passages the guards reject; verdicts are cached by chunk and text."""

    def __init__(
        self, store: KnowledgeStore, *, guards: Guards, verdict_cache: int = 4096, **options: Any
    ) -> None:
        super().__init__(store, **options)
        self.guards = guards
        self._verdicts: OrderedDict[tuple[str, int], bool] = OrderedDict()
        self._verdict_cache = verdict_cache
        self._verdict_lock = threading.Lock()

    def _filter(self, passages: list[Passage]) -> list[Passage]:
        kept = []
        for passage in passages:
            key = (passage.citation.ref, hash(passage.text))
            with self._verdict_lock:
                allowed = self._verdicts.get(key)
            if allowed is None:
                allowed = bool(self.guards.filter_passages([passage])[0])
                with self._verdict_lock:
                    self._verdicts[key] = allowed
                    while len(self._verdicts) > self._verdict_cache:
                        self._verdicts.popitem(last=False)
            if allowed:
                kept.append(passage)
        return kept

    def search(self, query: str, **options: Any) -> list[Passage]:
        return self._filter(super().search(query, **options))

    def section(self, *, asset_class: str, contains: str, doc_type: str = "manual") -> list[Passage]:
        return self._filter(super().section(asset_class=asset_class, contains=contains, doc_type=doc_type))
