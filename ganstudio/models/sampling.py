"""Run a generator: latents in, audio out (numpy). :func:`generate` is the only place a generator
is called; with :func:`ganstudio.dsp.pad.resample` and :func:`ganstudio.dsp.pad.shape_pad` it is
the one render path of a pad (sampler, drag-out, export)."""
from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager

import numpy as np
import torch

from ..dsp.bands import CAP_RULE, cap_added_band
from ..dsp.pad import resample
from ..dsp.processing import PEAK_CEILING_DBFS, silence_bad_clips
from .latent import stereo_pair
from .modelfile import LoadedModel


def latents(n: int, latent_dim: int, seed: int) -> np.ndarray:
    """``n`` standard-normal latent vectors float32 [n, latent_dim], deterministic in ``seed``."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def class_index(model: LoadedModel, name: str | None) -> int | None:
    """The class id for ``name`` (None for unconditioned models); a clear error for unknown names."""
    if not model.config.num_classes:
        if name:
            raise ValueError(f"model {model.name} has no classes; drop --class")
        return None
    names = list(model.config.class_names)
    if name is None:
        return None
    if name not in names:
        raise ValueError(f"model {model.name} has no class {name!r}; it has {', '.join(names)}")
    return names.index(name)


def class_ids(num_classes: int, labels, n: int) -> torch.Tensor | None:
    """The one rule for a batch's classes: None for an unconditioned model; for a conditioned one
    ``labels`` [n] (None entries become class 0, others wrap into range), or 0, 1, 2, ... when
    ``labels`` is None."""
    if not num_classes:
        return None
    if labels is None:
        return torch.arange(n) % num_classes
    return torch.tensor([0 if lab is None else int(lab) % num_classes for lab in labels], dtype=torch.long)


def labels_in_proportion(counts, n: int, seed: int) -> np.ndarray:
    """``n`` class ids int64 [n] in the proportions of ``counts`` [classes] (clips per class in the
    data): each class gets its share rounded down, the classes with the largest remainders one
    more, then the order is shuffled by ``seed``. Drawn this way, a conditioned model's clips are a
    sample of the folder as an unconditioned model's are; drawn in turn (0, 1, 2, ...), a class of
    15 clips is asked for as often as one of 248 (docs/quality.md, run 25)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or not len(counts) or not np.isfinite(counts).all() or counts.min() < 0 or counts.sum() <= 0:
        raise ValueError(f"class counts must be non-negative with a positive sum, got {counts.tolist()}")
    share = n * counts / counts.sum()
    alloc = np.floor(share).astype(np.int64)
    extra = np.argsort(-(share - alloc), kind="stable")[: n - int(alloc.sum())]
    alloc[extra] += 1
    labels = np.repeat(np.arange(len(counts)), alloc)
    return np.random.default_rng(seed).permutation(labels)


def class_counts(model: LoadedModel) -> np.ndarray | None:
    """Clips per class [classes] of the folder a class-conditioned model learned from, as its file's
    data summary records them; None where it records none, or counts that don't fit its classes
    (names in another order, not whole numbers, none at all): a file may come from anyone."""
    names = list(model.config.class_names)
    data = model.meta.get("data") if isinstance(model.meta, dict) else None
    got = data.get("classes") if isinstance(data, dict) else None
    if not names or not isinstance(got, dict) or list(got) != names:
        return None
    counts = list(got.values())
    if not all(type(c) is int and 0 <= c <= 10**9 for c in counts) or not sum(counts):
        return None
    return np.asarray(counts, dtype=np.float64)


def random_labels(model: LoadedModel, n: int, seed: int) -> np.ndarray | None:
    """The classes of ``n`` sounds drawn at random from a model, int64 [n]: in its folder's
    proportions (:func:`labels_in_proportion`), so random stems sound like the folder; in turn
    (0, 1, 2, ...) when the file doesn't say; None for an unconditioned model."""
    k = model.config.num_classes
    if not k:
        return None
    counts = class_counts(model)
    return np.arange(n) % k if counts is None else labels_in_proportion(counts, n, seed)


