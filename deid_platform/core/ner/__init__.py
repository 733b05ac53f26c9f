"""NER for PHI: tokenizer training, subword alignment, windowing, training, batched prediction."""
