"""The service container: builds and owns every long-lived part (engine, tools, models, graph)."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from copilot.config import Settings
from copilot.db import create_schema, exclusive, make_engine
from copilot.errors import ConfigError
from copilot.llm.base import LLMProvider
from copilot.llm.offline import OfflineProvider
from copilot.notify import ResilientNotifier
from copilot.safety.policy import SafetyPolicy, default_policy
from copilot.schemas import SiteSpec
from copilot.seed import seed_site
from copilot.site import load_site
from knowledge.embeddings import Embedder
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore
from tools.assets import AssetRegistry
from tools.history import WorkOrderHistory
from tools.langchain_tools import ToolContext
from tools.notifications import LogNotifier, Notifier, WebhookNotifier
from tools.scheduling import Scheduler
from tools.telemetry import SqlTelemetryStore
from tools.workorders import Cmms, SqlCmms

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from copilot.chat.graph import ChatGraph
    from copilot.graph.graph import InvestigationGraph
    from copilot.guards import Guards

log = logging.getLogger(__name__)


def make_provider(settings: Settings) -> LLMProvider:
    """Return the configured LLM provider (offline unless an endpoint is configured).

    Raises ConfigError naming COPILOT_LLM_BASE_URL / COPILOT_LLM_MODEL when `openai` lacks them.
    """
    if settings.llm_provider == "offline":
        return OfflineProvider()
    if settings.llm_provider == "openai":
        from copilot.llm.openai_provider import OpenAIProvider

        return OpenAIProvider(settings)
    raise ConfigError(
        f"unknown LLM provider {settings.llm_provider!r}; set COPILOT_LLM_PROVIDER to offline or openai"
    )


def make_notifier(settings: Settings, engine: Engine) -> Notifier:
    """The log channel, or a webhook (when configured) that falls back to the log channel."""
    log_channel = LogNotifier(engine)
    if not settings.notify_webhook_url:
        return log_channel
    secret = settings.notify_webhook_secret.get_secret_value() if settings.notify_webhook_secret else None
    webhook = WebhookNotifier(
        engine, settings.notify_webhook_url, settings.notify_webhook_timeout_s, secret=secret
    )
    return ResilientNotifier(webhook, log_channel)


@dataclass
class Services:
    """Everything the graph, the CLI and the API use; build with `build_services`."""

    settings: Settings
    site: SiteSpec
    engine: Engine
    registry: AssetRegistry
    cmms: Cmms
    scheduler: Scheduler
    notifier: Notifier
    policy: SafetyPolicy
    provider: LLMProvider
    embedder: Embedder
    """Embeds documents and queries for the knowledge store (the configured backend)."""
    guard_embedder: Embedder
    """The torch float32 reference the guards' classifiers and thresholds were fitted on, whatever the store's
    backend (the same object when the store uses torch)."""
    telemetry: SqlTelemetryStore
    history: WorkOrderHistory

    @cached_property
    def knowledge(self) -> KnowledgeStore:
        return KnowledgeStore(self.settings.knowledge_dir, self.embedder)

    @cached_property
    def guards(self) -> Guards:
        """The guardrails around every LLM input and output, retrieved passage and proposed action."""
        from copilot.guards import build_guards

        return build_guards(self)

    @cached_property
    def retriever(self) -> Retriever:
        """Retrieval whose results pass the guards (a poisoned passage is dropped and the trip recorded)."""
        from copilot.guards.retrieval import GuardedRetriever

        return GuardedRetriever(self.knowledge, guards=self.guards)

    @cached_property
    def tool_context(self) -> ToolContext:
        """What the read tools (chat agent, evals) see."""
        return ToolContext(
            registry=self.registry,
            telemetry=self.telemetry,
            history=self.history,
            retriever=self.retriever,
            site=self.site,
            cmms=self.cmms,
            scheduler=self.scheduler,
        )

    @cached_property
    def checkpointer(self) -> BaseCheckpointSaver:
        """LangGraph's checkpointer: PostgreSQL when COPILOT_CHECKPOINT_URL says so, else SQLite in home."""
        url = self.settings.checkpoint_url
        if url and url.startswith(("postgresql://", "postgres://")):
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg import Connection
            from psycopg.rows import dict_row

            pg = Connection.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
            postgres_saver = PostgresSaver(pg)  # type: ignore[arg-type]
            postgres_saver.setup()
            return postgres_saver
        if url:
            raise ConfigError(
                f"COPILOT_CHECKPOINT_URL {url!r} is not a postgresql:// URL; unset it for SQLite"
            )
        from langgraph.checkpoint.sqlite import SqliteSaver

        connection = sqlite3.connect(str(self.settings.checkpoint_path), check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        saver = SqliteSaver(connection)
        saver.setup()
        return saver

    @cached_property
    def graph(self) -> InvestigationGraph:
        from copilot.graph.graph import build_investigation_graph

        return build_investigation_graph(checkpointer=self.checkpointer)

    @cached_property
    def chat_graph(self) -> ChatGraph:
        from copilot.chat.graph import build_chat_graph

        return build_chat_graph(checkpointer=self.checkpointer)

    def warm_up(self) -> None:
        """Load the embedding model and open the store and the graph, so the first request is not slow."""
        self.embedder.embed_query("warm up")
        self.guards.warm_up()  # loads the guards' reference embedder too, when it is another model
        _ = self.knowledge, self.graph

    def close(self) -> None:
        if "checkpointer" in self.__dict__:
            self.checkpointer.conn.close()  # type: ignore[attr-defined]
        self.engine.dispose()


def reference_embedder(knowledge: Embedder) -> Embedder:
    """The embedder the guards use: the knowledge embedder when it runs the torch reference, else a torch
    embedder on the same model. The guards' classifiers were trained and their thresholds chosen on the
    reference's float32 vectors, so a faster store backend (onnx-int8) must not change what they see."""
    if knowledge.backend == "torch":
        return knowledge
    return Embedder(knowledge.model_path, backend="torch", bf16=False)  # the guards only embed exactly


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Create state folders and the schema, seed the site, and wire the parts together.

    The embedder loads its model on first use; pass one in to share a loaded model.
    """
    settings.ensure_dirs()
    site = load_site(settings.site_dir)
    engine = make_engine(settings.db_url)
    with exclusive(engine, "startup"):  # several service processes may start at once
        create_schema(engine)
        seed_site(engine, site)
    cmms = SqlCmms(engine)
    knowledge_embedder = embedder or Embedder(
        settings.embedding_model_path,
        backend=settings.embedding_backend,
        cache_dir=settings.models_dir / "embeddings",
        bf16=settings.embedding_bf16,
    )
    return Services(
        settings=settings,
        site=site,
        engine=engine,
        registry=AssetRegistry(engine),
        cmms=cmms,
        scheduler=Scheduler(engine, site.shifts),
        notifier=make_notifier(settings, engine),
        telemetry=SqlTelemetryStore(engine),
        history=WorkOrderHistory(engine, cmms, site=site),
        policy=default_policy(),
        provider=make_provider(settings),
        embedder=knowledge_embedder,
        guard_embedder=reference_embedder(knowledge_embedder),
    )
