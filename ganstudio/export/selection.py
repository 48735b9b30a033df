"""Which stems an export makes: one selection shared by ``ganstudio export`` and the window's
export dialog, from a model and (optionally) pads as a session holds them (``pads_state`` /
``session.check_pad`` dicts with ``latent`` and ``label``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .settings import StemSpec
from .stems import pad_spec, pad_stem_name, random_specs, texture_spec, variation_specs


@dataclass
class Selection:
    """``pads``: pad numbers (1-based) to export as they play; ``variations`` of pad
    ``variations_of`` (1-based; None: of a random sound) at ``amount``; ``random`` sounds (of
    class ``label`` for a conditioned model, else all classes in turn); ``texture`` seconds of
    texture mode. Nothing chosen means every pad (with pads) or 16 random sounds (without)."""

    pads: list[int] | None = None
    variations: int = 0
    variations_of: int | None = None
    amount: float = 0.25
    random: int = 0
    texture: float = 0.0
    seed: int = 0
    label: int | None = None


def _pad(pads: list[dict] | None, n: int, latent_dim: int, where: str) -> dict:
    if pads is None:
        raise ValueError("pads come from a session: give a .gss file as SOURCE to use --pads or --of-pad")
    if not 1 <= n <= len(pads):
        raise ValueError(f"{where} has pads 1-{len(pads)}; there is no pad {n}")
    d = pads[n - 1]
    if d.get("latent") is None:
        raise ValueError(f"{where}: pad {n} has no latent to export")
    if len(d["latent"]) != latent_dim:
        raise ValueError(f"{where}: pad {n}'s latent has {len(d['latent'])} values; the model wants {latent_dim}")
    return d


def select_stems(model, pads: list[dict] | None, sel: Selection, where: str = "the session") -> list[StemSpec]:
    """The :class:`StemSpec` list for ``sel``; raises ValueError naming what is missing."""
    dim = model.config.latent_dim
    specs: list[StemSpec] = []
    for n in sel.pads or []:
        d = _pad(pads, n, dim, where)
        specs.append(pad_spec(n - 1, d["latent"], d.get("label"), d))
    if sel.variations:
        if sel.variations_of:
            d = _pad(pads, sel.variations_of, dim, where)
            z, label, name = d["latent"], d.get("label"), pad_stem_name(sel.variations_of - 1, d.get("name"))
            style = d.get("style")
        else:
            z = np.random.default_rng(sel.seed).standard_normal(dim)
            label, name, style = sel.label, "variation", None
        specs += variation_specs(z, label, sel.variations, sel.amount, sel.seed, name,
                                 sel.variations_of - 1 if sel.variations_of else None, style)
    if sel.random:
        specs += random_specs(model, sel.random, sel.seed, sel.label)
    if sel.texture:
        specs.append(texture_spec(sel.texture, sel.seed))
    if not specs:
        specs = select_stems(model, pads, Selection(pads=list(range(1, len(pads) + 1))), where) \
            if pads is not None else random_specs(model, 16, sel.seed, sel.label)
    return specs
