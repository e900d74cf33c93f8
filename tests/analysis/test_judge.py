"""The claim judge: loading a cross-encoder from disk, and reading its verdicts right."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from parallax.analysis.embed import ModelError
from parallax.analysis.judge import Judge, entailment_label
from tests.analysis.tiny_judge import write_tiny_judge

PAIRS = [("Nothing was agreed.", "The talks did not yield a path forward."), ("a", "b")]


def test_an_inference_model_is_read_for_its_entailment_output(tmp_path: Path) -> None:
    # Entailment is the middle output; its logit leads by 4 over the others.
    path = write_tiny_judge(tmp_path / "nli", ["contradiction", "entailment", "neutral"], [0, 4, 0])
    verdicts = Judge(str(path))(PAIRS)
    expected = math.exp(4) / (math.exp(4) + 2)
    assert verdicts.shape == (2,)
    assert np.allclose(verdicts, expected, atol=1e-4)


def test_entailment_is_found_by_name_wherever_it_sits(tmp_path: Path) -> None:
    # The same logits, but here the leading output is contradiction: the sentence does not state it.
    path = write_tiny_judge(tmp_path / "nli", ["CONTRADICTION", "neutral", "ENTAILMENT"], [4, 0, 0])
    verdicts = Judge(str(path))(PAIRS)
    assert np.allclose(verdicts, 1 / (math.exp(4) + 2), atol=1e-4)


def test_a_one_output_model_is_read_through_a_sigmoid(tmp_path: Path) -> None:
    path = write_tiny_judge(tmp_path / "sts", ["LABEL_0"], [2.0])
    verdicts = Judge(str(path))(PAIRS)
    assert np.allclose(verdicts, 1 / (1 + math.exp(-2.0)), atol=1e-4)
    assert Judge(str(path))([]).shape == (0,)


def test_a_model_with_several_outputs_and_no_entailment_is_refused(tmp_path: Path) -> None:
    path = write_tiny_judge(tmp_path / "sentiment", ["negative", "positive"], [0, 0])
    with pytest.raises(ModelError, match="none is named entailment"):
        Judge(str(path))(PAIRS)
    assert entailment_label({0: "neutral", 1: "entailment"}, 2) == 1
    assert entailment_label({}, 1) is None


def test_a_judge_that_is_not_on_disk_is_an_error_not_a_download(tmp_path: Path) -> None:
    # A hub name is never fetched: the network guard would fail this test on any attempt.
    with pytest.raises(ModelError, match=r"no claim judge model at 'cross-encoder/nli-x'"):
        Judge("cross-encoder/nli-x")(PAIRS)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="cannot load claim judge model"):
        Judge(str(tmp_path / "empty"))(PAIRS)
