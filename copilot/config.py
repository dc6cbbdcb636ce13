"""Settings: one pydantic-settings class, prefix COPILOT_, embedded defaults for everything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEMO_SITE_DIR = PACKAGE_DIR / "demo_site"


def _default_data_dir() -> Path | None:
    """Return ../shared/data when it exists next to the working directory, else None."""
    candidate = (Path.cwd() / ".." / "shared" / "data").resolve()
    return candidate if candidate.is_dir() else None


class Settings(BaseSettings):
    """Everything the copilot can be configured with; every field has an embedded default."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_", env_file=".env", extra="ignore")

    home: Path = Field(
        default=Path("var"), description="State folder: database, Chroma, checkpoints, models."
    )
    data_dir: Path | None = Field(
        default_factory=_default_data_dir, description="Public datasets (../shared/data when it exists)."
    )
    site_dir: Path = Field(
        default=DEMO_SITE_DIR, description="Site definition: site.yaml, manuals, incidents."
    )
    database_url: str | None = Field(default=None, description="SQLModel URL; default SQLite in home.")
    checkpoint_url: str | None = Field(
        default=None, description="LangGraph checkpoints: a postgresql:// URL, or default SQLite in home."
    )

    llm_provider: Literal["offline", "openai"] = "offline"
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    llm_safety_screen: bool = Field(
        default=True,
        description="With an LLM configured, also ask it whether a message or an action defeats safety "
        "(copilot.guards.screen): one more LLM call per message and per proposed action.",
    )

    investigation_budget_s: float = Field(
        default=60.0, description="Past this, an investigation stops calling the LLM and decides offline."
    )
    investigation_budget_tokens: int = Field(
        default=20_000, description="LLM tokens one investigation may spend."
    )
    embedding_backend: Literal["torch", "onnx-int8"] = Field(
        default="torch", description="torch (reference) or onnx-int8 (faster; quality measured by the eval)."
    )
    embedding_bf16: bool | None = Field(
        default=None,
        description="torch backend: embed bulk calls (ingest) in bfloat16. Unset: where the CPU has native "
        "bfloat16 (AMX or AVX512-BF16), 2.7-3x faster, same vectors to a cosine of 0.9999.",
    )
    guard_models: Path | None = Field(
        default=None,
        description="Cache of the fine-tuned safety-intent classifier, trained on first use (about ten minutes on 2 cores) "
        "and named by the fingerprint of its phrases and settings, so every home shares it; default "
        "$XDG_CACHE_HOME/copilot/guards or ~/.cache/copilot/guards.",
    )
    embedding_model_path: Path | None = Field(
        default=None, description="Sentence-transformers model folder; default the packaged MiniLM."
    )
    notify_webhook_url: str | None = Field(
        default=None, description="POST notifications here (with retries; the log channel is the fallback)."
    )
    notify_webhook_secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 signing secret.")
    notify_webhook_timeout_s: float = 5.0
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="Accept HS256 bearer tokens signed with this (sub = user id); API keys always work.",
    )
    api_url: str = Field(default="http://127.0.0.1:8000", description="Where the UI finds the API.")
    log_level: str = "INFO"

    @property
    def home_dir(self) -> Path:
        """Return the state folder as an absolute path (not created here)."""
        return self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'copilot.sqlite'}"

    @property
    def checkpoint_path(self) -> Path:
        return self.home_dir / "checkpoints.sqlite"

    @property
    def knowledge_dir(self) -> Path:
        return self.home_dir / "knowledge"

    @property
    def models_dir(self) -> Path:
        return self.home_dir / "models"

    @property
    def guard_model_dir(self) -> Path:
        if self.guard_models is not None:
            return self.guard_models.expanduser().resolve()
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache).expanduser().resolve() / "copilot" / "guards"

    def ensure_dirs(self) -> None:
        """Create the state folders (called by factories, never at import)."""
        for path in (self.home_dir, self.knowledge_dir, self.models_dir):
            path.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    """Build settings from the environment."""
    return Settings()
