"""Membership-inference scoring in bounded memory: per-token losses through the output head a
chunk of tokens at a time equal the losses of whole-batch logits, for every architecture, and the
peak memory grows with the chunk, not with batch x context x vocabulary."""

import math

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from deid_platform.core.lm.model import train_lm_tokenizer
from deid_platform.core.lm.training import document_nll
from deid_platform.core.surrogates import generate_corpus
from deid_platform_tests.scoring_reference import peak_bytes, whole_batch_nll
from deid_platform_tests.tiny_models import CAUSAL_LMS, causal_lm

VOCAB = 50_000
CONTEXT = 256


@pytest.fixture(scope="module")
def texts():
    return [d.text for d in generate_corpus("sv", seed=4, sizes={"t": 16})["t"]]


def assert_same(chunked, whole):
    assert [n for _, n in chunked] == [n for _, n in whole]
    for (a, _), (b, _) in zip(chunked, whole, strict=True):
        assert math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-4)


@pytest.mark.parametrize("name", CAUSAL_LMS)
def test_chunked_losses_equal_whole_batch_losses(name, texts):
    model, tokenizer = causal_lm(name, texts)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    # Windows of 40 tokens, batches of 3 of unequal length (padding), chunks that split rows.
    chunked = document_nll(model, tokenizer, texts[:5], 40, batch_size=3, chunk_tokens=7)
    assert_same(chunked, whole_batch_nll(model, tokenizer, texts[:5], 40, 3))


@pytest.fixture(scope="module")
def large_vocabulary(texts):
    """A tiny Llama with a 50,000-token output head (the tokenizer uses its first ids)."""
    tokenizer = train_lm_tokenizer(texts, 600, CONTEXT)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=CONTEXT,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config).eval(), tokenizer


def test_peak_memory_grows_with_the_chunk_not_the_batch(large_vocabulary, texts):
    model, tokenizer = large_vocabulary
    docs = texts[:8]  # every note is longer than the context: full windows

    def chunked(chunk: int, batch: int):
        return lambda: document_nll(model, tokenizer, docs, CONTEXT, batch, chunk_tokens=chunk)

    whole = peak_bytes(lambda: whole_batch_nll(model, tokenizer, docs, CONTEXT, 8))
    small, large = peak_bytes(chunked(64, 8)), peak_bytes(chunked(512, 8))
    small_batch = peak_bytes(chunked(64, 2))
    logits_row = VOCAB * 4  # float32 logits of one token
    # The whole batch holds its 8 x 256 x 50k float32 logits (410 MB) and their log-softmax.
    assert whole >= 8 * CONTEXT * logits_row
    # Chunked: a few chunk-sized arrays (logits, log-softmax) and the batch's small hidden states.
    assert small < 3 * 64 * logits_row + 8 * 2**20
    assert large > 4 * small  # 8x the chunk: nearly 8x the peak
    assert small < whole / 20
    # Four times the batch at the same chunk: the peak hardly moves.
    assert small < 1.5 * small_batch
    assert_same(
        document_nll(model, tokenizer, docs, CONTEXT, 8, chunk_tokens=64),
        whole_batch_nll(model, tokenizer, docs, CONTEXT, 8),
    )
