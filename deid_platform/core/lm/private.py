"""Differentially private adaptation: DP-SGD through Opacus, with the NOTE as the privacy unit.

Opacus samples notes (Poisson sampling of note indices: the sampling its accountant assumes), and
computes per-sample gradients with its hooks. A note longer than the context is several windows,
and its windows are rows of the same forward pass; the rows' per-sample gradients are summed per
note before Opacus clips them, so that each note, whatever its length, contributes one gradient
of norm at most `max_grad_norm` to a step. The accountant's (epsilon, delta) is then per note.
Windows never span two notes (no packing), or one window would belong to two units."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from opacus import PrivacyEngine
from opacus.accountants.utils import get_noise_multiplier
from torch.utils.data import DataLoader, TensorDataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_cosine_schedule_with_warmup

from deid_platform.core.errors import UserError
from deid_platform.core.lm.adaptation import trainable_parameters, with_adapters
from deid_platform.core.lm.generation import model_context
from deid_platform.core.lm.presets import LmPreset
from deid_platform.core.lm.training import LmTrainStats, document_windows, right_padded
from deid_platform.core.precision import NAMES
from deid_platform.core.records import PrivacyGuarantee

# Opacus's advice on secure RNG (meant for production; seeded runs are reproducible) and torch's
# note that the embeddings' inputs need no gradient: neither changes what is computed.
QUIET = "Secure RNG turned off|Optimal order is the largest alpha|Full backward hook is firing"


@dataclass(frozen=True)
class DpSettings:
    epsilon: float
    delta: float | None = None
    """None: a tenth of one over the number of notes."""
    max_grad_norm: float = 1.0
    batch_notes: int = 16
    """Expected notes per step (Poisson sampling)."""
    epochs: float | None = None
    """None: the preset's adapt_epochs."""
    learning_rate: float | None = None
    """None: the preset's adapt_learning_rate."""
    accountant: str = "prv"

    def delta_for(self, notes: int) -> float:
        return self.delta if self.delta is not None else 1.0 / (10 * notes)


def refuse_unsupported(preset: LmPreset, quantized: bool = False) -> None:
    """What DP adaptation cannot do, said before any model is loaded (or of a 4-bit model)."""
    if preset.qlora or quantized:
        raise UserError(
            "dp_epsilon: Opacus computes per-note gradients of full-precision layers, not of a "
            "4-bit base: unset qlora"
        )
    if preset.gradient_checkpointing:
        raise UserError(
            "dp_epsilon: Opacus's per-note gradients need every layer's activations, which "
            "gradient checkpointing drops: unset gradient_checkpointing"
        )


