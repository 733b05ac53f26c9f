"""Building, saving and loading token-classification models as `save_pretrained` directories that
hold the model, the tokenizer and the label map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertConfig,
    BertForTokenClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from deid_platform.core.documents import Document
from deid_platform.core.errors import UserError
from deid_platform.core.ner.encoding import bio_labels
from deid_platform.core.ner.presets import NerPreset
from deid_platform.core.ner.recognizers import parse_recognizers
from deid_platform.core.ner.shapes import document_shapes, shape_vocabulary
from deid_platform.core.ner.tokenizer import train_ner_tokenizer
from deid_platform.core.text import word_offsets

SETTINGS_FILE = "deid_ner.json"


class ModelError(UserError):
    """A model directory that is missing, foreign or broken; the message names it in one line."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(f"{path}: {message}")


@dataclass
class NerModel:
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    max_length: int
    stride: int
    # IOB2 transition log-probabilities estimated on the training tags, for Viterbi decoding.
    transitions: dict[str, list] | None = None
    # Fixed-shape PHI recognizers whose spans merge with the predictions (core.ner.recognizers).
    recognizers: list[str] = field(default_factory=list)
    # The word-shape vocabulary of a `WordShapeBert` (None: a model without shape features).
    shapes: list[str] | None = None

    @property
    def id2label(self) -> dict[int, str]:
        return {int(k): v for k, v in self.model.config.id2label.items()}

    @property
    def labels(self) -> list[str]:
        return sorted({v[2:] for v in self.id2label.values() if v != "O"})

    def save(self, directory: str | Path, extra: dict[str, Any] | None = None) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)
        settings = {
            "max_length": self.max_length,
            "stride": self.stride,
            "transitions": self.transitions,
            "recognizers": self.recognizers,
            "shapes": self.shapes,
            **(extra or {}),
        }
        (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=1, sort_keys=True))


class WordShapeBert(BertForTokenClassification):
    """A BERT token classifier whose input embedding of each subword also holds the embedding of
    its word's shape (`core.ner.shapes`); `config.shape_vocab_size` counts PAD and UNKNOWN."""

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.shape_embeddings = torch.nn.Embedding(config.shape_vocab_size, config.hidden_size)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        shape_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Any:
        embeds = self.bert.embeddings.word_embeddings(input_ids)
        if shape_ids is not None:
            embeds = embeds + self.shape_embeddings(shape_ids)
        return super().forward(
            inputs_embeds=embeds, attention_mask=attention_mask, labels=labels, **kwargs
        )


@contextmanager
def _loading(source: str | Path) -> Iterator[None]:
    try:
        yield
    except (OSError, ValueError) as err:
        # transformers' own messages run over many lines; the type says enough beside the path.
        raise ModelError(source, f"the model does not load ({type(err).__name__})") from None


def build_model(preset: NerPreset, labels: list[str], train_docs: list[Document]) -> NerModel:
    tags = bio_labels(labels)
    id2label = dict(enumerate(tags))
    label2id = {v: k for k, v in id2label.items()}
    if preset.model_name_or_path:
        with _loading(preset.model_name_or_path):
            tokenizer = AutoTokenizer.from_pretrained(preset.model_name_or_path)
            model = AutoModelForTokenClassification.from_pretrained(
                preset.model_name_or_path,
                num_labels=len(tags),
                id2label=id2label,
                label2id=label2id,
                ignore_mismatched_sizes=True,
            )
        max_length = min(preset.max_length, model.config.max_position_embeddings - 2)
        return NerModel(
            model,
            tokenizer,
            max_length,
            min(preset.stride, max_length // 2),
            recognizers=parse_recognizers(preset.recognizers),
        )
    tokenizer = train_ner_tokenizer(
        (doc.text for doc in train_docs), preset.vocab_size, preset.max_length
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=preset.hidden_size,
        num_hidden_layers=preset.layers,
        num_attention_heads=preset.heads,
        intermediate_size=preset.intermediate_size,
        max_position_embeddings=preset.max_length,
        hidden_dropout_prob=preset.dropout,
        attention_probs_dropout_prob=preset.dropout,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=len(tags),
        id2label=id2label,
        label2id=label2id,
    )
    shapes = None
    if preset.word_shapes:
        shapes = shape_vocabulary(
            [document_shapes(doc.text, word_offsets(doc.text)) for doc in train_docs]
        )
        config.shape_vocab_size = len(shapes) + 2
    model = WordShapeBert(config) if shapes else BertForTokenClassification(config)
    return NerModel(
        model,
        tokenizer,
        preset.max_length,
        preset.stride,
        recognizers=parse_recognizers(preset.recognizers),
        shapes=shapes,
    )


def load_model(directory: str | Path, device: str | torch.device = "cpu") -> NerModel:
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelError(directory, "no such model directory")
    try:
        settings = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        max_length, stride = settings["max_length"], settings["stride"]
    except FileNotFoundError:
        raise ModelError(directory, f"not a deid NER model (no {SETTINGS_FILE})") from None
    except (OSError, ValueError, TypeError, KeyError):
        raise ModelError(directory, f"{SETTINGS_FILE} is unreadable or incomplete") from None
    shapes = settings.get("shapes")
    with _loading(directory):
        loader = WordShapeBert if shapes else AutoModelForTokenClassification
        model = loader.from_pretrained(directory).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(directory)
    return NerModel(
        model,
        tokenizer,
        max_length,
        stride,
        settings.get("transitions"),
        settings.get("recognizers", []),
        shapes,
    )
