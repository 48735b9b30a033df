"""Write PNG screenshots of the studio's main states to docs/screenshots (run by screenshot.sh
under Xvfb): the pads playing the demo model, a sound-alike search on a pad, a few keeps, the
nearest training clips of a pad, training on the demo kit with the loss curves, and the Convert
tab converting a recording and the live input (given converters in GANSTUDIO_SHOT_CONVERTER and
GANSTUDIO_SHOT_LIVE_CONVERTER)."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6 import QtCore, QtWidgets

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QtWidgets.QApplication.processEvents()
        time.sleep(0.01)


def main() -> int:
    from ganstudio.audio.jack import jack_output_device, start_dummy, stop_dummy
    from ganstudio.library import write_kit
    from ganstudio.ui import theme
    from ganstudio.ui.controller import Controller
    OUT.mkdir(parents=True, exist_ok=True)
    app = QtWidgets.QApplication(sys.argv[:1])
    theme.apply(app)
    jack = start_dummy(48000, 256)
    tmp = Path(tempfile.mkdtemp())
    os.environ["GANSTUDIO_KEEPS_DIR"] = str(tmp / "keeps")       # never the user's own keeps
    try:
        settings = QtCore.QSettings(str(tmp / "s.ini"), QtCore.QSettings.Format.IniFormat)
        ctl = Controller(settings=settings, device=jack_output_device())
        ctl.w.resize(1360, 800)
        ctl.w.show()
        ctl.studio.change_pad(7, {"width": 0.8})        # a true-stereo pad: the Width knob and the meter show it
        ctl.studio.worker.wait_idle(20)
        for pad in (0, 5, 2, 9, 4, 12, 5, 7):
            ctl.w.pads.select.emit(pad)
            ctl.play(pad)
            pump(0.35)
        ctl.w.grab().save(str(OUT / "pads.png"))
        source = tmp / "whoosh.wav"
        import soundfile as sf
        from ganstudio.library import render_kit
        sf.write(source, render_kit(per_class=1, seed=3)["sweep"][0], 16000)
        ctl.sound_alike.run(6, str(source))
        while "%" not in ctl.w.pads.pads[6].busy_text or ctl.w.pads.pads[6].busy_text.endswith("\n0%"):
            pump(0.05)
        pump(0.4)
        ctl.w.grab().save(str(OUT / "sound-alike.png"))
        while ctl.sound_alike.running:
            pump(0.1)
        for pad, name, tags, star in ((5, "dusty snare", ["snare"], True), (9, "low tom", ["tom", "low"], False),
                                      (12, "air hat", ["hat"], True)):
            ctl.keeps.keep(pad)
            kid = max(ctl.keeps.lib.keeps, key=lambda k: k.created).id
            ctl.keeps.edit(kid, {"name": name, "tags": tags, "star": star})
        ctl.w.tabs.setCurrentWidget(ctl.keeps.panel)
        ctl.keeps.panel.table.selectRow(0)
        pump(0.3)
        ctl.w.grab().save(str(OUT / "keeps.png"))
        ctl.import_dataset(str(write_kit(tmp / "kit", per_class=6, duration=0.8)))
        while ctl.dataset is None:
            pump(0.1)
        from ganstudio.ui.sound_alike_flow import NearestDialog
        dlg = NearestDialog(ctl, 6, ctl.sound_alike.nearest(6))
        dlg.show()
        pump(0.3)
        dlg.grab().save(str(OUT / "nearest.png"))
        dlg.reject()
        ctl.w.training.out.setText(str(tmp / "model"))
        ctl.w.training.minutes.setValue(1.0)
        ctl.w.tabs.setCurrentIndex(1)
        ctl.start_training()
        end = time.monotonic() + 40
        while time.monotonic() < end:
            ctl.play(int(time.monotonic() * 2) % 16)
            pump(0.5)
        ctl.w.grab().save(str(OUT / "training.png"))
        ctl.w.tabs.setCurrentIndex(0)
        pump(0.3)
        ctl.w.grab().save(str(OUT / "dataset.png"))
        converter = os.environ.get("GANSTUDIO_SHOT_CONVERTER")      # e.g. one from bench/convert_voices.py
        if converter and ctl.convert.open_converter(converter):
            ctl.convert.load_file(os.environ["GANSTUDIO_SHOT_RECORDING"])
            ctl.w.tabs.setCurrentWidget(ctl.convert.panel)
            ctl.convert.panel.converted_b.click()
            while ctl.studio.stream is None:
                pump(0.1)
            pump(1.0)
            ctl.w.grab().save(str(OUT / "convert.png"))
        live = os.environ.get("GANSTUDIO_SHOT_LIVE_CONVERTER")     # one trained with train-convert --live
        if live and ctl.convert.open_converter(live):
            panel = ctl.convert.panel
            ctl.w.tabs.setCurrentWidget(panel)
            panel.input_combo.setCurrentIndex(max(0, panel.input_combo.findData(jack_output_device())))
            panel.live_b.click()
            end = time.monotonic() + 60
            while not panel.live_label.text().startswith("Live:") and time.monotonic() < end:
                pump(0.1)
            pump(2.5)
            ctl.w.grab().save(str(OUT / "convert_live.png"))
            panel.live_b.click()
        ctl.shutdown()
    finally:
        stop_dummy(jack)
    print("wrote", ", ".join(str(p) for p in sorted(OUT.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
