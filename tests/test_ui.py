"""The studio window, offscreen, on a real PortAudio stream (JACK dummy server)."""
import time

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("PySide6")
from PySide6 import QtCore, QtWidgets  # noqa: E402

from ganstudio.ui import theme  # noqa: E402


@pytest.fixture
def ctl(qtbot, tmp_path, monkeypatch, jack_device):
    from ganstudio.ui.controller import Controller
    monkeypatch.setenv("GANSTUDIO_LOG_DIR", str(tmp_path / "log"))
    theme.apply(QtWidgets.QApplication.instance())
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    c = Controller(settings=settings, device=jack_device)
    # every status message: under load a dropout notice may replace another at once, so tests
    # look for what was said, not only what shows now
    c.said = []
    c.w.status.messageChanged.connect(c.said.append)
    qtbot.addWidget(c.w)
    c.w.show()
    assert c.studio.worker.wait_idle(20)
    yield c
    c.shutdown()


def said(ctl, text: str) -> bool:
    """Whether the status line has shown ``text`` since the window opened."""
    return any(text in m for m in ctl.said)


def wait_for(qtbot, cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        qtbot.wait(20)
    return cond()


def sounded(ctl, level: float) -> bool:
    """Whether the output passed ``level`` since ``ctl.w.scope.buf`` was last cleared: the meter
    holds the newest block only (5 ms), which a busy machine's polling can miss, and the scope
    the last 0.25 s that the window drew."""
    return ctl.studio.engine.meter.read()[0].max() > level or np.abs(ctl.w.scope.buf).max() > level


def test_opens_with_the_demo_model_and_a_pad_click_sounds(ctl, qtbot):
    assert ctl.studio.audio_error is None
    assert ctl.w.model_label.text().startswith("Demo model")
    clip = ctl.studio.pad_clip(5)
    assert len(clip) > 0 and np.abs(clip).max() > 0.05          # the demo model makes sound
    qtbot.wait(200)
    ctl.w.scope.buf[:] = 0
    before = ctl.studio.engine.frames
    floor = ctl.w.spectrum.image.max()
    qtbot.mouseClick(ctl.w.pads.pads[5], QtCore.Qt.MouseButton.LeftButton)
    assert ctl.selected == 5
    # the meter holds the newest block only: watch it while the hit plays
    assert wait_for(qtbot, lambda: ctl.studio.engine.meter.read()[0].max() > 0.05, 3)
    assert wait_for(qtbot, lambda: np.abs(ctl.w.scope.buf).max() > 0.05, 3)     # the scope drew it
    assert ctl.studio.engine.frames > before
    # the spectrogram drew it: its newest columns hold energy far above what was there before
    assert wait_for(qtbot, lambda: ctl.w.spectrum.image.max() > floor + 30, 3)


def test_keyboard_plays_pads_and_space_plays_the_selected_one(ctl, qtbot):
    ctl.w.activateWindow()
    started = []
    ctl.studio.mixer.trigger = lambda pad, **kw: started.append(pad)
    qtbot.keyClick(ctl.w, QtCore.Qt.Key.Key_W)          # third row from the bottom, second pad
    qtbot.keyClick(ctl.w, QtCore.Qt.Key.Key_Space)
    assert started == [9, 9] and ctl.selected == 9


def test_pad_controls_change_how_it_plays_and_drag_out_is_a_wav(ctl, qtbot):
    ctl.w.pads.select.emit(2)
    ctl.w.pad_panel.reverse.setChecked(True)
    ctl.w.pad_panel.gain.set_value(0.5)
    ctl.w.pad_panel.gain._moved(0)
    s = ctl.studio.pad_settings[2]
    assert s.reverse and s.gain == pytest.approx(0.5)
    mime = ctl.w.pads.pads[2].drag_mime()
    path = mime.urls()[0].toLocalFile()
    data, sr = sf.read(path, dtype="float32")
    assert sr == 48000 and sf.info(path).subtype == "PCM_24"
    expected = 0.5 * ctl.studio.pad_source(2)[::-1]       # the clean one-shot, reversed, at half gain
    np.testing.assert_allclose(data, expected, atol=2e-4)
    assert ctl.studio.worker.wait_idle(10)                      # the voice's clip was re-shaped too
    np.testing.assert_allclose(ctl.studio.pad_clip(2), ctl.studio.pad_source(2)[::-1], atol=1e-7)


def test_hifi_button_switches_the_band_and_is_kept_in_the_session(ctl, qtbot, tmp_path):
    from ganstudio.dsp.bands import energy_above
    from ganstudio.session import load_session
    assert ctl.w.hifi.isChecked() and ctl.w.hifi.isEnabled() and ctl.studio.worker.extender is not None
    on = max(energy_above(ctl.studio.pad_sound(i), 48000) for i in range(16))
    ctl.w.hifi.setChecked(False)
    assert ctl.studio.worker.extender is None and ctl.studio.worker.wait_idle(20)
    off = max(energy_above(ctl.studio.pad_sound(i), 48000) for i in range(16))
    assert off < 1e-3 and on > 10 * off
    ctl.sessions.save_to(tmp_path / "s.gss")
    assert load_session(tmp_path / "s.gss")["settings"]["hifi"] is False


def test_randomize_and_mutate_change_the_latent(ctl, qtbot):
    ctl.w.pads.select.emit(4)
    z0 = ctl.studio.pad_latent(4)
    ctl.w.pad_panel.rand_b.click()
    z1 = ctl.studio.pad_latent(4)
    ctl.w.pad_panel.mut_b.click()
    z2 = ctl.studio.pad_latent(4)
    assert not np.allclose(z0, z1) and not np.allclose(z1, z2)
    assert np.linalg.norm(z2 - z1) < np.linalg.norm(z1 - z0) * 1.5
    assert ctl.studio.worker.wait_idle(10)


def test_the_clip_view_follows_a_re_render_when_the_worker_says_so(ctl, qtbot):
    """Re-render completion is a signal from the sampler's thread, not a timer guess."""
    ctl.timer.stop()                                   # nothing polls: only the signal can redraw
    ctl.w.pads.select.emit(3)
    assert ctl.studio.worker.wait_idle(10)
    before = ctl.w.clip.curve.getData()[1].copy()
    with qtbot.waitSignal(ctl.pads_rendered, timeout=10000, check_params_cb=lambda pads: 3 in pads):
        ctl.w.pad_panel.rand_b.click()
    qtbot.waitUntil(lambda: not np.array_equal(ctl.w.clip.curve.getData()[1], before), timeout=5000)
    shown = ctl.w.clip.curve.getData()[1]
    source = ctl.studio.pad_source(3)
    from ganstudio.ui.views import CLIP_POINTS
    step = max(1, len(source) // CLIP_POINTS)          # the view's own thinning (an odd length once broke len // len)
    np.testing.assert_allclose(shown, source[::step], atol=1e-6)
    ctl.timer.start()


def test_session_save_and_reopen(ctl, qtbot, tmp_path):
    ctl.w.pads.select.emit(7)
    ctl.w.pad_panel.rand_b.click()
    ctl.studio.pad_settings[7].pitch = 3.0
    ctl.studio.pad_settings[7].name = "snare up"
    ctl.w.volume.set_value(0.6)
    saved = ctl.save_session_to(str(tmp_path / "my session"))
    assert saved.name == "my session.gss"
    z7 = ctl.studio.pad_latent(7)
    ctl.w.pad_panel.rand_b.click()
    ctl.studio.pad_settings[7].pitch = 0.0
    ctl.w.volume.set_value(1.2)
    assert ctl.open_session(str(saved))
    assert np.allclose(ctl.studio.pad_latent(7), z7)
    assert ctl.studio.pad_settings[7].pitch == 3.0 and ctl.studio.pad_settings[7].name == "snare up"
    assert ctl.w.volume.value() == pytest.approx(0.6, abs=0.01)
    assert "snare up" in ctl.w.pads.pads[7].text()
    assert str(saved) in ctl.sessions.recent()


def test_a_broken_session_is_one_clear_error(ctl, qtbot, tmp_path):
    bad = tmp_path / "bad.gss"
    bad.write_text("{not json")
    messages = []
    ctl.errors.show = lambda title, msg: messages.append((title, msg))
    assert not ctl.open_session(str(bad))
    assert messages and "not a GAN Studio session" in messages[0][1]


def test_one_error_dialog_at_a_time(ctl, qtbot):
    QtCore.QTimer.singleShot(100, lambda: ctl.errors.show("Second", "while the first is open"))
    QtCore.QTimer.singleShot(400, lambda: ctl.errors.box.done(0))
    ctl.errors.show("First", "an error")
    assert ctl.errors.shown == 1 and ctl.errors.suppressed == 1


@pytest.mark.slow
def test_import_and_train_from_the_panels(ctl, qtbot, kit_dir, tmp_path):
    ctl.w.dataset.seconds.setValue(0.5)
    ctl.import_dataset(str(kit_dir))
    assert wait_for(qtbot, lambda: ctl.dataset is not None, 60)
    assert ctl.w.dataset.clips.count() == 24 and "24 clips" in ctl.w.dataset.summary.text()
    ctl.w.dataset.clips.itemClicked.emit(ctl.w.dataset.clips.item(0))     # plays a real clip
    assert wait_for(qtbot, lambda: ctl.studio.mixer.v_on[ctl.studio.mixer.v_pad == 16].any(), 2)
    clip = ctl.w.clip                    # ... and shows its waveform and spectrogram, with no trim
    assert clip.length == len(ctl.dataset.clips[0]) and not clip.region.isVisible()
    from ganstudio.ui.views import FLOOR_DB
    assert "Dataset clip" in clip.wave.getPlotItem().titleLabel.text and clip.img.image.max() > FLOOR_DB + 40
    ctl.w.pads.select.emit(2)                                              # a pad again: its clip and trim
    assert clip.region.isVisible() and "Pad clip" in clip.wave.getPlotItem().titleLabel.text
    t = ctl.w.training
    questions = []
    ctl.ask = lambda title, text, yes, no: questions.append(title) or True
    t.out.setText(str(tmp_path / "model"))
    t.minutes.setValue(5)
    t.steps.setValue(8)             # whichever limit comes first
    t.start_b.click()
    assert not t.start_b.isEnabled() and t.stop_b.isEnabled() and t.hear_b.isEnabled()
    # Paused, Hear now puts this step's model on the pads however slowly the machine trains
    # (the limits only guard against a hang: a busy machine may train ten times slower).
    assert wait_for(qtbot, lambda: len(t.losses.steps) > 0, 600)
    t.pause_b.click()
    assert t.pause_b.text() == "Resume"
    t.hear_b.click()
    assert wait_for(qtbot, lambda: ctl.studio.snapshot_step is not None, 600)
    assert "hearing training step" in ctl.w.snapshot_label.text() and ctl.studio.snapshot_step < 8
    t.pause_b.click()
    assert wait_for(qtbot, lambda: t.start_b.isEnabled(), 600)
    assert len(t.losses.steps) > 5 and any(t.losses.curves)
    # 8 steps would replace the demo model: the window asked first (and was told yes)
    assert questions == ["Use the new model?"]
    assert ctl.studio.model.path == tmp_path / "model"
    assert ctl.studio.model.meta["training"]["step"] == 8
    assert not ctl.w.model_label.text().startswith("Demo")


def test_no_sound_card_leaves_the_app_usable(qtbot, tmp_path, monkeypatch):
    from ganstudio.ui.controller import Controller
    monkeypatch.setenv("GANSTUDIO_LOG_DIR", str(tmp_path / "log"))
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    c = Controller(settings=settings, device=999)
    qtbot.addWidget(c.w)
    try:
        assert c.studio.audio_error and "999" in c.studio.audio_error
        assert "No sound" in c.w.audio_label.text() and not c.w.reopen.isHidden()
        assert c.studio.worker.wait_idle(20) and np.abs(c.studio.pad_clip(0)).max() > 0
        c.w.pads.pads[0].click()              # no crash, no sound
    finally:
        c.shutdown()


def test_audio_settings_dialog_lists_devices_and_reopens(ctl, qtbot, jack_device):
    from ganstudio.ui.settings_dialog import AudioSettingsDialog
    dlg = AudioSettingsDialog(ctl.w, None, 48000, 256)
    names = [dlg.device.itemText(i) for i in range(dlg.device.count())]
    assert any("JACK" in n for n in names)
    dlg.block.setCurrentIndex(dlg.block.findData(512))
    assert dlg.choice()[1:] == (48000, 512)
    assert ctl.studio.reopen_audio(jack_device, 512) and ctl.studio.engine.blocksize == 512


def test_export_dialog_writes_stems_with_sidecars(ctl, qtbot, tmp_path):
    from ganstudio.export import remake_from_sidecar
    from ganstudio.ui.export_dialog import ExportDialog
    ctl.w.pads.select.emit(3)
    ctl.studio.pad_settings[3].name = "tom"
    ctl.studio.pad_settings[3].pitch = -2.0
    dlg = ExportDialog(ctl.w, ctl.settings, str(tmp_path / "stems"))
    dlg.what.setCurrentIndex(dlg.what.findData("variations"))
    dlg.count.setValue(3)
    dlg.norm.setCurrentIndex(dlg.norm.findData("lufs"))
    assert dlg.target.value() == -16.0
    dlg.target.setValue(-20.0)
    dlg.fmt.setCurrentIndex(dlg.fmt.findData("pcm16"))
    st = dlg.export_settings()
    assert (st.normalize, st.lufs, st.fmt) == ("lufs", -20.0, "pcm16")
    ctl.run_export(dlg.choice(), st)
    assert wait_for(qtbot, lambda: not ctl.export_thread.isRunning(), 30)
    qtbot.wait(50)
    wavs = sorted((tmp_path / "stems").glob("*.wav"))
    assert [p.name for p in wavs] == ["demo-model_tom_001.wav", "demo-model_tom_002.wav", "demo-model_tom_003.wav"]
    assert said(ctl, "Exported 3 stem(s)")
    audio, rate, _, doc = remake_from_sidecar(wavs[0].with_suffix(".json"))
    data, sr = sf.read(wavs[0], dtype="float32")
    assert sr == rate == 48000 and doc["kind"] == "variation"
    np.testing.assert_allclose(data, audio, atol=1.0 / 32768)     # the same sound, 16-bit
    (tmp_path / "a-file").write_text("not a folder")
    messages = []
    ctl.errors.show = lambda title, msg: messages.append(msg)
    ctl.run_export({"what": "pad", "folder": str(tmp_path / "a-file" / "x"), "count": 1, "amount": 0.1,
                    "seconds": 1}, st)
    assert wait_for(qtbot, lambda: bool(messages), 30)
    assert "can't write" in messages[0] and "a-file" in messages[0]


def test_the_bad_corpus_shows_its_reasons_and_the_app_carries_on(ctl, qtbot, tmp_path):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent / "data"))
    from make_bad_corpus import write_corpus
    expect = write_corpus(tmp_path / "corpus")
    ctl.import_dataset(str(tmp_path / "corpus"))
    assert wait_for(qtbot, lambda: ctl.dataset is not None, 60)
    report = ctl.w.dataset.skipped.toPlainText()
    for name, outcome in expect.items():
        if outcome != "ok":
            assert f"{name}: {outcome}" in report
    assert ctl.w.dataset.clips.count() == sum(1 for o in expect.values() if o == "ok")
    ctl.play(0)                                   # still playing


