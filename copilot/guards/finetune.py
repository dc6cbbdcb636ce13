"""A MiniLM fine-tuned end to end as a binary classifier: the safety-intent guard's model.

The frozen sentence embeddings mostly say what a message is about (a trip, a pump, a lockout), and a classifier
on top of them learns the wording of the phrases it was trained on; fine-tuning the encoder itself teaches it
the difference between asking how a trip works and asking to defeat it. Leave-one-set-out on the development
sets (evals/intent_loso.py, `--model finetuned`) measured it against the frozen-embedding SVM it replaced: see
copilot/guards/intent.py.

The model: the packaged all-MiniLM-L6-v2, mean pooling over the tokens, the pooled vector L2-normalised, one
linear unit; probability = sigmoid(SCALE x unit). Training: binary cross-entropy with the positives weighed
up to the negatives' count, AdamW, linear warm-up then decay, a fixed seed; bfloat16 autocast where the CPU has
native bfloat16 (knowledge.embeddings.native_bf16), else float32. Scoring always runs in float32.

Training takes minutes on 2 cores (169 s for 1,801 phrases in bfloat16 on an AMX Xeon; 260 s for 1,995 phrases in
float32 on an Ice Lake Xeon, seventh session), so a trained model is saved under a folder named by the fingerprint
of everything it was trained from (phrases, settings, training precision, base weights) and reused by every later
process; changed phrases make a new fingerprint, hence a retrain.
`shared` holds each named classifier once per process (the safety and unsafe-passage guards use it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from knowledge.embeddings import MAX_TOKENS, OnnxEncoder, export_onnx_int8, native_bf16

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

WEIGHTS = "classifier.pt"
META = "meta.json"


class Classifier(Protocol):
    """What a guard asks of a trained classifier."""

    def probabilities(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


_SHARED: dict[tuple[str, str, bool], Classifier] = {}
"""The classifiers of this process, by (name, base model path, int8): see `shared`."""
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class FineTuneConfig:
    """How the classifier is trained (the values measured by leave-one-set-out; see the module docstring)."""

    epochs: int = 3
    encoder_lr: float = 5e-5
    head_lr: float = 1e-2
    batch_size: int = 16
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    train_max_tokens: int = 128
    scale: float = 10.0
    seed: int = 0


def fingerprint(
    model_path: Path,
    positives: Sequence[str],
    negatives: Sequence[str],
    config: FineTuneConfig,
    *,
    bf16: bool | None = None,
) -> str:
    """Names a trained model: changes when a phrase, a setting, the training precision or the base model's
    weights change. The precision is part of it because bfloat16 and float32 training give different models
    (at ee16560, one benign case of the guardrails suite's 620 apart), so a cache copied between CPUs is not
    mistaken. `bf16` None: the precision training uses on this CPU."""
    bf16 = native_bf16() if bf16 is None else bf16
    digest = hashlib.sha256()
    digest.update(json.dumps([list(positives), list(negatives), asdict(config)], ensure_ascii=False).encode())
    if bf16:  # float32 models keep the names they had before the precision was part of the fingerprint
        digest.update(b"bf16")
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_path / name
        if path.exists():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}".encode())
    return digest.hexdigest()[:16]


class _Network:
    """Encoder + pooling + one linear unit, built lazily so importing this module loads no torch."""

    def __init__(self, model_path: Path) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path))
        self.encoder = AutoModel.from_pretrained(str(model_path))
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

    def state_dict(self) -> dict[str, Any]:
        return {"encoder": self.encoder.state_dict(), "head": self.head.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.encoder.load_state_dict(state["encoder"])
        self.head.load_state_dict(state["head"])

    def train(self, mode: bool) -> None:
        self.encoder.train(mode)
        self.head.train(mode)

    def units(self, texts: list[str], max_tokens: int) -> torch.Tensor:
        """The linear unit's value per text (before SCALE and the sigmoid)."""
        import torch

        batch = self.tokenizer(
            texts, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt"
        )
        hidden = self.encoder(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
        return self.head(pooled).squeeze(-1)


class FineTunedClassifier:
    """A trained classifier: `probabilities(texts)` in float32; thread-safe for scoring."""

    def __init__(self, network: _Network, config: FineTuneConfig) -> None:
        self._network = network
        self.config = config
        network.train(False)

    def probabilities(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        import torch

        if not texts:
            return np.empty(0, dtype=np.float32)
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                units = self._network.units(list(texts[start : start + batch_size]), MAX_TOKENS)
                out.append(torch.sigmoid(units * self.config.scale).numpy())
        return np.concatenate(out).astype(np.float32)

    def int8(self, model_path: Path, folder: Path) -> Int8Classifier:
        """This classifier with its encoder exported to ONNX and quantised to int8 (once, into `folder`;
        knowledge.embeddings.export_onnx_int8): `model_path` is the base model, whose tokenizer it keeps."""
        graph = export_onnx_int8(model_path, folder, transformer=self._network.encoder)
        head = self._network.head
        weight = head.weight.detach().float().numpy().reshape(-1)
        return Int8Classifier(
            OnnxEncoder(model_path, graph), weight, float(head.bias.item()), self.config.scale
        )

    def save(self, folder: Path, meta: dict[str, Any]) -> None:
        import torch

        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self._network.state_dict(), folder / WEIGHTS)
        (folder / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, model_path: Path, folder: Path, config: FineTuneConfig) -> FineTunedClassifier:
        import torch

        network = _Network(model_path)
        network.load_state_dict(torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True))
        return cls(network, config)


class Int8Classifier:
    """A fine-tuned classifier run on onnxruntime with its encoder's MatMul weights in int8
    (`FineTunedClassifier.int8`): about three times faster than float32 torch on short texts, and its
    probabilities move a little near a threshold, so a guard that uses it chooses its threshold on it."""

    def __init__(self, encoder: OnnxEncoder, weight: np.ndarray, bias: float, scale: float) -> None:
        self._encoder = encoder
        self._weight = weight.astype(np.float32)
        self._bias = bias
        self._scale = scale

    def probabilities(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.empty(0, dtype=np.float32)
        units = self._encoder.encode(list(texts), batch_size) @ self._weight + self._bias
        return (1.0 / (1.0 + np.exp(-self._scale * units))).astype(np.float32)


def train(
    model_path: Path,
    positives: Sequence[str],
    negatives: Sequence[str],
    config: FineTuneConfig | None = None,
    *,
    bf16: bool | None = None,
) -> FineTunedClassifier:
    """Fine-tune the base model on labelled phrases (positives = 1); `bf16` autocasts the training in
    bfloat16 (None: where the CPU has it natively)."""
    import torch

    config = config or FineTuneConfig()
    bf16 = native_bf16() if bf16 is None else bf16
    if not positives or not negatives:
        raise ValueError("fine-tuning needs positive and negative phrases")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    network = _Network(model_path)
    torch.nn.init.normal_(network.head.weight, std=0.01)
    torch.nn.init.zeros_(network.head.bias)
    data = [(text, 1.0) for text in positives] + [(text, 0.0) for text in negatives]
    optimiser = torch.optim.AdamW(
        [
            {"params": list(network.encoder.parameters()), "lr": config.encoder_lr},
            {"params": list(network.head.parameters()), "lr": config.head_lr},
        ],
        weight_decay=config.weight_decay,
    )
    steps = config.epochs * -(-len(data) // config.batch_size)
    warmup = max(1.0, config.warmup_share * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )
    pos_weight = torch.tensor(len(negatives) / len(positives))
    network.train(True)
    for _ in range(config.epochs):
        rng.shuffle(data)
        for start in range(0, len(data), config.batch_size):
            batch = data[start : start + config.batch_size]
            labels = torch.tensor([label for _, label in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                units = network.units([text for text, _ in batch], config.train_max_tokens)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                units.float() * config.scale, labels, pos_weight=pos_weight
            )
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
    return FineTunedClassifier(network, config)


def model_folder(
    model_path: Path,
    cache_dir: Path,
    name: str,
    positives: Sequence[str],
    negatives: Sequence[str],
    config: FineTuneConfig,
) -> Path:
    """Where `trained` keeps the classifier trained on these phrases with this CPU's training precision."""
    return cache_dir / f"{name}-{fingerprint(model_path, positives, negatives, config)}"


def trained(
    model_path: Path,
    cache_dir: Path,
    name: str,
    positives: Sequence[str],
    negatives: Sequence[str],
    config: FineTuneConfig | None = None,
) -> FineTunedClassifier:
    """The classifier trained on these phrases: loaded from `cache_dir` when it was trained before, else
    trained now (minutes; logged) and saved there for every later process. Concurrent trainers each write a
    private folder and rename it into place, so a reader never sees half a model."""
    config = config or FineTuneConfig()
    folder = model_folder(model_path, cache_dir, name, positives, negatives, config)
    if (folder / WEIGHTS).exists():
        return FineTunedClassifier.load(model_path, folder, config)
    bf16 = native_bf16()
    # the fingerprint model_folder named the folder by (with this CPU's training precision)
    key = folder.name.removeprefix(f"{name}-")
    log.info(
        "training the %s classifier on %d phrases (once; about ten minutes on 2 cores), saved in %s",
        name,
        len(positives) + len(negatives),
        folder,
    )
    started = time.perf_counter()
    model = train(model_path, positives, negatives, config, bf16=bf16)
    seconds = round(time.perf_counter() - started, 1)
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=cache_dir))
    model.save(
        staging,
        {
            "name": name,
            "fingerprint": key,
            "positives": len(positives),
            "negatives": len(negatives),
            "config": asdict(config),
            "bf16_training": bf16,
            "training_seconds": seconds,
        },
    )
    try:
        os.replace(staging, folder)
    except OSError:  # another process got there first: its model was trained on the same phrases
        shutil.rmtree(staging, ignore_errors=True)
    log.info("trained the %s classifier in %.0f s", name, seconds)
    return model


def shared(
    model_path: Path,
    cache_dir: Path,
    name: str,
    phrases: Callable[[], tuple[Sequence[str], Sequence[str]]],
    *,
    int8: bool = False,
) -> Classifier:
    """The classifier `name` of this process: on first use loaded from `cache_dir` or trained (`trained`) on
    `phrases()` (positives, negatives), then reused by every caller. `int8`: its int8 ONNX copy
    (`FineTunedClassifier.int8`), exported once into the trained model's folder."""
    key = (name, str(model_path), int8)
    with _SHARED_LOCK:
        if key not in _SHARED:
            positives, negatives = phrases()
            model = trained(model_path, cache_dir, name, positives, negatives)
            if int8:
                folder = model_folder(model_path, cache_dir, name, positives, negatives, model.config)
                _SHARED[key] = model.int8(model_path, folder)
            else:
                _SHARED[key] = model
        return _SHARED[key]