def style_batch(size: int, styles, n: int) -> np.ndarray | None:
    """The one rule for a batch's styles (see :class:`~.wavegan.Generator`): None when no clip
    has one, else float32 [n, size] with zeros (the generator as trained) for None entries.
    ``styles``: None, or [n] entries that are None or float32 [size]."""
    if styles is None or all(s is None for s in styles):
        return None
    if len(styles) != n:
        raise ValueError(f"{len(styles)} styles for {n} clips")
    out = np.zeros((n, size), np.float32)
    for i, s in enumerate(styles):
        if s is not None:
            s = np.asarray(s, np.float32)
            if s.shape != (size,):
                raise ValueError(f"a style of this model holds {size} numbers, not {s.size}")
            out[i] = s
    return out


_EXACT = threading.Lock()


@contextmanager
def rendering(exact: bool):
    """Inference as the renders need it. ``exact``: without oneDNN, whose kernels round
    differently from run to run, and on one thread, as some CPU kernels (the extender's matrix
    products) sum in another order with another thread count (measured: 7e-6 apart between 1 and
    2 threads), so a sidecar remakes the same samples on a machine with any number of cores.
    Exact renders take turns, since the thread count is the whole process's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # torch warns about oneDNN TF32 when toggling the flag
        with torch.inference_mode(), torch.backends.mkldnn.flags(enabled=not exact):
            if not exact:
                yield
                return
            with _EXACT:
                threads = torch.get_num_threads()
                torch.set_num_threads(1)
                try:
                    yield
                finally:
                    torch.set_num_threads(threads)


def generate(generator, z: np.ndarray, labels=None, exact: bool = False,
             problems: list | None = None, styles=None) -> np.ndarray:
    """The one way a generator is run: latents ``z`` [n, latent_dim] (and ``labels``, see
    :func:`class_ids`, and ``styles``, see :func:`style_batch`) to float32 audio
    [n, clip_length] at the model rate.

    ``exact`` renders one clip at a time on the CPU without oneDNN, whose kernels round
    differently from run to run, so a sidecar remakes the same samples. A clip that is
    non-finite or stuck at DC comes back as silence; ``problems`` receives its (index, reason)."""
    z = np.asarray(z, dtype=np.float32)
    cfg = generator.cfg
    if z.ndim != 2 or z.shape[1] != cfg.latent_dim:
        raise ValueError(f"latents must be [n, {cfg.latent_dim}], got {list(z.shape)}")
    ids = class_ids(cfg.num_classes, labels, len(z))
    style = style_batch(getattr(generator, "style_size", 0), styles, len(z))
    dev = next(generator.parameters(), torch.empty(0)).device
    out = np.empty((len(z), cfg.clip_length), dtype=np.float32)
    step = 1 if exact else 16
    with rendering(exact):
        for i in range(0, len(z), step):
            zb = torch.from_numpy(z[i:i + step]).to(dev)
            yb = ids[i:i + step].to(dev) if ids is not None else None
            args = (zb, yb) if style is None else (zb, yb, torch.from_numpy(style[i:i + step]).to(dev))
            out[i:i + len(zb)] = generator(*args).squeeze(1).float().cpu().numpy()
    bad = silence_bad_clips(out)
    if problems is not None:
        problems.extend(bad)
    return out


def render(model: LoadedModel, z: np.ndarray, labels: np.ndarray | None = None,
           problems: list | None = None) -> np.ndarray:
    """:func:`generate` with a loaded model (the CLI's ``generate``)."""
    return generate(model.generator, z, labels, problems=problems)


def extend(ext, clips: np.ndarray, rate: int, made_at: float, exact: bool = False,
           problems: list | None = None, cap: int = CAP_RULE) -> np.ndarray:
    """The bandwidth extender on ``clips`` float32 [n, samples] at ``rate`` Hz that were made at
    ``made_at`` Hz (so carry nothing above :func:`band_edge` of it): the full-band clips, same
    shape. ``ext`` is a :class:`~.extender_file.LoadedExtender`; when ``rate`` is not its rate
    the clips are resampled to it and back. The added band is capped to a multiple of the energy
    of the clip's top octave by rule ``cap`` (:func:`~ganstudio.dsp.bands.cap_added_band`: 2, the
    multiple rises with how bright the top octave is; 1, a flat 10x as stems made before rule 2
    were; 0, no cap as stems made before the cap). A clip whose peak would pass -0.3 dBFS is scaled
    down whole (never clipped). Clips that already reach the extender's own band come back unchanged;
    ``exact`` as in :func:`generate`."""
    from .extender import band_edge
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2:
        raise ValueError(f"clips must be [n, samples], got {list(clips.shape)}")
    own = ext.sample_rate
    if band_edge(made_at) >= 0.9 * band_edge(min(rate, own)):
        return clips.copy()
    x = clips if rate == own else np.stack([resample(c, rate, own) for c in clips])
    out = np.empty_like(x)
    step = 1 if exact else 16
    dev = next(ext.net.parameters()).device
    with rendering(exact):
        for i in range(0, len(x), step):
            xb = torch.from_numpy(x[i:i + step]).to(dev)
            cutoff = torch.full((len(xb),), band_edge(made_at), device=dev)
            out[i:i + len(xb)] = ext.net(xb, cutoff, fast=not exact).float().cpu().numpy()
    if rate != own:
        out = np.stack([resample(c, own, rate)[:clips.shape[1]] for c in out])
    if cap:         # rule 0 (off) and 1 only remake stems exported before rule 2 existed
        out = cap_added_band(clips, out, rate, band_edge(made_at), rule=int(cap))
    # the added band raises peaks (a hi-hat gains several dB): a clip that would pass full scale is
    # scaled whole, never clipped, to the ceiling loudness normalisation keeps too
    ceiling = np.float32(10 ** (PEAK_CEILING_DBFS / 20))
    peaks = np.abs(out).max(axis=1, initial=0.0)
    hot = peaks > ceiling
    out[hot] *= (ceiling / peaks[hot])[:, None]
    bad = silence_bad_clips(out)
    if problems is not None:
        problems.extend(bad)
    return out


def full_band(clips: np.ndarray, model_rate: int, rate: int, ext=None, exact: bool = False,
              problems: list | None = None, cap: int = CAP_RULE) -> np.ndarray:
    """The way a generated clip reaches the output rate: ``clips`` float32 [n, samples] at
    ``model_rate`` resampled (soxr) to ``rate`` and, with an extender ``ext``, given the band a
    ``model_rate`` model can't make; [n, samples * rate / model_rate]."""
    x = np.stack([resample(c, model_rate, rate) for c in np.asarray(clips, np.float32)])
    if ext is None or rate <= model_rate:
        return x
    return extend(ext, x, rate, model_rate, exact=exact, problems=problems, cap=cap)


def render_sides(generator, z: np.ndarray, labels, rate: int, ext=None, exact: bool = False,
                 cap: int = CAP_RULE, styles=None) -> np.ndarray:
    """The side signals of true stereo (:mod:`ganstudio.dsp.stereo`) for latents ``z``
    [n, latent_dim]: half the difference of the two takes of :func:`~.latent.stereo_pair`, each
    rendered by :func:`generate` and brought to ``rate`` by :func:`full_band` (the extender is
    not linear, so it runs on each take, not on their difference); float32 [n, frames]. A take
    the model can't make comes back silent, which leaves the other as the side."""
    z = np.asarray(z, dtype=np.float32)
    pairs = np.stack([np.stack(stereo_pair(zi)) for zi in z]).reshape(-1, z.shape[1])
    labels = [None] * len(z) if labels is None else list(labels)
    styles = [None] * len(z) if styles is None else list(styles)
    takes = generate(generator, pairs, [lab for lab in labels for _ in (0, 1)], exact=exact,
                     styles=[s for s in styles for _ in (0, 1)])
    takes = full_band(takes, generator.cfg.sample_rate, rate, ext, exact=exact, cap=cap)
    return ((takes[0::2] - takes[1::2]) * np.float32(0.5)).astype(np.float32)
