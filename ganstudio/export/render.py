"""A stem's audio, made deterministically: the generator runs on the CPU one clip at a time
without oneDNN, whose kernels round differently from run to run, so the same sidecar gives the
same samples every time; then the pad's render path and the export processing."""
from __future__ import annotations

import numpy as np

from ..dsp import processing as dsp
from ..dsp.bands import CAP_RULE
from ..dsp.oneshot import clean_oneshot
from ..dsp.pad import is_stereo, shape_pad
from ..dsp.stereo import to_mono
from ..models.latent import LatentWalk
from ..models.extender_file import model_extender
from ..models.sampling import full_band, generate, render_sides
from ..models.modelfile import LoadedModel, ModelFileError
from .settings import ExportError, ExportSettings, SILENT_DBFS, StemSpec


def render_exact(model: LoadedModel, latent: np.ndarray, label: int | None, style=None) -> np.ndarray:
    """One clip float32 [clip_length] at the model rate, bit-identical from run to run (``style``:
    float32 [style_size] or None)."""
    if next(model.generator.parameters()).device.type != "cpu":
        raise ValueError("exact rendering needs the model on the CPU")
    size = model.generator.style_size
    if style is not None and np.shape(style) != (size,):
        raise ExportError(f"this stem's style holds {np.size(style)} numbers; the model {model.name} takes "
                          f"{size or 'no style'}: it was found for another model; nothing was written")
    problems: list = []
    x = generate(model.generator, np.asarray(latent, dtype=np.float32).reshape(1, -1), [label], exact=True,
                 problems=problems, styles=[style])[0]
    if problems:
        raise ExportError(f"the model {model.name} makes no usable sound for this latent ({problems[0][1]}); "
                          "nothing was written")
    return x


def stem_extender(model: LoadedModel, settings: ExportSettings, rate: int):
    """The extender a stem at ``rate`` goes through: the model's own or the shipped one, when
    Hi-fi is on and the rate is above the model's; else None."""
    if not settings.hifi or rate <= model.config.sample_rate:
        return None
    try:
        return model_extender(model)
    except ModelFileError as exc:
        raise ExportError(f"Hi-fi needs the bandwidth extender, which can't be loaded ({exc}); "
                          "export with Hi-fi off (--hifi off) to get the plain resampled sound") from None


def render_clip(model: LoadedModel, latent, label: int | None, rate: int, ext, cap: int = CAP_RULE,
                style=None) -> np.ndarray:
    """:func:`render_exact` brought to ``rate`` by the render path (soxr, then ``ext``; ``cap``
    as in :func:`~ganstudio.models.sampling.extend`)."""
    x = render_exact(model, latent, label, style)
    problems: list = []
    x = full_band(x[None], model.config.sample_rate, rate, ext, exact=True, problems=problems, cap=cap)[0]
    if problems:
        raise ExportError(f"the extender made no usable sound for this stem ({problems[0][1]}); nothing was written")
    return x


def render_texture(model: LoadedModel, seconds: float, rate: int, seed: int, speed: float,
                   ext=None, cap: int = CAP_RULE) -> np.ndarray:
    """Texture mode offline: the same latent walk and Hann overlap-add as the live stream,
    ``seconds`` long at ``rate`` Hz, with half a clip of fade-in skipped."""
    cfg = model.config
    n = int(round(cfg.clip_length * rate / cfg.sample_rate))
    n -= n % 2
    hop = n // 2
    window = np.hanning(n + 1)[:-1].astype(np.float32)
    walk = LatentWalk(cfg.latent_dim, seed, speed, cfg.num_classes)
    total = int(round(seconds * rate))
    out = np.zeros(total + n, dtype=np.float32)
    pos = -hop                           # the first half-window is the stream's fade-in
    while pos < total:
        z, label = walk.step()
        clip = render_clip(model, z, label, rate, ext, cap)[:n]
        clip = np.pad(clip, (0, n - len(clip)))
        lo = max(pos, 0)
        out[lo:pos + n] += (window * clip)[lo - pos:]
        pos += hop
    return out[:total]


