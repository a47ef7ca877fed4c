"""Builds small random BERT cross-encoders with the MiniLM tokenizer, for tests and speed benchmarks."""

from __future__ import annotations

import shutil
from pathlib import Path

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def build_tiny_cross_encoder(
    folder: str | Path,
    seed: int = 0,
    *,
    layers: int = 2,
    hidden: int = 32,
    heads: int = 2,
    intermediate: int | None = None,
    max_positions: int = 512,
    tokenizer_dir: str | Path | None = None,
) -> str:
    """Save a 1-label BERT cross-encoder with random weights (fixed seed) into `folder`; returns the path.

    The tokenizer files come from `tokenizer_dir`, by default the shipped all-MiniLM-L6-v2. The config
    names the Identity activation, as the ms-marco cross-encoders on the hub do, so that
    CrossEncoder.predict gives raw logits. MiniLM-L6 size: layers=6, hidden=384, heads=12, intermediate=1536.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    if tokenizer_dir is None:
        from ..models import shipped_minilm_path

        tokenizer_dir = shipped_minilm_path()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate or 4 * hidden,
        max_position_embeddings=max_positions,
        num_labels=1,
    )
    config.sentence_transformers = {"activation_fn": "torch.nn.modules.linear.Identity"}
    # Seed a private generator's worth of state: the global RNG is restored so callers are unaffected.
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = BertForSequenceClassification(config)
    finally:
        torch.random.set_rng_state(state)
    model.eval()
    model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        source = Path(tokenizer_dir) / name
        if source.exists():
            shutil.copy(source, folder / name)
    return str(folder)
