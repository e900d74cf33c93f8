"""A claim judge: a cross-encoder that reads a sentence and a claim together and says whether the
sentence states the claim.

A sentence encoder compares two vectors made apart, so it cannot tell "produced no
breakthrough" from "produced a breakthrough", nor see that "Nothing was agreed" states "did not
yield a concrete path forward". A cross-encoder reads both texts at once. Two kinds work:

- a natural language inference model (a label named "entailment" among its outputs): the score
  is the probability that the sentence entails the claim;
- a one-output model (paraphrase or similarity): the score is its output through a sigmoid.

Like the sentence encoder, the model is loaded from disk only: a name that is not on disk is an
error, never a download. sentence-transformers and torch are imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from parallax.analysis.embed import ModelError, offline

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

Scores = npt.NDArray[np.float64]

_models: dict[tuple[str, str], CrossEncoder] = {}
_lock = threading.Lock()


def load_cross_encoder(path: str, device: str = "cpu") -> CrossEncoder:
    """The process's copy of a cross-encoder stored at `path`."""
    key = (path, device)
    with _lock:
        if key not in _models:
            offline()
            if not os.path.isdir(path):
                raise ModelError(
                    f"no claim judge model at {path!r} ([compare] judge_model): give the folder "
                    "it is stored in"
                )
            from sentence_transformers import CrossEncoder

            try:
                _models[key] = CrossEncoder(path, device=device, local_files_only=True)
            except (OSError, ValueError) as err:
                raise ModelError(
                    f"cannot load claim judge model {path!r} ([compare] judge_model): {err}"
                ) from err
        return _models[key]


def entailment_label(id2label: Mapping[Any, Any], labels: int) -> int | None:
    """Which output is "entailment" (None for a one-output model); ModelError when neither."""
    if labels == 1:
        return None
    for index, name in id2label.items():
        if str(name).lower().startswith("entail"):
            return int(index)
    raise ModelError(
        f"the claim judge has {labels} outputs ({', '.join(map(str, id2label.values()))}) and "
        "none is named entailment: use a natural language inference model, or one with a single"
        " output"
    )


class Judge:
    """Scores (sentence, claim) pairs from 0 (does not state it) to 1 (states it)."""

    def __init__(self, path: str, *, device: str = "cpu", batch_size: int = 32):
        self.path = path
        self.device = device
        self.batch_size = batch_size

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> Scores:
        if not pairs:
            return np.zeros(0)
        model = load_cross_encoder(self.path, self.device)
        names = getattr(model.config, "id2label", None) or {}
        entail = entailment_label(names, int(model.num_labels))
        if entail is None:
            # The raw output (the model's own activation, if any, left out), through a sigmoid.
            raw = model.predict(list(pairs), batch_size=self.batch_size, activation_fn=_identity)
            return 1.0 / (1.0 + np.exp(-np.asarray(raw, dtype=np.float64).reshape(-1)))
        probabilities = model.predict(
            list(pairs), batch_size=self.batch_size, apply_softmax=True, activation_fn=_identity
        )
        return np.asarray(probabilities, dtype=np.float64)[:, entail]


def _identity(x: object) -> object:
    return x
