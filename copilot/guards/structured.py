"""MatchesSchema: a structured output (JSON text) validates against a pydantic model; fail re-asks."""

from __future__ import annotations

import json
import re
from typing import Any

from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult
from pydantic import BaseModel, ValidationError

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def describe(error: ValidationError, limit: int = 6) -> str:
    """A short validation error: 'field.path: message; ...'."""
    parts = [
        f"{'.'.join(str(p) for p in item['loc']) or '(root)'}: {item['msg']}"
        for item in error.errors()[:limit]
    ]
    more = error.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def parse(value: Any, schema: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """(the model instance, None) or (None, what is wrong)."""
    if isinstance(value, str):
        try:
            value = json.loads(_FENCE.sub("", value))
        except json.JSONDecodeError as exc:
            return None, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    try:
        return schema.model_validate(value), None
    except ValidationError as exc:
        return None, f"does not match {schema.__name__}: {describe(exc)}"


@register_validator(name="copilot/matches_schema", data_type="string")
class MatchesSchema(Validator):  # type: ignore[misc]
    """The JSON text validates against `schema`; the failure gives the validation error (for a re-ask)."""

    def __init__(self, schema: type[BaseModel], on_fail: Any = None, **kwargs: Any) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        self.schema = schema

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        _, error = parse(value, self.schema)
        if error is None:
            return PassResult()
        return FailResult(error_message=error, metadata={"schema": self.schema.__name__})
