"""The demo site is consistent: manuals, incidents and the site spec use the same ids and codes."""

from __future__ import annotations

import re

from copilot.config import DEMO_SITE_DIR
from copilot.site import load_site
from knowledge.loaders import load_incident_records, load_manual


def test_site_has_the_promised_size() -> None:
    site = load_site(DEMO_SITE_DIR)
    assert len(site.asset_classes) >= 3 and len(site.assets) >= 10 and len(site.technicians) >= 6
    assert {u.role for u in site.users} >= {"operator", "technician", "admin"}


def test_failure_mode_signatures_name_real_sensors_and_crafts_are_staffed() -> None:
    site = load_site(DEMO_SITE_DIR)
    skills = {skill for t in site.technicians for skill in t.skills}
    for spec in site.asset_classes:
        for mode in spec.failure_modes:
            assert set(mode.signature) <= set(spec.sensor_ids), mode.code
            assert mode.craft in skills, mode.code
            assert set(mode.permits) <= set(site.permits), mode.code
        assert spec.simulated_modes, spec.id


def test_incidents_reference_real_assets_codes_and_technicians() -> None:
    site = load_site(DEMO_SITE_DIR)
    incidents = load_incident_records(DEMO_SITE_DIR / "incidents.jsonl")
    assert len(incidents) >= 60
    technicians = {t.id for t in site.technicians}
    for incident in incidents:
        spec = site.class_of(incident.asset_id)
        assert incident.failure_code in {m.code for m in spec.failure_modes}, incident.id
        assert incident.technician in technicians, incident.id
    codes = {i.failure_code for i in incidents}
    assert codes == {m.code for spec in site.asset_classes for m in spec.failure_modes}


def test_each_manual_covers_every_failure_code_and_has_isolation_points() -> None:
    site = load_site(DEMO_SITE_DIR)
    for spec in site.asset_classes:
        manual = load_manual(DEMO_SITE_DIR / "manuals" / spec.manual)
        assert manual.metadata["asset_class"] == spec.id
        troubleshooting = manual.text.split("## 5. Troubleshooting")[1].split("\n## ")[0]
        for mode in spec.failure_modes:
            assert mode.code in troubleshooting, (spec.manual, mode.code)
        loto = manual.text.split("## 8. Lockout-tagout procedure")[1]
        assert "### Isolation points" in loto and "### Lockout steps" in loto
        steps = re.findall(r"^\d+\. ", loto.split("### Lockout steps")[1].split("###")[0], flags=re.M)
        assert len(steps) >= 6


def test_settings_copies_follow_their_own_home(tmp_path) -> None:  # noqa: ANN001
    from copilot.config import Settings

    first = Settings(home=tmp_path / "a")
    assert first.home_dir == (tmp_path / "a").resolve()
    second = first.model_copy(update={"home": tmp_path / "b"})
    assert second.home_dir == (tmp_path / "b").resolve() and second.knowledge_dir.parent == second.home_dir
