"""The window's 30 Hz view timer: what the callback played goes to the scope and the live
spectrogram, the meters follow the newest block, and worker errors, dropouts and stolen voices
reach the status line (and the log)."""
from __future__ import annotations

import logging

import numpy as np
from PySide6 import QtCore

log = logging.getLogger(__name__)
FPS = 30


class ViewsFlow:
    """``ctl``: the controller (its ``studio``, which a rate change replaces, window and audio flow)."""

    def __init__(self, ctl):
        self.ctl = ctl
        self._frames = np.zeros((0, 2), np.float32)
        self._counts: tuple[int, int] | None = None
        self.timer = QtCore.QTimer(ctl, interval=1000 // FPS, timeout=self.tick)

    def tick(self) -> None:
        ctl = self.ctl
        w, eng = ctl.w, ctl.studio.engine
        if self._frames.shape != (eng.scope.capacity, eng.channels):     # a new studio, a new rate
            self._frames = np.zeros((eng.scope.capacity, eng.channels), np.float32)
        n = eng.scope.available()
        if n:
            buf = self._frames[:n]
            eng.scope.read_into(buf)
            mono = buf[:, 0].copy()
            w.scope.push(mono)
            w.spectrum.push(mono)
        else:
            w.scope.push(np.zeros(0, np.float32))
        peak, rms = eng.meter.read()
        w.meter.set_levels(peak, rms)
        if ctl.studio.check_audio() and not w.reopen.isVisible():
            ctl.audio.show()
        w.training.losses.redraw()
        self.report_worker_errors()

    def report_worker_errors(self) -> None:
        st, status = self.ctl.studio, self.ctl.w.status
        self.ctl.w.hifi.setEnabled(st.extender is not None)
        if st.extender_error:
            msg, st.extender_error = st.extender_error, None
            status.showMessage(msg, 15000)
        for source in (st.worker, st.texture):
            if source is not None and source.error:
                msg, source.error = source.error, None
                log.warning(msg)
                status.showMessage(msg, 10000)
        counts = (st.engine.underruns, st.mixer.stolen)
        seen = self._counts or counts
        self._counts = counts
        if counts[0] > seen[0]:
            msg = f"Audio dropout: the sound card ran dry {counts[0] - seen[0]} time(s) (the machine is busy)"
            log.warning(msg)
            status.showMessage(msg, 5000)
        if counts[1] > seen[1]:
            status.showMessage(f"{counts[1] - seen[1]} voice(s) cut to play new notes "
                               f"(at most {len(st.mixer.v_on)} sound at once)", 3000)
