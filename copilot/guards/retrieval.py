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
        keys = [(passage.citation.ref, hash(passage.text)) for passage in passages]
        with self._verdict_lock:
            verdicts = [self._verdicts.get(key) for key in keys]
        unjudged = [passage for passage, verdict in zip(passages, verdicts, strict=True) if verdict is None]
        if unjudged:  # judged together: the passage classifier scores them in one call
            kept_ids = {id(passage) for passage in self.guards.filter_passages(unjudged)[0]}
            with self._verdict_lock:
                for index, passage in enumerate(passages):
                    if verdicts[index] is None:
                        verdicts[index] = self._verdicts[keys[index]] = id(passage) in kept_ids
                while len(self._verdicts) > self._verdict_cache:
                    self._verdicts.popitem(last=False)
        return [passage for passage, allowed in zip(passages, verdicts, strict=True) if allowed]

    def search(self, query: str, **options: Any) -> list[Passage]:
        return self._filter(super().search(query, **options))

    def section(self, *, asset_class: str, contains: str, doc_type: str = "manual") -> list[Passage]:
        return self._filter(super().section(asset_class=asset_class, contains=contains, doc_type=doc_type))
