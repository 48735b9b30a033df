"""The playing instrument, without Qt: a model, 16 pads with their settings, the sampler worker,
texture mode and the sound-card stream, wired together. The GUI, MIDI and tests drive this.

A missing or failing sound card leaves it usable: pads still render (for the views, drag-out and
export), ``audio_error`` says why there is no sound, and :meth:`reopen_audio` tries again.
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict
from typing import Callable

import numpy as np

from ..dsp.oneshot import clean_oneshot, clean_oneshots
from ..dsp.pad import is_stereo, resample, shape_pad
from ..dsp.pitch import estimate_pitch
from ..dsp.processing import block_dc
from ..dsp.stereo import to_mono
from ..models.extender_file import model_extender
from ..models.modelfile import LoadedModel, ModelFileError
from ..models.sampling import full_band, render_sides
from ..models.variations import find_variations
from ..models.wavegan import Generator, style_for, usable_style
from .engine import AudioDeviceError, AudioEngine
from .process import AudioProcess
from .pad_settings import PadSettings
from .voices import STOP_FADE_S, VoiceMixer
from .sampler import SamplerWorker
from .texture import TextureStream

log = logging.getLogger(__name__)

PADS = 16
PREVIEW_PAD = PADS      # one more mixer pad plays dataset clips and other previews
VOICES = 32
MAX_CLIP_S = 4.0


class Studio:
    """``model`` on 16 pads, played at ``sample_rate`` Hz with ``blocksize`` frames per callback on
    ``device`` (a PortAudio index or name; None: the default output)."""

    def __init__(self, model: LoadedModel, *, device: int | str | None = None, sample_rate: int = 48000,
                 blocksize: int = 256, seed: int = 0):
        self.model = model
        self.sample_rate = sample_rate
        self.pad_settings = [PadSettings(name=f"Pad {i + 1}") for i in range(PADS)]
        # the callback runs in its own process, out of reach of this one's interpreter lock
        # (the window's drawing holds it for milliseconds); clips and triggers go through shared memory
        max_frames = int(MAX_CLIP_S * sample_rate)
        if os.environ.get("GANSTUDIO_AUDIO_ENGINE") == "inline":     # for A/B measurements only
            self.mixer = VoiceMixer(pads=PADS + 1, voices=VOICES, max_frames=max_frames, max_block=4096,
                                    fade_frames=int(STOP_FADE_S * sample_rate))
            self.engine = AudioEngine(self.mixer, sample_rate, blocksize, channels=2, device=device)
        else:
            self.engine = AudioProcess(pads=PADS + 1, voices=VOICES, max_frames=max_frames,
                                       sample_rate=sample_rate, blocksize=blocksize, channels=2, device=device)
            self.mixer = self.engine.mixer
        self.hifi = True                    # play through the bandwidth extender when there is one
        self.extender = None
        self.extender_error: str | None = None
        self._load_extender(model)
        # told (on the sampler's thread) which pads' clips changed: the window redraws on it
        self.on_rendered: Callable[[list[int]], None] | None = None
        self.worker = SamplerWorker(self.mixer, model.generator, device_rate=sample_rate, pads=PADS,
                                    seed=seed, extender=self.active_extender)
        self.worker.on_rendered = self._rendered
        self.texture: TextureStream | None = None
        self.audio_error: str | None = None
        self.snapshot_step: int | None = None
        self._generator = model.generator
        self._pitches: dict[int, tuple] = {}        # pad -> (its clip's version when estimated, pitch)

    def _rendered(self, pads: list[int]) -> None:
        if self.on_rendered is not None:
            self.on_rendered(pads)

    # ---- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start rendering, then the sound card; a sound-card failure is kept in ``audio_error``."""
        self.worker.start()
        self.start_audio()

    def start_audio(self) -> bool:
        try:
            self.engine.start()
            self.audio_error = None
        except AudioDeviceError as exc:
            self.audio_error = str(exc)
            log.warning("no sound: %s", exc)
        return self.audio_error is None

    def reopen_audio(self, device: int | str | None = ..., blocksize: int | None = None) -> bool:
        """Reopen the stream (after a lost device, or on another device / block size)."""
        try:
            self.engine.reopen(device, blocksize)
            self.audio_error = None
        except (AudioDeviceError, ValueError) as exc:
            self.audio_error = str(exc)
        return self.audio_error is None

    def check_audio(self) -> str | None:
        """Poll from the GUI: the reason the sound stopped, once it was lost."""
        if self.engine.lost and self.audio_error is None:
            self.audio_error = "the audio device stopped (unplugged, or the sound server went away)"
        return self.audio_error

    def close(self) -> None:
        """Fade out and stop the sound, stop the workers, end the audio process (its shared
        memory goes with it: after this the pads' clips read as empty)."""
        self.on_rendered = None
        self.stop_live()
        self.stop_stream()
        self.engine.stop()
        self.worker.stop()
        if self.texture:
            self.texture.stop()
        self.closed = True
        self.engine.close()

    closed = False
    stream = None       # a FileStream while a recording plays

    # ---- the model ----------------------------------------------------------------------
    def _load_extender(self, model: LoadedModel) -> None:
        """The model's own extender, else the shipped one; a damaged or missing one leaves the
        studio playing the plain resampled band and says why in ``extender_error``."""
        try:
            self.extender, self.extender_error = model_extender(model), None
        except ModelFileError as exc:
            self.extender, self.extender_error = None, f"Hi-fi is off: {exc}"
            log.warning(self.extender_error)

    @property
    def active_extender(self):
        """The extender pads play through (None with Hi-fi off, or at a rate the model already fills)."""
        return self.extender if self.hifi else None

    def set_hifi(self, on: bool) -> None:
        """Hi-fi on: pads and texture play full band; off: the model's band resampled, to compare."""
        self.hifi = bool(on)
        self.worker.set_extender(self.active_extender)
        if self.texture:
            self.texture.extender = self.active_extender

    def submit_extender(self, extender, step: int | None = None) -> None:
        """A (snapshot of an) extender in training: pads re-render through it."""
        self.extender = extender
        self.set_hifi(self.hifi)

    def set_model(self, model: LoadedModel) -> None:
        """Play another model; pads keep their latents when the latent size allows."""
        old = self.worker
        latents = [p.latent for p in old.pads]
        labels = [p.label for p in old.pads]
        old.stop()
        self.model, self._generator = model, model.generator
        self._load_extender(model)
        self.worker = SamplerWorker(self.mixer, model.generator, device_rate=self.sample_rate, pads=PADS,
                                    extender=self.active_extender)
        self.worker.on_rendered = self._rendered
        n_classes = model.config.num_classes
        for i, (z, label) in enumerate(zip(latents, labels)):
            self.worker.set_shape(i, self.pad_settings[i].shape())
            if len(z) == model.config.latent_dim:
                keep = label if (n_classes and label is not None and label < n_classes) else None
                self.worker.set_pad(i, z, keep)
        self.worker.start()
        if self.texture:
            self.texture.submit_generator(model.generator)
        self.snapshot_step = None

    def submit_snapshot(self, generator: Generator, step: int) -> None:
        """A frozen generator from training: every pad (and the texture) re-renders with it."""
        self._generator = generator
        self.snapshot_step = step
        self.worker.submit_generator(generator, step)
        if self.texture:
            self.texture.submit_generator(generator, step)

    @property
    def generator(self) -> Generator:
        return self._generator

    # ---- pads ---------------------------------------------------------------------------
    def trigger(self, pad: int, velocity: float = 1.0, rate: float = 1.0) -> None:
        """Play ``pad`` (``velocity`` 0..1 scales its gain: the window sends 1, MIDI its curve).
        The clip is already shaped by the render path, so the voice plays it as it is, at
        ``rate`` times its speed (keyboard mode; 1 everywhere else)."""
        s = self.pad_settings[pad]
        self.mixer.trigger(pad, gain=s.gain * velocity, rate=rate, loop=s.loop)

    keyboard_pad: int | None = None     # keyboard mode: MIDI notes play this pad chromatically
    keyboard_root = 60                  # the note at which it plays as it is

    def set_keyboard(self, pad: int | None) -> int | None:
        """Keyboard mode: every MIDI note plays pad ``pad`` chromatically, as it is at its own
        estimated note (:func:`dsp.pitch.estimate_pitch` of what it plays; C4 for a sound without
        a pitch). None: notes play the pads again. Returns the root note."""
        if pad is None:
            self.keyboard_pad = None
            return None
        found = self.pad_pitch(pad)
        self.keyboard_root = found.note if found is not None else 60
        self.keyboard_pad = pad
        return self.keyboard_root

    def pad_pitch(self, pad: int):
        """The estimated pitch of what pad ``pad`` plays (:func:`dsp.pitch.estimate_pitch`, None for
        a sound without one), estimated once per render: the clip view and keyboard mode both ask."""
        key = self.worker.versions[pad]
        cached = self._pitches.get(pad)
        if cached is None or cached[0] != key:
            cached = (key, estimate_pitch(to_mono(self.pad_clip(pad)), self.sample_rate))
            self._pitches[pad] = cached
        return cached[1]

    def note(self, note: int, velocity: float) -> bool:
        """A MIDI note in keyboard mode (``velocity`` 0: note-off): the keyboard pad at
        2^((note - root) / 12) times its speed; False when keyboard mode is off."""
        pad = self.keyboard_pad
        if pad is None:
            return False
        if velocity <= 0:
            self.release(pad)
            return True
        self.trigger(pad, velocity, rate=2.0 ** ((note - self.keyboard_root) / 12.0))
        return True

    def release(self, pad: int) -> None:
        """A key or note let go: a looping pad stops, a one-shot rings out."""
        if self.pad_settings[pad].loop:
            self.mixer.stop_pad(pad)

    def press(self, pad: int) -> bool:
        """A click on a pad: a looping pad that plays stops (its tooltip says "until pressed
        again"), anything else plays; True if it now plays."""
        if self.pad_settings[pad].loop and self.mixer.playing(pad):
            self.mixer.stop_pad(pad)
            return False
        self.trigger(pad)
        return True

    def preview(self, clip: np.ndarray, rate: int) -> None:
        """Play any clip (float32 [frames], or [frames, 2] in stereo, at ``rate`` Hz) once, e.g. a
        dataset clip or a keep."""
        clip = resample(clip, rate, self.sample_rate)
        self.mixer.stop_pad(PREVIEW_PAD)
        self.mixer.load_clip(PREVIEW_PAD, clip)
        self.mixer.trigger(PREVIEW_PAD)

    def play_stream(self, audio: np.ndarray, rate: int) -> None:
        """Play a recording of any length (float32 [frames] at ``rate`` Hz) once, through the
        engine's stream ring (:class:`~.file_stream.FileStream`); a stream already playing stops first."""
        from .file_stream import FileStream
        self.stop_live()
        self.stop_stream()
        if self.engine.stream is None:      # the audio process has gone
            return
        self.stream = FileStream(self.engine, audio, rate)
        self.stream.start()

    def stop_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.stop()

    # ---- live conversion ------------------------------------------------------------------
    def start_live(self, converter: str | None, input_device: int | str | None = None) -> str | None:
        """Convert the input ``input_device`` (None: the default input) live with the converter
        folder ``converter`` (None: pass the input through) and play it (:mod:`.live`); what
        plays through the stream ring stops first. Returns why it can't start, or None."""
        from .live import LiveProcess
        self.stop_live()
        self.stop_stream()
        if not isinstance(self.engine, AudioProcess):
            return "live conversion needs the audio process (GANSTUDIO_AUDIO_ENGINE=inline is for measurements only)"
        if not self.engine.running:
            return f"there is no sound output ({self.audio_error or 'the stream is not running'})"
        try:
            self.engine.start_input(input_device)
        except AudioDeviceError as exc:
            return str(exc)
        self.live = LiveProcess(self.engine, converter)
        return None

    def poll_live(self) -> list[tuple[str, object]]:
        """What the live conversion said since the last call: ("started"|"stats", info dict),
        ("overload"|"error", why), ("ended", None)."""
        return self.live.poll() if self.live is not None else []

    def stop_live(self) -> list[tuple[str, object]]:
        """Fade the live sound out, end its process and close the input; its last messages."""
        live, self.live = self.live, None
        if live is None:
            return []
        said = live.stop()
        self.engine.stop_input()
        return said

    live = None         # a LiveProcess while the input is converted live

    def stop_pad(self, pad: int) -> None:
        self.mixer.stop_pad(pad)

    def change_pad(self, pad: int, changes: dict) -> None:
        """Change pad settings (name, gain, pitch, reverse, loop, start, end, envelope, filter,
        choke group); a change of its shape re-shapes the clip in the sampler."""
        s = self.pad_settings[pad]
        before = s.shape()
        for k, val in changes.items():
            setattr(s, k, val)
        self.mixer.set_choke(pad, s.choke)
        if s.shape() != before:
            self.worker.set_shape(pad, s.shape())

    def pad_raw(self, pad: int) -> np.ndarray:
        """The pad's rendered clip before shaping (float32 [frames] at ``sample_rate``)."""
        raw = self.worker.pads[pad].raw
        return np.zeros(0, np.float32) if raw is None else raw.copy()

    def pad_source(self, pad: int) -> np.ndarray:
        """The clip the pad's start / end trim applies to: its raw clip, made a clean one-shot
        (without its DC offset) when the pad is set to (float32 [frames] at ``sample_rate``; for the
        clip view)."""
        raw = self.pad_raw(pad)
        return clean_oneshot(block_dc(raw, self.sample_rate), self.sample_rate) if self.pad_settings[pad].clean else raw

    def pad_clip(self, pad: int) -> np.ndarray:
        """A copy of what the pad's voice plays (shaped: trim, reverse, pitch; float32 [frames], or
        [frames, 2] for a stereo pad, at ``sample_rate``), without its gain."""
        if self.closed:         # the bank was shared memory of the audio process, now unmapped
            return np.zeros(0, np.float32)
        return self.mixer.clip(pad)

    def pad_sound(self, pad: int) -> np.ndarray:
        """What the pad plays once, gain included, at ``sample_rate``: the render path's shaping of
        its raw clip (for drag-out), the same samples the voice plays ([frames, 2] when stereo)."""
        side = self.worker.pads[pad].side
        return shape_pad(self.pad_raw(pad), self.sample_rate, asdict(self.pad_settings[pad]),
                         side=None if side is None else side.copy(), dc=True)

    def pad_latent(self, pad: int) -> np.ndarray:
        return self.worker.pads[pad].latent.copy()

    def pad_label(self, pad: int) -> int | None:
        return self.worker.pads[pad].label

    def pad_style(self, pad: int) -> np.ndarray | None:
        """The pad's style (float32 [style_size]), or None: see :class:`~ganstudio.models.wavegan.Generator`."""
        style = self.worker.pads[pad].style
        return None if style is None else style.copy()

    def randomize(self, pad: int) -> None:
        self.worker.randomize(pad)

    def mutate(self, pad: int, amount: float) -> None:
        self.worker.mutate(pad, amount)

    def morph(self, target: int, a: int, b: int, t: float) -> None:
        self.worker.morph(target, a, b, t)

    def variations(self, pad: int, n: int = 8, amount: float = 0.25, seed: int | None = None) -> list[dict]:
        """Up to ``n`` variations of pad ``pad`` at ``amount`` (the calibrated scale) that are
        neither copies of it nor of each other: dicts with ``latent``, ``label``, ``style`` (the
        pad's) and ``clip`` (float32 [frames], or [frames, 2] for a stereo pad, at ``sample_rate``,
        shaped as the pad plays, gain included). Runs the generator on the calling thread (the
        window calls it from a worker thread)."""
        g, rate = self._generator, self._generator.cfg.sample_rate
        clean = self.pad_settings[pad].clean
        label, style = self.pad_label(pad), style_for(g, self.pad_style(pad))
        zs, clips = find_variations(g, self.pad_latent(pad), label, n, amount, np.random.default_rng(seed),
                                    (lambda x: clean_oneshots(x, rate)) if clean else None, style)
        if not len(zs):
            return []
        audio = full_band(clips, rate, self.sample_rate, self.active_extender)
        shape = asdict(self.pad_settings[pad])
        sides = render_sides(g, zs, [label] * len(zs), self.sample_rate, self.active_extender,
                             styles=[style] * len(zs)) \
            if is_stereo(shape) else [None] * len(zs)      # a stereo pad's variations in stereo
        return [{"latent": z, "label": label, "style": style,
                 "clip": shape_pad(a, self.sample_rate, shape, side=sd, dc=True)} for z, a, sd in zip(zs, audio, sides)]

    def set_pad_latent(self, pad: int, latent: np.ndarray, label: int | None = None,
                       style: np.ndarray | None = None) -> None:
        """Give pad ``pad`` this latent, class and style (None: none); it re-renders in the background."""
        self.worker.set_pad(pad, latent, label, style)

    def set_pad_class(self, pad: int, label: int) -> None:
        self.worker.set_pad(pad, label=label)

    # ---- texture and master -------------------------------------------------------------
    def set_texture(self, on: bool, gain: float = 0.5) -> None:
        """Texture mode: a continuous walk through the latent space under the pads."""
        if on and self.texture is None:
            self.texture = TextureStream(self.engine.texture, self._generator, device_rate=self.sample_rate,
                                         extender=self.active_extender)
            self.texture.start()
        self.engine.texture_gain = gain
        self.engine.texture_on = on

    @property
    def volume(self) -> float:
        return self.engine.volume

    @volume.setter
    def volume(self, v: float) -> None:
        self.engine.volume = float(np.clip(v, 0.0, 2.0))

    # ---- sessions -------------------------------------------------------------------------
    def pad_state(self, pad: int) -> dict:
        """One pad as JSON-ready data: settings, latent, class and, when it has one, style (undo,
        keeps, sessions)."""
        label, style = self.pad_label(pad), self.pad_style(pad)
        return {**asdict(self.pad_settings[pad]), "latent": [float(x) for x in self.pad_latent(pad)],
                "label": None if label is None else int(label),
                **({} if style is None else {"style": [float(x) for x in style]})}

    def pads_state(self) -> list[dict]:
        """Every pad as :meth:`pad_state` data."""
        return [self.pad_state(i) for i in range(len(self.pad_settings))]

    def apply_pad_state(self, pad: int, d: dict) -> None:
        """Restore one pad from :meth:`pad_state` data (a latent of the wrong size is ignored, and
        so is a style, which then leaves none); it re-renders only when its latent, class or style
        changed."""
        dim = self.model.config.latent_dim
        n_classes = self.model.config.num_classes
        self.pad_settings[pad] = PadSettings.from_dict(d)
        self.mixer.set_choke(pad, self.pad_settings[pad].choke)
        self.worker.set_shape(pad, self.pad_settings[pad].shape())
        z = np.asarray(d.get("latent", []), dtype=np.float32)
        label = d.get("label")
        label = int(label) if (n_classes and isinstance(label, int) and 0 <= label < n_classes) else None
        if not (z.shape == (dim,) and np.all(np.isfinite(z))):
            return
        style = usable_style(d.get("style"), self.model.generator.style_size)
        same_style = np.array_equal(style, self.pad_style(pad))        # None equals None only
        if not np.array_equal(z, self.pad_latent(pad)) or label != self.pad_label(pad) or not same_style:
            self.worker.set_pad(pad, z, label, style)

    def apply_pads_state(self, pads: list[dict]) -> None:
        """Restore pads saved by :meth:`pads_state`."""
        for i, d in enumerate(pads[:PADS]):
            self.apply_pad_state(i, d)
