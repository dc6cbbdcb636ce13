"""MQTT: subscribe to sensor readings (JSON, one reading or a list per message) and feed the stream processor.

Topic layout: `<prefix>/<asset_id>` (default prefix `copilot/readings`). Frames are assembled per asset,
so all of one asset's readings must reach the same process: to spread assets over several scorer
processes, give each process its own asset topics (not an MQTT 5 shared subscription, which would split
one asset's readings across processes). Undecodable payloads are rejected as `malformed` and counted.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from predictors.stream import StreamProcessor
from predictors.validation import RejectReason

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "copilot/readings"


@dataclass(frozen=True)
class MqttSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    topic: str = f"{DEFAULT_PREFIX}/#"
    qos: int = 1
    client_id: str = ""
    keepalive: int = 30


def _client(client_id: str) -> mqtt.Client:
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)


class MqttSubscriber:
    """Feeds every reading received on the topic to one StreamProcessor (on the network thread only)."""

    def __init__(
        self,
        settings: MqttSettings,
        processor: StreamProcessor,
        on_message: Callable[[int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.processor = processor
        self.messages = 0
        self._on_message = on_message
        self._connected = threading.Event()
        self._client = _client(settings.client_id)
        self._client.on_connect = self._handle_connect
        self._client.on_message = self._handle_message

    def _handle_connect(
        self, client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object = None
    ) -> None:
        client.subscribe(self.settings.topic, qos=self.settings.qos)
        self._connected.set()
        log.info(
            "mqtt: connected to %s:%s (%s), subscribed to %s",
            self.settings.host,
            self.settings.port,
            reason,
            self.settings.topic,
        )

    def _handle_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        self.messages += 1
        try:
            decoded = json.loads(message.payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.processor.stats.reject(
                RejectReason.malformed, f"undecodable payload on {message.topic}: {exc}"
            )
            return
        for reading in decoded if isinstance(decoded, list) else [decoded]:
            self.processor.push(reading)
        if self._on_message is not None:
            self._on_message(self.messages)

    def start(self, timeout: float = 10.0) -> None:
        """Connect and process messages on a background network thread."""
        self._client.connect(self.settings.host, self.settings.port, keepalive=self.settings.keepalive)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            self.stop()
            raise ConnectionError(
                f"no MQTT connection to {self.settings.host}:{self.settings.port} in {timeout} s"
            )

    def stop(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


def publish(
    settings: MqttSettings, messages: Iterable[object], *, topic_for: Callable[[object], str], batch: int = 1
) -> int:
    """Publish readings (as JSON, `batch` readings per message) and wait until the broker has them all."""
    client = _client(f"{settings.client_id}-pub" if settings.client_id else "")
    client.connect(settings.host, settings.port, keepalive=settings.keepalive)
    client.loop_start()
    sent = 0
    pending: list[object] = []
    infos = []

    def flush() -> None:
        nonlocal sent
        if pending:
            payload = pending[0] if batch == 1 else pending
            infos.append(
                client.publish(topic_for(pending[0]), json.dumps(payload, default=str), qos=settings.qos)
            )
            sent += 1
            pending.clear()

    for message in messages:
        pending.append(message)
        if len(pending) >= batch:
            flush()
    flush()
    for info in infos:
        info.wait_for_publish(timeout=30)
    client.loop_stop()
    client.disconnect()
    return sent


def topic_for_reading(message: object, prefix: str = DEFAULT_PREFIX) -> str:
    """`<prefix>/<asset_id>` for a reading message (`unknown` when it has no asset)."""
    asset = message.get("asset_id") if isinstance(message, dict) else None
    return f"{prefix}/{asset or 'unknown'}"
