"""Causal language models: tokenizer, Llama-style model, pre-training, LoRA adaptation,
batched generation."""
