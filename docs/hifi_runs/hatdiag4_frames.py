"""Per 21 ms frame of one drum clip (a 16 kHz model's band of it, extended by the extender in EXT):
energy in five bands relative to the clip's loudest frame, and the extended clip minus real above
8 kHz (dB). python hatdiag4_frames.py EXT FILE_SUFFIX"""
import sys, numpy as np, torch
_root = __import__('pathlib').Path(__file__).resolve().parents[2]; sys.path.insert(0, str(_root)); sys.path.insert(0, str(_root / 'bench'))
import hifi
from ganstudio.models.extender_file import load_extender
from ganstudio.models.sampling import extend
from ganstudio.dsp.bands import band_limit
ds, train, test = hifi.load_set(_root / 'bench/data/hifi_drums')
ext = load_extender(sys.argv[1])
i = [k for k in range(len(ds.files)) if ds.files[k].endswith(sys.argv[2])][0]
real = ds.clips[i]; lim = band_limit(real, 48000, 16000); out = extend(ext, lim[None], 48000, 16000)[0]
w = torch.hann_window(1024)
st = lambda x: torch.stft(torch.from_numpy(x), 1024, 1024, window=w, return_complex=True).abs().pow(2).numpy()
R, O = st(real), st(out); f = np.fft.rfftfreq(1024, 1/48000)
bands = [(0, 4000), (4000, 7600), (8000, 12000), (12000, 16000), (16000, 20000)]
pk = R.sum(0).max()
for t in range(0, R.shape[1], 2):
    lv = 10*np.log10(R[:, t].sum()/pk + 1e-20)
    if lv < -60: continue
    print(f"t={t*1024/48000:.2f}s lvl {lv:6.1f}  real dB:", ' '.join(f"{10*np.log10(R[(f>=a)&(f<b), t].sum()/pk+1e-20):6.1f}" for a, b in bands), ' | out-real:', ' '.join(f"{10*np.log10(O[(f>=a)&(f<b), t].sum()/R[(f>=a)&(f<b), t].sum()+1e-20):5.1f}" for a, b in bands[2:]))
