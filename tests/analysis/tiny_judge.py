"""Tiny cross-encoders written to disk for tests of the claim judge's loading and wiring.

Random BERT weights with the default sentence model's tokenizer, and a classifier whose weights
are zero: its output is its bias whatever the text, so a test knows what the judge must say.
Real judging quality is the subject of bench/claims_quality.py --judge, not of these.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from parallax.analysis.embed import MINILM, resolve_model


def write_tiny_judge(path: Path, labels: list[str], bias: list[float]) -> Path:
    """A cross-encoder at `path` with these output labels whose logits are always `bias`."""
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(MINILM))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor(bias))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
