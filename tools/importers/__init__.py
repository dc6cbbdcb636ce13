"""Importers of other systems' history into the copilot's database (idempotent: re-import updates)."""
