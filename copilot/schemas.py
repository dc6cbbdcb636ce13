"""Types shared across packages (predictors, knowledge, tools and copilot may all import this module)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Role(StrEnum):
    technician = "technician"
    operator = "operator"
    admin = "admin"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


# --- the site definition (site.yaml) -------------------------------------------------------------


class SensorSpec(BaseModel):
    """A sensor of an asset class with its normal operating point and its physically valid range."""

    model_config = ConfigDict(frozen=True)

    id: str
    unit: str
    mean: float
    sd: float = Field(gt=0)
    load: float = 0.0
    valid: tuple[float, float]


class SignatureEffect(BaseModel):
    """How a fault at full severity moves one sensor: an offset and a noise multiplier."""

    model_config = ConfigDict(frozen=True)

    shift: float = 0.0
    noise: float = 1.0


class FailureModeSpec(BaseModel):
    """A failure mode of an asset class: its code, signature on the sensors, and the repair it needs."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    repair: str = Field(default="", description="What fixing it usually means, in a few words.")
    description: str
    signature: dict[str, SignatureEffect] = Field(default_factory=dict)
    simulated: bool = True
    action: str
    craft: str
    estimated_hours: float
    permits: list[str] = Field(default_factory=list)
    priority: int = Field(ge=1, le=4)


class RatedLimit(BaseModel):
    """A value an asset class must never be run at or set beyond: a nameplate rating or a trip, from its manual.

    A request to run or set the equipment above `max` (or below `min`) is refused (copilot.guards.limits). When
    a class has several limits in one unit (bar: outlet and oil pressure), `words` say which one a sentence
    speaks of; a limit without words is the one a bare number in that unit is read against.
    """

    model_config = ConfigDict(frozen=True)

    quantity: str = Field(description="What is limited, e.g. 'speed', 'motor_current'.")
    unit: Literal["rpm", "A", "bar", "mm/s", "degC", "m3/h"]
    max: float | None = None
    min: float | None = None
    basis: str = Field(
        description="Where the figure comes from, as told to the user: 'A-211 trip, manual 2'."
    )
    words: tuple[str, ...] = Field(
        default=(),
        description="Words (any language, lower case, no accents) that name this quantity in a sentence; a "
        "trailing * matches any ending ('bearing*').",
    )
    trip: bool = Field(
        default=False,
        description="The limit is a trip or a relief setting the manual states (its table's Trip column), not a "
        "nameplate rating: a retrieved document stating it beyond this value contradicts the site.",
    )

    def exceeded_by(self, value: float) -> bool:
        """The value is beyond this limit: above its `max` or below its `min`."""
        return (self.max is not None and value > self.max) or (self.min is not None and value < self.min)

    @model_validator(mode="after")
    def _bounded(self) -> RatedLimit:
        if self.max is None and self.min is None:
            raise ValueError(f"rated limit {self.quantity!r} needs a max or a min")
        return self


class AssetClassSpec(BaseModel):
    """An asset class: sensors, failure modes, the manual that covers it, and its hazards."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    manual: str
    energized: bool = True
    pressurized: bool = False
    sensors: list[SensorSpec]
    failure_modes: list[FailureModeSpec]
    rated_limits: list[RatedLimit] = Field(default_factory=list)

    @property
    def sensor_ids(self) -> list[str]:
        return [s.id for s in self.sensors]

    @property
    def simulated_modes(self) -> list[FailureModeSpec]:
        return [m for m in self.failure_modes if m.simulated]

    def failure_mode(self, code: str) -> FailureModeSpec:
        for mode in self.failure_modes:
            if mode.code == code:
                return mode
        raise KeyError(f"failure code {code!r} is not defined for asset class {self.id!r}")


class AssetSpec(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str
    asset_class: str = Field(alias="class")
    name: str
    location: str
    criticality: Literal["A", "B", "C"]


class ShiftSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: str
    end: str


class TechnicianSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    skills: list[str]
    shift: str


class UserSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: Role


class SiteInfo(BaseModel):
    id: str
    name: str
    timezone: str = "UTC"


class SiteSpec(BaseModel):
    """The whole site definition, as loaded from site.yaml."""

    site: SiteInfo
    asset_classes: list[AssetClassSpec]
    permits: dict[str, str]
    assets: list[AssetSpec]
    shifts: dict[str, ShiftSpec]
    technicians: list[TechnicianSpec]
    users: list[UserSpec]

    def asset_class(self, class_id: str) -> AssetClassSpec:
        for spec in self.asset_classes:
            if spec.id == class_id:
                return spec
        raise KeyError(f"unknown asset class {class_id!r}")

    def asset(self, asset_id: str) -> AssetSpec:
        for spec in self.assets:
            if spec.id == asset_id:
                return spec
        raise KeyError(asset_id)

    def class_of(self, asset_id: str) -> AssetClassSpec:
        return self.asset_class(self.asset(asset_id).asset_class)

    def failure_mode(self, code: str) -> FailureModeSpec:
        for spec in self.asset_classes:
            for mode in spec.failure_modes:
                if mode.code == code:
                    return mode
        raise KeyError(f"unknown failure code {code!r}")


# --- sensor data and predictor evidence ------------------------------------------------------------


class Reading(BaseModel):
    """One sensor reading as it arrives from a stream."""

    asset_id: str
    sensor: str
    ts: datetime
    value: float


class Contribution(BaseModel):
    """How much one sensor or feature pushed the score."""

    name: str
    value: float
    weight: float


class AlertEvidence(BaseModel):
    """What the predictor saw when it raised an alert: every investigation quotes it."""

    score: float
    threshold: float
    model_version: str
    window_start: datetime
    window_end: datetime
    mode_probabilities: dict[str, float] = Field(default_factory=dict)
    top_sensors: list[Contribution] = Field(default_factory=list)
    top_features: list[Contribution] = Field(default_factory=list)
    window_stats: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Per sensor: mean, min, max, last over the window, and the normal mean.",
    )
    window_ts: list[float] = Field(
        default_factory=list, description="Epoch seconds of the window's readings."
    )
    window_values: dict[str, list[float]] = Field(
        default_factory=dict, description="Per sensor, the readings the model saw, in time order."
    )


class AlertIn(BaseModel):
    """An alert as raised by the predictors or posted to the API."""

    asset_id: str
    failure_mode: str | None = Field(
        default=None, description="Most likely failure code, if the model has one."
    )
    severity: Severity
    ts: datetime
    source: str = "predictor"
    summary: str
    evidence: AlertEvidence | None = None


class IncidentRecord(BaseModel):
    """A past incident of the site, as written in incidents.jsonl."""

    id: str
    asset_id: str
    date: str
    symptom: str
    diagnosis: str
    action: str
    failure_code: str
    outcome: str
    downtime_hours: float
    technician: str


# --- knowledge ---------------------------------------------------------------------------------


class Citation(BaseModel):
    """A stable pointer to a retrieved passage."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    section: str
    chunk: int = 0
    source: str = "demo"
    title: str = ""

    @property
    def ref(self) -> str:
        return f"{self.doc_id}#{self.chunk}"

    def label(self) -> str:
        return f"[{self.doc_id} § {self.section}]"


class Passage(BaseModel):
    """A retrieved chunk with its citation, score and metadata."""

    citation: Citation
    text: str
    score: float = Field(
        description="The ranking score of the mode that found it (cosine, BM25 or fused RRF)."
    )
    similarity: float | None = Field(default=None, description="Cosine similarity to the query, when known.")
    metadata: dict[str, str | int | float | bool] = Field(default_factory=dict)
