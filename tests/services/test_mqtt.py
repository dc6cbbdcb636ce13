"""MQTT against the Mosquitto broker on 127.0.0.1:1883: readings in, bad ones counted, alerts out."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest

from copilot.config import DEMO_SITE_DIR
from copilot.site import load_site
from copilot.streaming import stream_specs
from predictors.alert_policy import AlertPolicy
from predictors.mqtt import MqttSettings, MqttSubscriber, publish
from predictors.scorer import OnnxScorer
from predictors.simulator import FaultInjection, simulate
from predictors.sources import simulator_messages
from predictors.stream import AssetModel, StreamProcessor
from predictors.train import TrainingConfig, train_fault_classifier
from predictors.validation import RejectReason

pytestmark = pytest.mark.services


def test_readings_over_mqtt_are_validated_scored_and_alert(tmp_path) -> None:  # noqa: ANN001
    site = load_site(DEMO_SITE_DIR)
    spec = site.asset_class("air_compressor")
    meta = train_fault_classifier(
        spec, tmp_path, TrainingConfig(runs_normal=8, runs_per_fault=4, n_estimators=50)
    )
    model = AssetModel(OnnxScorer.load(tmp_path, meta.name), {s.id: s.mean for s in spec.sensors})
    alerts = []
    processor = StreamProcessor(
        {"C-301": stream_specs(site)["C-301"]},
        {"air_compressor": model},
        AlertPolicy(),
        on_alert=alerts.append,
    )
    prefix = f"copilot-test/{uuid.uuid4().hex[:8]}"
    settings = MqttSettings(topic=f"{prefix}/#", client_id=f"sub-{uuid.uuid4().hex[:6]}")
    subscriber = MqttSubscriber(settings, processor)
    try:
        subscriber.start()
    except (ConnectionError, OSError) as exc:
        pytest.fail(f"Mosquitto is not reachable on 127.0.0.1:1883: {exc}")

    run = simulate(
        spec,
        asset_id="C-301",
        start=datetime(2026, 2, 1, tzinfo=UTC),
        seconds=1200,
        seed=3,
        fault=FaultInjection("CMP-OVH", onset_s=300, ramp_s=300),
    )
    readings = list(simulator_messages(run))
    sent = publish(
        MqttSettings(client_id=settings.client_id),
        readings,
        batch=20,
        topic_for=lambda m: f"{prefix}/{m['asset_id']}",
    )  # type: ignore[index]

    raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    raw.connect("127.0.0.1", 1883)
    raw.loop_start()
    bad = [
        b"\xff\xfe not json",
        json.dumps({"asset_id": "C-301", "sensor": "vibration"}).encode(),
        json.dumps({"asset_id": "C-999", "sensor": "vibration", "ts": 1, "value": 1.0}).encode(),
    ]
    for payload in bad:
        raw.publish(f"{prefix}/C-301", payload, qos=1).wait_for_publish(10)
    raw.loop_stop()
    raw.disconnect()

    deadline = time.monotonic() + 60
    while subscriber.messages < sent + len(bad) and time.monotonic() < deadline:
        time.sleep(0.05)
    subscriber.stop()

    assert subscriber.messages == sent + len(bad)
    assert processor.stats.accepted == len(readings)
    assert processor.stats.rejected == {
        RejectReason.malformed: 1,
        RejectReason.missing_field: 1,
        RejectReason.unknown_asset: 1,
    }
    assert alerts and alerts[0].failure_mode in (None, "CMP-OVH") and alerts[0].asset_id == "C-301"