def adapt_private(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    preset: LmPreset,
    dp: DpSettings,
    seed: int,
    report: Callable[[str], None] = lambda _: None,
    device: str | None = None,
) -> tuple[PreTrainedModel, LmTrainStats, int, PrivacyGuarantee]:
    """`adapt` under (epsilon, delta)-DP per note: the adapted model (a PeftModel under LoRA), the
    training stats, the number of trainable parameters and the guarantee reached."""
    refuse_unsupported(preset, getattr(model, "is_loaded_in_4bit", False))
    if not texts:
        raise UserError("dp_epsilon: no notes to adapt on")
    model = with_adapters(model, preset, seed)
    # On its device before Opacus hooks it: the optimizer and the hooks hold these parameters.
    if device is not None:
        model.to(device)
    context = min(preset.context, model_context(model))
    notes = document_windows(tokenizer, texts, context)
    delta = dp.delta_for(len(notes))
    params = [p for p in model.parameters() if p.requires_grad]
    loader = DataLoader(
        TensorDataset(torch.arange(len(notes))), batch_size=min(dp.batch_notes, len(notes))
    )
    sample_rate = 1 / len(loader)
    steps = max(1, round((dp.epochs or preset.adapt_epochs) / sample_rate))
    optimizer = torch.optim.AdamW(
        params, lr=dp.learning_rate or preset.adapt_learning_rate, weight_decay=preset.weight_decay
    )
    schedule = get_cosine_schedule_with_warmup(
        optimizer, min(preset.warmup_steps, steps // 2), steps
    )
    fingerprints = [p.detach().reshape(-1)[:64].clone() for p in params]
    started = time.time()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=QUIET)
        noise = get_noise_multiplier(
            target_epsilon=dp.epsilon,
            target_delta=delta,
            sample_rate=sample_rate,
            steps=steps,
            accountant=dp.accountant,
        )
        report(
            f"DP adaptation on {len(notes)} notes: noise multiplier {noise:.3f}, sampling rate "
            f"{sample_rate:.4f}, {steps} steps"
        )
        model.train()  # Opacus validates a model in training mode only
        engine = PrivacyEngine(accountant=dp.accountant)
        torch.manual_seed(seed)  # Poisson sampling and noise come from the seeded generator
        hooks, optimizer, loader = engine.make_private(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            noise_multiplier=noise,
            max_grad_norm=dp.max_grad_norm,
            poisson_sampling=True,
            loss_reduction="mean",
            wrap_model=False,
        )
        taken, loss = 0, float("nan")
        while taken < steps:
            for (batch,) in loader:
                chosen = [notes[i] for i in batch.tolist()]
                loss = note_gradients(
                    model, params, chosen, tokenizer.pad_token_id, preset.batch_size
                )
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                taken += 1
                if taken % max(1, steps // 10) == 0 or taken == steps:
                    report(f"DP step {taken}/{steps} loss {loss:.4f}")
                if taken == steps:
                    break
        hooks.cleanup()
        epsilon = float(engine.get_epsilon(delta))
    model.eval()
    unchanged = sum(
        torch.equal(f, p.detach().reshape(-1)[:64])
        for f, p in zip(fingerprints, params, strict=True)
    )
    if unchanged:
        # What Opacus does with parameters it lost track of (a model moved after its hooks were
        # attached): it skips them without a word, and the "private" model is the base.
        raise RuntimeError(f"DP adaptation left {unchanged} trainable tensors unchanged")
    guarantee = PrivacyGuarantee(
        epsilon=epsilon,
        delta=delta,
        noise_multiplier=float(noise),
        sample_rate=sample_rate,
        steps=taken,
        accountant=dp.accountant,
        max_grad_norm=dp.max_grad_norm,
        units=len(notes),
    )
    stats = LmTrainStats(
        time.time() - started,
        taken,
        sum(len(windows) for windows in notes),
        loss,
        NAMES[params[0].dtype],
    )
    return model, stats, trainable_parameters(model), guarantee


def note_gradients(
    model: PreTrainedModel,
    params: Sequence[torch.nn.Parameter],
    notes: Sequence[Sequence[Sequence[int]]],
    pad: int,
    max_rows: int,
) -> float:
    """One per-sample gradient per note in each parameter's `grad_sample`, as Opacus's optimizer
    clips them: the per-window gradients that Opacus's hooks computed, summed over the note's
    windows. Notes go through the model in groups of at most `max_rows` windows (a longer note
    alone). The loss of a note is its mean token loss. Returns the mean loss over the notes."""
    if not notes:
        # An empty Poisson batch: the step adds noise only, as the accountant assumes.
        for p in params:
            p.grad_sample = p.new_zeros((0, *p.shape))
        return float("nan")
    collected: list[list[torch.Tensor]] = [[] for _ in params]
    total = 0.0
    for group in _groups(notes, max_rows):
        owner = torch.tensor([n for n, windows in enumerate(group) for _ in windows])
        ids, mask = right_padded([w for windows in group for w in windows], pad)
        device = params[0].device
        ids, mask, owner = ids.to(device), mask.to(device), owner.to(device)
        logits = model(input_ids=ids, attention_mask=mask, use_cache=False).logits
        losses = (
            torch.nn.functional.cross_entropy(
                logits[:, :-1].flatten(0, 1).float(), ids[:, 1:].flatten(), reduction="none"
            ).view(len(ids), -1)
            * mask[:, 1:]
        )
        sums = losses.new_zeros(len(group)).index_add(0, owner, losses.sum(1))
        tokens = mask.new_zeros(len(group)).index_add(0, owner, mask[:, 1:].sum(1))
        per_note = sums / tokens
        # Opacus's hooks multiply a "mean" loss back by the rows of the batch: each row's
        # per-sample gradient is then its share of its own note's loss.
        (per_note.sum() / len(ids)).backward()
        total += float(per_note.detach().sum())
        for grads, p in zip(collected, params, strict=True):
            sample = p.grad_sample
            grads.append(sample.new_zeros((len(group), *p.shape)).index_add_(0, owner, sample))
            p.grad_sample = None
    for grads, p in zip(collected, params, strict=True):
        p.grad_sample = torch.cat(grads)
    return total / len(notes)


def _groups(
    notes: Sequence[Sequence[Sequence[int]]], max_rows: int
) -> list[Sequence[Sequence[Sequence[int]]]]:
    groups: list[list[Sequence[Sequence[int]]]] = [[]]
    rows = 0
    for windows in notes:
        if groups[-1] and rows + len(windows) > max_rows:
            groups.append([])
            rows = 0
        groups[-1].append(windows)
        rows += len(windows)
    return groups
