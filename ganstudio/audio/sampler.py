"""The sampler worker: a thread that runs the generator and keeps every pad's clip rendered.

It renders through the one render path (:func:`models.sampling.generate`, then
:func:`models.sampling.full_band` to the device rate, through the bandwidth extender when one is
set, and :func:`dsp.pad.shape_pad` with the pad's trim,
reverse and pitch) and hands finished clips to the :class:`VoiceMixer` (which double-buffers them),
so a pad press never waits for the network and plays exactly what drag-out and export write.
A change of a pad's shape re-shapes its kept raw clip without running the network. New generator
snapshots from training ("hear it learn") replace the current one between renders; only the
newest pending snapshot is kept.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..dsp.pad import is_stereo, shape_pad
from ..models.latent import mutate, random_latent, slerp
from ..models.sampling import full_band, generate, render_sides
from ..models.variations import latent_amount
from ..models.wavegan import Generator, style_for
from .engine import lower_thread_priority
from .voices import VoiceMixer

log = logging.getLogger(__name__)


KEEP = object()     # set_pad: leave the pad's style as it is


@dataclass
class Pad:
    """One pad's sound: a latent [latent_dim], for conditioned models a class id, and a style
    [style_size] when a sound-alike search found one (None: the generator as trained)."""

    latent: np.ndarray
    label: int | None = None
    style: np.ndarray | None = None
    shape: dict = field(default_factory=dict)      # start, end, reverse, pitch (gain is the voice's)
    raw: np.ndarray | None = None                   # the rendered clip at the device rate, unshaped
    side: np.ndarray | None = None                  # its stereo side signal (rendered while width > 0)

    @property
    def stereo(self) -> bool:
        return is_stereo(self.shape)


class SamplerWorker:
    """Keeps ``mixer``'s pads rendered from ``generator`` at ``device_rate`` Hz."""

    def __init__(self, mixer: VoiceMixer, generator: Generator, device_rate: int, pads: int = 16,
                 seed: int = 0, extender=None):
        self.mixer = mixer
        self.device_rate = device_rate
        self._extender = extender           # a LoadedExtender, or None for the plain resampled band
        self._generator = generator
        self._pending: Generator | None = None
        self.rng = rng = np.random.default_rng(seed)
        n_classes = generator.cfg.num_classes
        self.pads = [Pad(rng.standard_normal(generator.cfg.latent_dim).astype(np.float32),
                         (i % n_classes) if n_classes else None) for i in range(pads)]
        self._dirty = set(range(pads))
        self._reshape: set[int] = set()
        self._wake = threading.Condition()
        self._stop = False
        self._busy = False
        self.renders = 0        # clips rendered so far
        self.versions = [0] * pads      # per pad: how many clips it has had (a new one invalidates what was measured)
        self.snapshots = 0      # generator swaps so far
        self.error: str | None = None
        # called on the worker thread with the pad indices whose clips just changed
        self.on_rendered: Callable[[list[int]], None] | None = None
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    # ---- called from other threads -----------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread.ident is not None:      # never started: nothing to wait for
            self._thread.join(timeout)

    def submit_generator(self, generator: Generator, step: int | None = None) -> None:
        """Use ``generator`` (a frozen copy; the signature fits ``Trainer.snapshot_fn``) from the
        next render on, and re-render every pad with it."""
        with self._wake:
            self._pending = generator
            self._dirty.update(range(len(self.pads)))
            self._wake.notify_all()

    def set_extender(self, extender) -> None:
        """Render through ``extender`` (a LoadedExtender; None: plain resampling) from the next
        render on, and re-render every pad with it (Hi-fi on/off, a model's own extender)."""
        with self._wake:
            self._extender = extender
            self._dirty.update(range(len(self.pads)))
            self._wake.notify_all()

    @property
    def extender(self):
        return self._extender

    def set_pad(self, index: int, latent: np.ndarray | None = None, label: int | None = None,
                style=KEEP) -> None:
        """Change a pad's latent, class and/or style (float32 [style_size], or None for none);
        it is re-rendered in the background."""
        with self._wake:
            pad = self.pads[index]
            if latent is not None:
                pad.latent = np.asarray(latent, dtype=np.float32).copy()
            if label is not None:
                pad.label = label
            if style is not KEEP:
                pad.style = None if style is None else np.asarray(style, dtype=np.float32).copy()
            self._dirty.add(index)
            self._wake.notify_all()

    def set_shape(self, index: int, shape: dict) -> None:
        """Change how pad ``index`` shapes its clip (start, end, reverse, pitch, width); its kept raw
        clip is re-shaped in the background, without running the network unless a stereo width
        needs the pad's side signal rendered first."""
        with self._wake:
            pad = self.pads[index]
            pad.shape = dict(shape)
            (self._dirty if pad.stereo and pad.side is None else self._reshape).add(index)
            self._wake.notify_all()

    def randomize(self, index: int) -> None:
        """Give pad ``index`` a fresh random latent, and no style."""
        self.set_pad(index, random_latent(len(self.pads[index].latent), self.rng), style=None)

    def mutate(self, index: int, amount: float) -> None:
        """Move pad ``index`` to a neighbour: ``amount`` 0 keeps it, 0.05 subtle, 0.25 audibly
        different, 1 a new random sound (the calibrated scale of :mod:`models.variations`). The
        style stays: the neighbours of a sound-alike are neighbours of the matched sound."""
        self.set_pad(index, mutate(self.pads[index].latent, latent_amount(amount), self.rng))

    def morph(self, target: int, a: int, b: int, t: float) -> None:
        """Set pad ``target`` to the spherical blend of pads ``a`` (t=0) and ``b`` (t=1), and the
        straight blend of their styles (no style counts as all zeros)."""
        pa, pb = self.pads[a], self.pads[b]
        label = pa.label if t < 0.5 else pb.label
        style = None
        if pa.style is not None or pb.style is not None:
            sa = pa.style if pa.style is not None else np.zeros_like(pb.style)
            sb = pb.style if pb.style is not None else np.zeros_like(pa.style)
            style = ((1 - t) * sa + t * sb).astype(np.float32)
        self.set_pad(target, slerp(pa.latent, pb.latent, t), label, style)

    @property
    def busy(self) -> bool:
        """True while pads wait to be rendered or re-shaped, or a render is under way."""
        return bool(self._dirty or self._reshape or self._busy or self._pending is not None)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every pad is rendered; False on timeout."""
        with self._wake:
            return self._wake.wait_for(lambda: not self.busy, timeout)

    # ---- the worker thread -------------------------------------------------------------
    def _run(self) -> None:
        lower_thread_priority()
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._stop or self._dirty or self._reshape or self._pending is not None)
                if self._stop:
                    return
                if self._pending is not None:
                    self._generator, self._pending = self._pending, None
                    self.snapshots += 1
                batch = sorted(self._dirty)
                reshape = sorted(self._reshape - self._dirty)
                self._dirty.clear()
                self._reshape.clear()
                self._busy = True
                pads = [(i, self.pads[i].latent.copy(), self.pads[i].label, self.pads[i].style) for i in batch]
                stereo = {i for i in batch if self.pads[i].stereo}
            try:
                clips = self._render(pads, stereo) if pads else {}
            except Exception as exc:  # keep the audio going on the old clips; report the reason
                self.error = f"rendering failed: {exc}"
                clips = {}
            with self._wake:
                for i, (raw, side) in clips.items():
                    self.pads[i].raw, self.pads[i].side = raw, side
                work = [(i, self.pads[i].raw, self.pads[i].side, dict(self.pads[i].shape))
                        for i in list(clips) + reshape if self.pads[i].raw is not None]
            for i, raw, side, shape in work:
                self.mixer.load_clip(i, shape_pad(raw, self.device_rate, shape, gain=False, side=side, dc=True))
                self.versions[i] += 1
            with self._wake:
                self.renders += len(work)
                self._busy = False
                self._wake.notify_all()
            if work and self.on_rendered is not None:
                self.on_rendered([i for i, *_ in work])

    def _render(self, pads: list[tuple[int, np.ndarray, int | None, np.ndarray | None]],
                stereo: set[int]) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
        """{index: (raw clip, side signal or None)} at the device rate for ``pads`` [(index,
        latent, label, style)]; the pads in ``stereo`` get their side signal rendered too."""
        g, ext = self._generator, self._extender
        pads = [(*p[:3], style_for(g, p[3])) for p in pads]
        bad: list = []
        audio = generate(g, np.stack([p[1] for p in pads]), [p[2] for p in pads], problems=bad,
                         styles=[p[3] for p in pads])
        audio = full_band(audio, g.cfg.sample_rate, self.device_rate, ext, problems=bad)
        if bad:   # never let a broken snapshot reach the speakers; say which pads went quiet
            self.error = "the model made unusable sound for pad(s) " + ", ".join(
                f"{pads[i][0] + 1} ({why})" for i, why in bad) + "; they play silence"
            log.warning(self.error)
        wide = [p for p in pads if p[0] in stereo]
        sides = render_sides(g, np.stack([p[1] for p in wide]), [p[2] for p in wide], self.device_rate,
                             ext, styles=[p[3] for p in wide]) if wide else []
        side_of = {p[0]: s for p, s in zip(wide, sides)}
        return {p[0]: (clip, side_of.get(p[0])) for p, clip in zip(pads, audio)}
