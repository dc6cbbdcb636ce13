"""Test doubles that speak real protocols (e.g. a local OpenAI-compatible server)."""