def test_texture_button_plays_a_continuous_stream(ctl, qtbot):
    ctl.w.scope.buf[:] = 0
    ctl.w.texture.setChecked(True)
    assert ctl.studio.texture is not None
    assert wait_for(qtbot, lambda: np.abs(ctl.w.scope.buf).max() > 0.01, 10)
    qtbot.wait(1500)
    before = ctl.studio.engine.texture.underruns
    qtbot.wait(1000)
    assert ctl.studio.engine.texture.underruns == before and ctl.studio.texture.error is None
    ctl.w.texture.setChecked(False)


def test_selftest_command_plays_the_demo_model(jack_device, tmp_path):
    import json
    import os
    import subprocess
    import sys
    out = tmp_path / "played.wav"
    proc = subprocess.run([sys.executable, "-m", "ganstudio", "selftest", "--device", str(jack_device),
                           "--seconds", "1.5", "--out", str(out)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["audio_error"] is None and report["peak"] > 0.1
    data, sr = sf.read(out)
    assert sr == 48000 and len(data) > 48000 and np.abs(data).max() > 0.1


@pytest.mark.slow
def test_a_new_import_gets_its_own_model_folder_and_resuming_other_sounds_asks(ctl, qtbot, kit_dir, tmp_path,
                                                                               monkeypatch):
    from ganstudio.models.modelfile import load_model, save_model
    monkeypatch.setenv("GANSTUDIO_MODELS_DIR", str(tmp_path / "models"))
    ctl.w.dataset.seconds.setValue(0.5)
    ctl.import_dataset(str(kit_dir))
    assert wait_for(qtbot, lambda: ctl.dataset is not None, 120)
    t = ctl.w.training
    first = tmp_path / "models" / kit_dir.name
    assert t.out.text() == str(first)
    # a model of other sounds already sits there: the next import proposes another folder
    demo = ctl.studio.model
    save_model(first, demo.generator, demo.config, {"source": "/elsewhere/whooshes"}, {"step": 3})
    ctl.datasets.ready(ctl.dataset)
    assert t.out.text() == str(first) + "-2"
    # the user points back at it and trains: asked, says "New folder", and the whooshes model stays
    questions = []
    ctl.ask = lambda title, text, yes, no: questions.append(title) or False
    t.out.setText(str(first))
    t.steps.setValue(2)
    t.start_b.click()
    assert questions[0] == "Resume a model made from other sounds?"
    assert t.out.text() == str(first) + "-2"
    assert wait_for(qtbot, lambda: t.start_b.isEnabled(), 600)
    assert load_model(first).meta["data"]["source"] == "/elsewhere/whooshes"
    assert load_model(str(first) + "-2").meta["training"]["step"] == 2
    assert questions[-1] == "Use the new model?" and ctl.studio.model.path == demo.path   # kept the demo


@pytest.mark.slow
def test_closing_while_training_asks_then_stops_the_child_cleanly(ctl, qtbot, kit_dir, tmp_path):
    from ganstudio.training.checkpoint import load_state
    ctl.w.dataset.seconds.setValue(0.5)
    ctl.import_dataset(str(kit_dir))
    assert wait_for(qtbot, lambda: ctl.dataset is not None, 120)
    t = ctl.w.training
    t.out.setText(str(tmp_path / "m"))
    t.minutes.setValue(0)
    t.steps.setValue(0)                      # no limit
    steps = []
    t.start_b.click()
    ctl.training.thread.progress.connect(lambda p: steps.append(p.step))
    assert wait_for(qtbot, lambda: len(steps) > 1, 600)
    t.pause_b.click()
    assert t.pause_b.text() == "Resume"
    t.pause_b.click()
    assert t.pause_b.text() == "Pause"
    answers = [False, True]
    ctl.ask = lambda title, text, yes, no: answers.pop(0)
    ctl.w.close()
    assert ctl.w.isVisible() and ctl.training.running          # "Keep training"
    ctl.w.close()
    assert not ctl.w.isVisible()
    pid = ctl.training.thread.proc.pid
    ctl.shutdown()
    from ganstudio.procs import pid_alive
    assert not ctl.training.running and not pid_alive(pid)
    assert load_state(tmp_path / "m").step >= 1 and not ctl.drag_dir.exists()


def test_training_and_dataset_settings_survive_a_relaunch(qtbot, tmp_path):
    from ganstudio.ui.panels import DatasetPanel, TrainingPanel
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    t, d = TrainingPanel(), DatasetPanel()
    t.preset.setCurrentText("standard")
    t.loss.setCurrentIndex(t.loss.findData("hinge"))
    t.minutes.setValue(3)
    t.steps.setValue(700)
    assert t.conditional.isChecked() and t.kinds.isEnabled()      # learnt unless turned off
    t.conditional.setChecked(False)
    assert not t.kinds.isEnabled()
    t.conditional.setChecked(True)
    assert t.kinds.isEnabled()
    t.kinds.setValue(5)
    t.out.setText(str(tmp_path / "mine"))
    d.rate.setCurrentIndex(d.rate.findData(22050))
    d.seconds.setValue(1.5)
    t.save_state(settings)
    d.save_state(settings)
    settings.sync()
    t2, d2 = TrainingPanel(), DatasetPanel()
    again = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    changed = []
    d2.settings_changed.connect(lambda: changed.append(1))
    t2.restore_state(again)
    d2.restore_state(again)
    assert (t2.preset.currentText(), t2.loss.currentData(), t2.minutes.value(), t2.steps.value()) == \
        ("standard", "hinge", 3, 700)
    assert t2.conditional.isChecked() and t2.kinds.value() == 5 and t2.kinds.isEnabled()
    t2.conditional.setChecked(False)                   # turned off, it stays off after a relaunch
    t2.save_state(again)
    t3 = TrainingPanel()
    t3.restore_state(again)
    assert not t3.conditional.isChecked() and not t3.kinds.isEnabled()
    assert t2.out.text() == str(tmp_path / "mine")
    assert d2.settings() == (22050, 1.5) and not changed          # restoring is not a change
    d2.rate.setCurrentIndex(d2.rate.findData(16000))
    assert changed == [1]                                          # a real change asks to re-import


def test_a_long_pad_name_keeps_the_grid_even_and_the_morph_slider_jumps_where_clicked(ctl, qtbot):
    from PySide6.QtTest import QTest
    grid = ctl.w.pads
    widths = [b.width() for b in grid.pads[:4]]
    ctl.w.pads.select.emit(0)
    ctl.change_pad({"name": "an extremely long name for a kick drum"})
    qtbot.wait(50)
    assert [b.width() for b in grid.pads[:4]] == widths          # the column did not widen
    assert "…" in grid.pads[0].text() and "kick drum" in grid.pads[0].toolTip()
    slider = ctl.w.pad_panel.morph_t
    slider.setValue(50)
    moves = []
    slider.valueChanged.connect(moves.append)
    QTest.mouseClick(slider, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(slider.width() - 3,
                                                                                 slider.height() // 2))
    assert slider.value() >= 95 and moves and moves[0] >= 95      # one jump, not a page step (60)


def test_every_pad_change_undoes_and_redoes_and_ab_compares(ctl, qtbot):
    """Randomize, mutate, morph, a knob drag (one step), a switch and a name each undo to exactly
    the state before and redo to the state after; A/B swaps without touching the history."""
    from PySide6.QtTest import QTest
    p, pad = ctl.w.pad_panel, 6
    ctl.w.pads.select.emit(pad)
    states = [ctl.studio.pad_state(pad)]
    p.rand_b.click()
    states.append(ctl.studio.pad_state(pad))
    p.mut_b.click()
    states.append(ctl.studio.pad_state(pad))
    for v in (10, 20, 30, 40):                          # a slider drag: one step
        p.morph_t.setValue(v)
    states.append(ctl.studio.pad_state(pad))
    for v in (0.5, 0.7, 0.9):                            # a knob drag: one step
        p.gain.dial.setValue(int(v * 100))
    states.append(ctl.studio.pad_state(pad))
    p.reverse.setChecked(True)
    states.append(ctl.studio.pad_state(pad))
    p.name.setText("my hit")
    p.name.editingFinished.emit()
    states.append(ctl.studio.pad_state(pad))
    assert len({str(s) for s in states}) == len(states)            # every step changed something
    assert ctl.history.stack.count() == len(states) - 1
    for k in range(len(states) - 1, 0, -1):
        QTest.keyClick(ctl.w, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
        assert ctl.studio.pad_state(pad) == states[k - 1], f"undo to step {k - 1}"
    assert "my hit" not in ctl.w.pads.pads[pad].text() and not p.reverse.isChecked()
    for k in range(1, len(states)):
        QTest.keyClick(ctl.w, QtCore.Qt.Key.Key_Z,
                       QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier)
        assert ctl.studio.pad_state(pad) == states[k], f"redo to step {k}"
    assert "my hit" in ctl.w.pads.pads[pad].text() and p.reverse.isChecked()
    assert ctl.studio.worker.wait_idle(20)
    # A/B: the pad's sound before its last change, and back, with the history untouched
    p.rand_b.click()
    a_state, count = ctl.studio.pad_state(pad), ctl.history.stack.count()
    assert ctl.studio.worker.wait_idle(20)
    a_clip = ctl.studio.pad_clip(pad)
    p.ab_b.click()
    assert ctl.studio.pad_state(pad) == states[-1] and p.ab_b.isChecked()
    assert ctl.studio.worker.wait_idle(20) and not np.array_equal(ctl.studio.pad_clip(pad), a_clip)
    p.ab_b.click()
    assert ctl.studio.pad_state(pad) == a_state and not p.ab_b.isChecked()
    assert ctl.studio.worker.wait_idle(20)
    np.testing.assert_array_equal(ctl.studio.pad_clip(pad), a_clip)
    assert ctl.history.stack.count() == count
    # a change made while B plays keeps B: undo goes back to B, then to A
    p.ab_b.click()
    p.pitch.dial.setValue(300)
    ctl.history.stack.undo()
    assert ctl.studio.pad_state(pad) == states[-1]
    ctl.history.stack.undo()
    assert ctl.studio.pad_state(pad) == a_state


def test_keeps_keep_edit_drag_play_send_back_and_survive_a_restart_and_a_model_change(ctl, qtbot, tmp_path):
    from PySide6.QtTest import QTest

    from ganstudio.ui.controller import Controller
    messages = []
    ctl.errors.show = lambda title, msg: messages.append(msg)
    ctl.w.pads.select.emit(4)
    z4 = ctl.studio.pad_latent(4)
    QTest.keyClick(ctl.w, QtCore.Qt.Key.Key_K)                 # K keeps the selected pad
    ctl.w.pads.pads[9].keep_b.click()                           # + on a pad keeps that pad
    panel = ctl.keeps.panel
    assert panel.table.rowCount() == 2 and not messages
    names = {panel.table.item(r, 1).text() for r in range(2)}
    assert names == {"pad05", "pad10"}
    row = next(r for r in range(2) if panel.table.item(r, 1).text() == "pad05")
    kid = panel.table.item(row, 1).data(QtCore.Qt.ItemDataRole.UserRole)
    panel.table.item(row, 1).setText("deep tom")                # an edit in the table renames it
    panel.table.item(row, 2).setText("tom, low")
    keep = ctl.keeps.lib.get(kid)
    assert keep.name == "deep tom" and keep.tags == ["low", "tom"]
    kept = sf.read(ctl.keeps.lib.wav(kid), dtype="float32")[0]
    np.testing.assert_allclose(kept, ctl.studio.pad_sound(4), atol=2e-4)    # what the pad plays (24-bit)
    mime = panel.table.mimeData([panel.table.item(row, 1)])
    assert [u.toLocalFile() for u in mime.urls()] == [str(ctl.keeps.lib.wav(kid))]
    ctl.w.scope.buf[:] = 0
    ctl.keeps.play(kid)
    assert wait_for(qtbot, lambda: sounded(ctl, 0.01), 5)
    other_id = next(k.id for k in ctl.keeps.lib.keeps if k.id != kid)    # a keep file replaced by NaNs
    sf.write(ctl.keeps.lib.wav(other_id), np.full(4800, np.nan, np.float32), 48000, subtype="FLOAT")
    ctl.keeps.play(other_id)
    assert "non-finite" in messages[-1]
    messages.clear()
    panel.search.setText("low")
    assert panel.table.rowCount() == 1
    ctl.w.pads.select.emit(0)
    ctl.keeps.to_pad(kid)                                       # back on pad 1, one undoable step
    assert np.allclose(ctl.studio.pad_latent(0), z4) and "deep tom" in ctl.w.pads.pads[0].text()
    ctl.history.stack.undo()
    assert not np.allclose(ctl.studio.pad_latent(0), z4)
    # the next launch finds the keeps; with another model they still play but don't go on a pad
    other = Controller(settings=QtCore.QSettings(str(tmp_path / "s2.ini"), QtCore.QSettings.Format.IniFormat),
                       device=ctl.studio.engine.device)
    try:
        assert {k.name for k in other.keeps.lib.keeps} == {"deep tom", "pad10"}
        other.errors.show = lambda title, msg: messages.append(msg)
        import dataclasses
        model = ctl.studio.model
        other.studio.model = dataclasses.replace(model, meta={**model.meta, "weights_sha256": "0" * 64})
        other.keeps.to_pad(kid)
        assert "open that model" in messages[-1]
    finally:
        other.shutdown()


def test_pads_show_thumbnails_trim_markers_drag_and_the_clip_view_names_reverse_and_pitch(ctl, qtbot):
    grid = ctl.w.pads
    assert wait_for(qtbot, lambda: all(b.thumb is not None and b.thumb.max() > 0.5 for b in grid.pads), 10)
    ctl.w.pads.select.emit(3)
    before = grid.pads[3].thumb.copy()
    ctl.w.pad_panel.rand_b.click()
    assert wait_for(qtbot, lambda: not np.array_equal(grid.pads[3].thumb, before), 10)
    drawn = grid.pads[3].grab().toImage()
    thumb = grid.pads[3].thumb
    grid.pads[3].set_thumbnail(None)
    assert grid.pads[3].grab().toImage() != drawn              # the thumbnail is really painted
    grid.pads[3].set_thumbnail(thumb)
    # drag the trim markers: the pad's start/end and its knobs follow, as one undoable step
    clip = ctl.w.clip
    dur = clip.length / clip.sample_rate
    clip.region.setRegion((0.1 * dur, 0.6 * dur))
    clip.region.sigRegionChangeFinished.emit(clip.region)
    s = ctl.studio.pad_settings[3]
    assert (s.start, s.end) == (pytest.approx(0.1, abs=1e-3), pytest.approx(0.6, abs=1e-3))
    assert ctl.w.pad_panel.end_k.value() == pytest.approx(0.6, abs=0.01)
    ctl.history.stack.undo()
    assert (ctl.studio.pad_settings[3].start, ctl.studio.pad_settings[3].end) == (0.0, 1.0)
    ctl.w.pad_panel.reverse.setChecked(True)
    ctl.w.pad_panel.pitch.dial.setValue(300)                   # +6 semitones
    assert "reversed" in clip.wave.getPlotItem().titleLabel.text and "+6.0 st" in clip.wave.getPlotItem().titleLabel.text
    # a new audio rate rebuilds the studio: the views still follow its renders
    ctl.audio.rebuild(ctl.studio.engine.device, 48000, 512)
    ctl.w.pads.select.emit(3)
    with qtbot.waitSignal(ctl.pads_rendered, timeout=10000):
        ctl.w.pad_panel.rand_b.click()


def test_variations_row_differs_auditions_uses_keeps_and_drags(ctl, qtbot):
    from PySide6.QtTest import QTest

    from ganstudio.metrics import clip_embedding
    ctl.w.pads.select.emit(2)
    z2 = ctl.studio.pad_latent(2)
    ctl.w.pad_panel.amount.set_value(0.25)
    row = ctl.w.variations
    assert not row.isVisible()
    ctl.w.pad_panel.var_b.click()
    assert wait_for(qtbot, lambda: row.isVisible() and ctl.variations.items, 30)
    items = ctl.variations.items
    assert 4 <= len(items) <= 8 and sum(b.isVisible() for b in row.pads) == len(items)
    # none a copy of the pad or of another: every pair is further apart than the rejection line
    # none a copy of the pad or of another, as heard at the model's rate (cleaned): every pair at
    # least the rejection distance apart, on the model's own scale of unrelated sounds
    from ganstudio.dsp.oneshot import clean_oneshots
    from ganstudio.models.sampling import generate, latents
    from ganstudio.models.variations import near_duplicate
    g = ctl.studio.generator

    def heard(z):
        return clean_oneshots(generate(g, np.stack(z)), 16000)
    emb = clip_embedding(heard([z2] + [it["latent"] for it in items]), 16000)
    from ganstudio.models.variations import SCALE_SEED
    unrelated = clip_embedding(heard(list(latents(32, g.cfg.latent_dim, SCALE_SEED))), 16000)
    scale = np.median(np.linalg.norm(unrelated[:16] - unrelated[16:], axis=1))
    pairs = np.linalg.norm(emb[:, None] - emb[None], axis=-1)[np.triu_indices(len(emb), 1)]
    assert pairs.min() >= near_duplicate(0.25) * scale * 0.999, (pairs.min(), scale)
    assert all(not np.allclose(it["latent"], z2) for it in items)
    assert all(np.abs(it["clip"]).max() > 0.005 for it in items)          # no silent take
    loud = int(np.argmax([np.abs(it["clip"]).max() for it in items]))
    ctl.w.scope.buf[:] = 0
    QTest.mouseClick(row.pads[loud], QtCore.Qt.MouseButton.LeftButton)   # hear it, pad unchanged
    assert np.allclose(ctl.studio.pad_latent(2), z2)
    assert wait_for(qtbot, lambda: sounded(ctl, 0.01), 5)
    QTest.mouseClick(row.pads[1], QtCore.Qt.MouseButton.RightButton)     # use it: one undoable step
    assert np.allclose(ctl.studio.pad_latent(2), items[1]["latent"])
    ctl.history.stack.undo()
    assert np.allclose(ctl.studio.pad_latent(2), z2)
    row.pads[3].keep_b.click()
    assert len(ctl.keeps.lib.keeps) == 1
    assert np.allclose(ctl.keeps.lib.pad_of(ctl.keeps.lib.keeps[0].id)["latent"], items[3]["latent"])
    path = row.pads[0].drag_mime().urls()[0].toLocalFile()
    assert path.endswith("demo-model_pad03_001.wav")            # named as its exported variations are
    np.testing.assert_allclose(sf.read(path, dtype="float32")[0], items[0]["clip"], atol=1e-4)


def _drop_file(widget, path):
    """A real drop of a file URL on ``widget``: drag-enter first (which must accept), then drop."""
    from PySide6 import QtGui
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    pos = QtCore.QPointF(widget.rect().center())
    actions = QtCore.Qt.DropAction.CopyAction
    no_buttons, no_mods = QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier
    enter = QtGui.QDragEnterEvent(pos.toPoint(), actions, mime, no_buttons, no_mods)
    QtWidgets.QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    QtWidgets.QApplication.sendEvent(widget, QtGui.QDropEvent(pos, actions, mime, no_buttons, no_mods))
    return True


def test_a_sound_dropped_on_a_pad_becomes_the_models_version_of_it(ctl, qtbot, tmp_path):
    from ganstudio.library import render_kit
    from ganstudio.models.invert import SoundMatch, target_clip
    from ganstudio.models.sampling import generate
    src = tmp_path / "my clap.wav"
    clap = render_kit(per_class=1, seed=4)["clap"][0]
    sf.write(src, clap, 44100)
    (tmp_path / "notes.txt").write_text("not a sound")
    pad, button = 4, ctl.w.pads.pads[4]
    before = ctl.studio.pad_state(pad)
    name = ctl.studio.pad_settings[pad].name
    assert not _drop_file(button, tmp_path / "notes.txt")            # only sound files are taken
    assert _drop_file(button, src)
    assert button.busy_text.startswith("matching") and ctl.sound_alike.cancel_b.isVisible()
    assert wait_for(qtbot, lambda: not ctl.sound_alike.running and not button.busy_text, 120)
    assert ctl.studio.pad_settings[pad].name == "~my clap"
    assert "my clap" in ctl.w.pads.pads[pad].text()
    z = ctl.studio.pad_latent(pad)
    assert not np.allclose(z, before["latent"])
    # the pad's sound is the model's version: closer to the clap than the pad's old sound was
    g = ctl.studio.generator
    match = SoundMatch(16000)
    match.set_target(target_clip(clap, 44100, 16000, 16384))
    import torch
    style = ctl.studio.pad_style(pad)
    assert style is not None and "style" not in before and ctl.studio.pad_state(pad)["style"] == style.tolist()
    d_new, d_old = match(torch.from_numpy(generate(g, np.stack([z, np.asarray(before["latent"], np.float32)]),
                                                   styles=[style, None]))).tolist()
    assert d_new < d_old
    assert wait_for(qtbot, lambda: not ctl.studio.worker.busy, 20)
    # one undoable step puts back the sound (latent, and no style) and the name
    ctl.history.stack.undo()
    assert np.allclose(ctl.studio.pad_latent(pad), before["latent"]) and ctl.studio.pad_settings[pad].name == name
    assert ctl.studio.pad_style(pad) is None
    ctl.history.stack.redo()
    np.testing.assert_array_equal(ctl.studio.pad_style(pad), style)
    ctl.history.stack.undo()
    # a cancelled search leaves the pad as it was
    _drop_file(button, src)
    ctl.sound_alike.cancel_b.click()
    assert wait_for(qtbot, lambda: not ctl.sound_alike.running, 60)
    assert np.allclose(ctl.studio.pad_latent(pad), before["latent"]) and not button.busy_text
    assert said(ctl, "cancelled")


def test_nearest_in_the_training_set_needs_the_dataset_and_lists_three_clips(ctl, qtbot):
    from ganstudio.data import Dataset, ImportSettings
    from ganstudio.library import render_kit
    errors = []
    ctl.errors.show = lambda title, msg: errors.append((title, msg))
    ctl.sound_alike.show_nearest()                           # no dataset yet: says what to do
    assert errors and "Import the folder this model learnt from" in errors[0][1]
    ctl.dataset = Dataset.from_arrays(render_kit(per_class=4, seed=1), ImportSettings())
    found = ctl.sound_alike.nearest(ctl.selected)
    assert len(found) == 3 and [n.distance for n in found] == sorted(n.distance for n in found)
    from ganstudio.ui.sound_alike_flow import NearestDialog
    dlg = NearestDialog(ctl, ctl.selected, found)
    assert len(dlg.buttons) == 3 and f"{found[0].distance:.2f}" in dlg.buttons[0].text()
    dlg.buttons[0].click()                                   # plays that training clip
    assert wait_for(qtbot, lambda: ctl.studio.mixer.v_on[ctl.studio.mixer.v_pad == 16].any(), 2)
    dlg.reject()
    # with a labelled dataset every kept sound gets its automatic category as a tag
    category = ctl.sound_alike.category(ctl.selected)
    assert category in ("clap", "hat", "kick", "snare", "sweep", "tom")
    ctl.keeps.keep(ctl.selected)
    assert ctl.keeps.lib.keeps[-1].tags == [category]
    # ... and an exported pad is filed under it: UCS MUSICAL-PERCUSSION for a drum, WHOOSHES for a sweep
    [spec] = ctl.exports.specs({"what": "pad"}, ctl.selected)
    from ganstudio.export.ucs import ucs_category
    assert spec.category == category
    assert ucs_category(spec.category).catid == ("WHSH" if category == "sweep" else "MUSCPerc")
    # Like this orders the keeps by likeness to the selected one
    for p in (3, 9):
        ctl.keeps.keep(p)
    panel = ctl.keeps.panel
    target = ctl.keeps.lib.keeps[-1].id
    row = next(r for r in range(panel.table.rowCount()) if panel._id(r) == target)
    panel.table.selectRow(row)
    panel.like_b.click()
    assert panel._id(0) == target and said(ctl, "likeness")


def test_envelope_filter_and_choke_shape_the_pad_undo_as_one_step_and_survive_a_session(ctl, qtbot, tmp_path):
    pad = 3
    ctl.w.pads.select.emit(pad)
    assert ctl.studio.worker.wait_idle(20)
    before = len(ctl.studio.pad_sound(pad))
    knobs = ctl.w.pad_panel.tone
    assert knobs["decay"].readout.text() == "natural" and knobs["lowpass"].readout.text() == "off"
    steps = ctl.history.stack.count()
    for pos in (150, 100, 60):                   # a drag of the decay knob: one undoable step
        knobs["decay"].dial.setValue(pos)
    knobs["lowpass"].dial.setValue(100)          # half-way on a log scale: about 630 Hz
    s = ctl.studio.pad_settings[pad]
    assert 60 < s.decay < 160 and 500 < s.lowpass < 800
    assert ctl.history.stack.count() == steps + 2
    assert wait_for(qtbot, lambda: not ctl.studio.worker.busy, 20)
    shaped = ctl.studio.pad_sound(pad)
    assert len(shaped) == round(s.decay / 1000 * 48000) < before and shaped[-1] == 0.0
    ctl.w.pad_panel.choke.activated.emit(2)      # choke group 2, in the mixer at once
    assert ctl.studio.pad_settings[pad].choke == 2 and ctl.studio.mixer.choke[pad] == 2
    saved = ctl.save_session_to(str(tmp_path / "toned"))
    ctl.history.stack.undo()                      # the choke group goes
    assert ctl.studio.mixer.choke[pad] == 0 and ctl.w.pad_panel.choke.currentIndex() == 0
    ctl.history.stack.undo()                      # the low-pass goes, the decay stays
    assert ctl.studio.pad_settings[pad].lowpass == 0.0 and ctl.studio.pad_settings[pad].decay == s.decay
    assert knobs["lowpass"].readout.text() == "off"
    assert ctl.open_session(str(saved))
    assert ctl.studio.pad_settings[pad].lowpass == pytest.approx(s.lowpass)
    assert ctl.studio.pad_settings[pad].choke == 2 and ctl.studio.mixer.choke[pad] == 2


def test_tune_is_a_pad_setting_and_keys_makes_midi_play_the_selected_pad(ctl, qtbot):
    p = ctl.w.pad_panel
    ctl.w.pads.select.emit(5)
    steps = ctl.history.stack.count()
    p.tune.setChecked(True)
    assert ctl.studio.pad_settings[5].tune and ctl.history.stack.count() == steps + 1
    assert ctl.studio.pads_state()[5]["tune"] is True
    p.keys.setChecked(True)
    assert ctl.studio.keyboard_pad == 5 and said(ctl, "Keys")
    import ganstudio.audio.studio as studio_mod
    calls = []
    real = studio_mod.estimate_pitch
    studio_mod.estimate_pitch = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        ctl.w.pads.select.emit(9)                      # keyboard mode follows the selected pad
    finally:
        studio_mod.estimate_pitch = real
    assert ctl.studio.keyboard_pad == 9
    assert len(calls) == 1              # the clip view's pitch and the keyboard's root: one estimate
    assert ctl.studio.note(ctl.studio.keyboard_root + 12, 1.0)
    assert wait_for(qtbot, lambda: ctl.studio.mixer.playing(9), 2)
    p.keys.setChecked(False)
    assert ctl.studio.keyboard_pad is None and not ctl.studio.note(60, 1.0)


def test_dataset_clips_can_be_left_out_of_training_and_outliers_are_flagged(ctl, qtbot, tmp_path, kit_dir):
    import shutil
    folder = tmp_path / "sounds"
    shutil.copytree(kit_dir, folder)
    first = sorted((folder / "kick").iterdir())[0]
    shutil.copy(first, folder / "kick" / "zz-copy.wav")          # a duplicate the browser must flag
    ctl.w.dataset.seconds.setValue(0.5)
    ctl.import_dataset(str(folder))
    assert wait_for(qtbot, lambda: ctl.dataset is not None, 60)
    panel, n = ctl.w.dataset, len(ctl.dataset)
    texts = [panel.clips.item(i).text() for i in range(panel.clips.count())]
    assert any("zz-copy.wav ⚠ copy of kick/" in t for t in texts)
    assert not panel.clips.item(0).icon().isNull()                     # each clip shows its waveform
    assert panel.counts.text().startswith(f"{n} of {n} clips train")
    panel.clips.item(2).setCheckState(QtCore.Qt.CheckState.Unchecked)
    left_out = ctl.dataset.files[2]
    assert len(ctl.datasets.included()) == n - 1 and left_out not in ctl.datasets.included().files
    assert panel.counts.text().startswith(f"{n - 1} of {n}")
    # kept for this folder: a re-import (another clip length) leaves it out again
    ctl.dataset = None
    ctl.import_dataset(str(folder))
    assert wait_for(qtbot, lambda: ctl.dataset is not None, 60)
    row = ctl.dataset.files.index(left_out)
    assert panel.clips.item(row).checkState() == QtCore.Qt.CheckState.Unchecked
    assert len(ctl.datasets.included()) == n - 1
    errors = []
    ctl.errors.show = lambda title, msg: errors.append(title)
    for i in range(panel.clips.count()):
        panel.clips.item(i).setCheckState(QtCore.Qt.CheckState.Unchecked)
    ctl.start_training()
    assert errors == ["Too few clips to train on"] and not ctl.training.running


def test_the_width_knob_makes_a_pad_true_stereo_that_undoes_keeps_and_survives_a_session(ctl, qtbot, tmp_path):
    pad = 7
    ctl.w.pads.select.emit(pad)
    assert ctl.studio.worker.wait_idle(20)
    mono = ctl.studio.pad_sound(pad)
    knob = ctl.w.pad_panel.tone["width"]
    assert mono.ndim == 1 and knob.readout.text() == "mono"
    knob.dial.setValue(100)
    assert ctl.studio.pad_settings[pad].width == 1.0 and knob.readout.text() == "100%"
    assert wait_for(qtbot, lambda: not ctl.studio.worker.busy and ctl.studio.pad_clip(pad).ndim == 2, 20)
    wide = ctl.studio.pad_sound(pad)
    np.testing.assert_allclose(wide.mean(axis=1), mono, atol=1e-5)   # it folds down to the mono pad
    kid = ctl.keeps.lib.add(ctl.studio.model, pad, ctl.studio.pad_state(pad), 48000).id
    kept = sf.read(ctl.keeps.lib.wav(kid), dtype="float32")[0]
    assert kept.shape == wide.shape
    ctl.keeps.play(kid)                                   # the keep plays in stereo too
    assert ctl.studio.mixer.clip(16).shape == wide.shape
    saved = ctl.save_session_to(str(tmp_path / "wide"))
    ctl.history.stack.undo()
    assert ctl.studio.pad_settings[pad].width == 0.0 and knob.readout.text() == "mono"
    assert wait_for(qtbot, lambda: not ctl.studio.worker.busy and ctl.studio.pad_clip(pad).ndim == 1, 20)
    assert ctl.open_session(str(saved))
    assert ctl.studio.pad_settings[pad].width == 1.0
    assert wait_for(qtbot, lambda: not ctl.studio.worker.busy and ctl.studio.pad_clip(pad).ndim == 2, 20)


def test_a_sessions_keeps_come_back_when_it_is_opened_with_an_empty_library(ctl, qtbot, tmp_path):
    from ganstudio.keeps import KeepLibrary
    ctl.w.pads.select.emit(2)
    assert ctl.studio.worker.wait_idle(20)
    ctl.keeps.keep(2)
    kid = ctl.keeps.lib.keeps[-1].id
    ctl.keeps.edit(kid, {"name": "snap"})
    saved = ctl.save_session_to(str(tmp_path / "with-keeps"))
    ctl.keeps.lib = KeepLibrary(tmp_path / "another-machine")           # the keeps library is gone
    ctl.keeps.refresh()
    assert ctl.keeps.panel.table.rowCount() == 0
    assert ctl.open_session(str(saved))                  # remade in a worker thread: the window stays live
    assert wait_for(qtbot, lambda: ctl.keeps.panel.table.rowCount() == 1, 120)
    assert [k.name for k in ctl.keeps.lib.keeps] == ["snap"] and ctl.keeps.lib.keeps[0].id == kid
    assert said(ctl, "Brought back 1 keep")
    assert ctl.keeps.lib.wav(kid).is_file()
    assert [k.id for k in type(ctl.keeps.lib)(ctl.keeps.lib.folder).keeps] == [kid]     # in its index too


def test_convert_tab_converts_a_long_recording_plays_drags_saves_and_trains(ctl, qtbot, tmp_path):
    import soundfile as sf
    from test_converter import SMALL, _random_converter, _voice
    from ganstudio.models.converter_file import save_converter
    from ganstudio.training.convert_train import ConvertTrainConfig
    flow, panel = ctl.convert, ctl.convert.panel
    messages = []
    ctl.errors.show = lambda title, msg: messages.append((title, msg))
    assert not panel.converted_b.isEnabled()
    save_converter(tmp_path / "conv", _random_converter(), SMALL, "low", "high")
    assert flow.open_converter(tmp_path / "conv") and "low -> high" in panel.converter_label.text()
    assert not flow.open_converter(tmp_path)                       # not a converter: one clear error
    assert messages[-1][0].startswith("Can't open the converter") and "converter.json" in messages[-1][1]
    rec = np.concatenate([_voice(110, 2.5, 0, 700), _voice(140, 2.0, 1, 900)])     # 4.5 s: past a pad's 4 s
    sf.write(tmp_path / "take.wav", rec, 16000)
    assert flow.load_file(str(tmp_path / "take.wav")) and panel.converted_b.isEnabled()
    panel.converted_b.click()
    assert wait_for(qtbot, lambda: flow.result is not None and ctl.studio.stream is not None, 60)
    stream = ctl.studio.stream
    assert wait_for(qtbot, lambda: stream.played_s > 4.4, 20)         # the whole recording was streamed
    assert wait_for(qtbot, lambda: not stream.playing and not ctl.studio.engine.stream_on, 10)
    audio, rate, _ = flow.result
    assert rate == 16000 and len(audio) == len(rec) and np.abs(audio).max() <= 10 ** (-1 / 20) + 1e-6
    url = panel.drag.drag_mime().urls()[0].toLocalFile()
    dragged, sr = sf.read(url, dtype="float32")
    assert sr == 16000 and np.allclose(dragged, audio, atol=1e-4)
    flow.save(tmp_path / "saved.wav")
    assert sf.info(tmp_path / "saved.wav").frames == len(audio)
    panel.pad_b.click()                                             # the selected pad gets its sound-alike
    assert wait_for(qtbot, lambda: ctl.sound_alike.running, 20)
    assert wait_for(qtbot, lambda: not ctl.sound_alike.running, 120)
    assert ctl.studio.pad_state(ctl.selected)["name"].startswith("~take-converted")
    # train a converter from the tab: snapshots are used as they come, then the file
    low, high = tmp_path / "low", tmp_path / "high"
    for folder, f0 in ((low, 110.0), (high, 220.0)):
        folder.mkdir()
        for i in range(2):
            sf.write(folder / f"{i}.wav", _voice(f0, 1.5, i, 800), 16000)
    before = flow.version
    flow.train(low, high, tmp_path / "trained", ConvertTrainConfig(
        max_steps=2, batch_size=2, segment_frames=16, vocoder_batch=2, vocoder_segment=2048, snapshot_every=1,
        device="cpu"))
    assert not panel.stop_train_b.isHidden() and not panel.train_b.isEnabled()
    assert wait_for(qtbot, lambda: "trained to step 2" in panel.training_label.text(), 240)
    assert flow.version >= before + 2 and "low -> high" in flow.name and "training" not in flow.name
    assert panel.stop_train_b.isHidden() and flow.result[2] != flow.version    # converts again on play
    assert len(messages) == 1


def test_convert_tab_live_converts_the_input_and_stops(ctl, qtbot, tmp_path, jack_device):
    from test_converter import SMALL, _random_converter
    from test_live import SMALL_LIVE, random_live_converter
    from ganstudio.models.converter_file import save_converter
    flow, panel = ctl.convert, ctl.convert.panel
    save_converter(tmp_path / "file", _random_converter(), SMALL, "a", "b")
    assert flow.open_converter(tmp_path / "file") and not panel.live_b.isEnabled()   # looks ahead: no live
    save_converter(tmp_path / "live", random_live_converter(), SMALL_LIVE, "desk", "creature")
    assert flow.open_converter(tmp_path / "live") and panel.live_b.isEnabled()
    panel.input_combo.setCurrentIndex(panel.input_combo.findData(jack_device))
    panel.live_b.click()
    assert wait_for(qtbot, lambda: panel.live_label.text().startswith("Live: desk -> creature"), 90), \
        panel.live_label.text()
    assert "ms added at most" in panel.live_label.text() and ctl.studio.engine.stream_on
    frames = ctl.studio.engine.input_blocks
    assert wait_for(qtbot, lambda: ctl.studio.engine.input_blocks > frames + 20, 10)     # the input runs
    panel.live_b.click()                                              # off: fades out, input closed
    assert ctl.studio.live is None and not panel.live_b.isChecked()
    assert wait_for(qtbot, lambda: not ctl.studio.engine.stream_on, 5)
    frames = ctl.studio.engine.input_blocks
    qtbot.wait(300)
    assert ctl.studio.engine.input_blocks == frames
