"""Load the site definition (assets, sensors, failure modes, people) from a site folder."""

from __future__ import annotations

from pathlib import Path

import yaml

from copilot.errors import ConfigError
from copilot.schemas import SiteSpec


def load_site(site_dir: Path) -> SiteSpec:
    """Read site.yaml from a site folder."""
    path = site_dir / "site.yaml"
    if not path.is_file():
        raise ConfigError(f"no site definition at {path}: set COPILOT_SITE_DIR to a folder holding site.yaml")
    with path.open(encoding="utf-8") as handle:
        return SiteSpec.model_validate(yaml.safe_load(handle))