def _source_audio(model: LoadedModel, spec: StemSpec, settings: ExportSettings, rate: int,
                  ext) -> tuple[np.ndarray, np.ndarray | None]:
    """The stem's raw sound at ``rate`` (float32 [frames]) and, for a pad with a stereo width,
    its side signal (else None)."""
    src = spec.source
    if src["type"] == "texture":
        return render_texture(model, float(src["seconds"]), rate, int(src["seed"]), float(src["speed"]), ext,
                              settings.cap_rule), None
    if src["type"] != "latent":
        raise ValueError(f"unknown stem source {src['type']!r}")
    z = np.asarray(src["latent"], np.float32)
    style = None if src.get("style") is None else np.asarray(src["style"], np.float32)
    x = render_clip(model, z, src.get("label"), rate, ext, settings.cap_rule, style)
    if not (spec.pad and is_stereo(spec.pad)):
        return x, None
    return x, render_sides(model.generator, z[None], [src.get("label")], rate, ext, exact=True,
                           cap=settings.cap_rule, styles=[style])[0]


def make_audio(model: LoadedModel, spec: StemSpec, settings: ExportSettings) -> tuple[np.ndarray, int, dict]:
    """The stem's audio at its rate (float32 [frames] mono, [frames, 2] stereo: a pad with a
    stereo width in true stereo, any other sound on both channels) and what processing did."""
    rate = settings.rate or model.config.sample_rate
    ext = stem_extender(model, settings, rate)
    x, side = _source_audio(model, spec, settings, rate, ext)
    cleaned = bool(spec.pad.get("clean")) if spec.pad else (settings.clean and spec.source["type"] == "latent")
    if settings.dc and cleaned:     # before the fades: a clean stem starts and ends on zero
        x = dsp.dc_removed(x, rate, settings.dc_method)
        side = None if side is None else dsp.dc_removed(side, rate, settings.dc_method)
    if spec.pad:        # the pad's own render path (dsp.pad), exactly as the pad plays it
        x = shape_pad(x, rate, spec.pad, side=side, tail=settings.clean_tail)
        if x.ndim == 2 and settings.channels == 1:      # a mono stem of a stereo pad: its mid, exactly
            x = to_mono(x)
    elif cleaned:
        x = clean_oneshot(x, rate, settings.clean_tail)
    info: dict = {"extender_sha256": ext.weights_hash} if ext is not None else {}
    if settings.dc and not cleaned:  # where stems made before clean one-shots did it: they remake exactly
        x = dsp.dc_removed(x, rate, settings.dc_method)
    if settings.trim and not cleaned:   # a clean one-shot is trimmed already, and ends in silence on purpose
        x = dsp.trim_silence(x, settings.trim_db, pad_frames=int(0.002 * rate))
    x = dsp.fade(x, rate, settings.fade_in_ms, settings.fade_out_ms)
    if settings.normalize == "peak":
        x, info["gain_db"] = dsp.normalize_peak(x, settings.peak_dbfs)
    elif settings.normalize == "lufs":
        x, info["gain_db"], info["limited_by_peak"] = dsp.normalize_loudness(x, rate, settings.lufs)
    if np.max(np.abs(x), initial=0.0) > 1.0:       # "none" on a hot sound: scale, never clip
        x, info["gain_db"] = dsp.normalize_peak(x, dsp.PEAK_CEILING_DBFS)
    why = dsp.sound_problem(x)
    if why or not len(x) or dsp.peak_dbfs(x) < SILENT_DBFS:
        raise ExportError(f"the stem {spec.name or spec.kind!r} came out {why or 'silent'}; nothing was written")
    info["peak_dbfs"] = round(float(dsp.peak_dbfs(x)), 3)
    lufs = dsp.loudness_lufs(x, rate)
    info["lufs"] = round(lufs, 3) if np.isfinite(lufs) else None
    info["frames"] = len(x)
    if settings.channels == 2 and x.ndim == 1:
        x = np.stack([x, x], axis=1)
    return np.ascontiguousarray(x, dtype=np.float32), rate, info
