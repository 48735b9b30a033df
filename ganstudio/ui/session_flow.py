"""Sessions from the window: save and open ``.gss`` files (the model, the pads, and each panel's
own state) and the Recent sessions menu. The session file itself is read and checked by
:mod:`ganstudio.session`; the panels say what they keep (``session_state``)."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from ..library.demo_model import demo_model_path
from ..models.modelfile import ModelFileError, load_model
from ..session import MAX_PADS, SessionError, load_session, save_session
from ..session_keeps import remake_keeps, session_keeps
from .workers import CallThread

log = logging.getLogger(__name__)

MAX_RECENT = 8


def is_demo(model) -> bool:
    return Path(model.path).resolve() == demo_model_path().resolve()


class SessionFlow(QtCore.QObject):
    """``ctl`` is the controller: its ``studio``, window ``w``, ``settings``, ``errors``,
    ``selected`` pad and ``models``."""

    def __init__(self, ctl, recent_menu: QtWidgets.QMenu):
        super().__init__()
        self.ctl, self.recent_menu = ctl, recent_menu
        self.path: str | None = None
        self.keeps_thread: CallThread | None = None     # remaking a session's keeps
        self._stop_keeps = False
        self.fill_recent()

    def doc(self) -> dict:
        """The window's part of a session, assembled from what each panel keeps."""
        w = self.ctl.w
        return {**w.master_state(), **w.pad_panel.session_state(), "selected": self.ctl.selected}

    def save_to(self, path: str) -> Path:
        st = self.ctl.studio
        m = st.model
        saved = save_session(path, model_path=None if is_demo(m) else str(m.path), model_hash=m.weights_hash,
                             pads=st.pads_state(), settings=self.doc(),
                             keeps=session_keeps(self.ctl.keeps.lib, m.weights_hash))
        self._opened(str(saved))
        return saved

    def save(self) -> None:
        if self.path:
            self.save_to(self.path)
        else:
            self.save_as()

    def save_as(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.ctl.w, "Save session", "", "GAN Studio session (*.gss)")
        if path:
            try:
                self.save_to(path)
            except OSError as exc:
                self.ctl.errors.show("Can't save the session", f"{path}: {exc.strerror or exc}")

    def open(self, path: str) -> bool:
        ctl = self.ctl
        try:
            doc = load_session(path)
        except SessionError as exc:
            log.warning("can't open session: %s", exc)
            ctl.errors.show("Can't open the session", str(exc))
            return False
        try:
            model = load_model(doc["model"] or str(demo_model_path()))
        except ModelFileError as exc:
            ctl.errors.show("Can't open the session's model", str(exc))
            return False
        if doc.get("model_sha256") and doc["model_sha256"] != model.weights_hash:
            ctl.w.status.showMessage("The session's model has changed since it was saved; "
                                     "its pads may sound different", 10000)
        ctl.models.use(model)
        self._restore_keeps(doc, model)
        ctl.studio.apply_pads_state(doc["pads"])
        ctl.history.clear()                 # undo never reaches back into another session
        st = doc["settings"]
        ctl.w.restore_master_state(st)
        ctl.studio.volume = ctl.w.volume.value()
        ctl.w.pad_panel.restore_session_state(st)
        self._opened(path)
        ctl.models.refresh()
        sel = st.get("selected", 0)
        ctl.w.pads.select.emit(sel if 0 <= sel < MAX_PADS else 0)
        return True

    def _restore_keeps(self, doc: dict, model) -> None:
        """Remake, in a worker thread, the session's keeps the library lacks (only with the model
        they were made with); the keeps panel shows them when they are done."""
        ctl = self.ctl
        lib = ctl.keeps.lib
        have = {x.id for x in lib.keeps}
        wanted = [k for k in doc["keeps"] if k["id"] not in have]
        if not wanted:
            return
        if doc.get("model_sha256") != model.weights_hash:
            ctl.w.status.showMessage(f"{len(wanted)} keep(s) of this session were made with another version "
                                     "of its model and were not remade", 10000)
            return
        self.wait_keeps()
        self._stop_keeps = False
        self.keeps_thread = CallThread(lambda progress: remake_keeps(
            lib.folder, model, wanted, have, lib.MAX - len(lib.keeps), progress, lambda: self._stop_keeps))
        self.keeps_thread.progress.connect(lambda i, n, name: ctl.w.status.showMessage(
            f"Bringing back this session's keeps: {i}/{n} ({name})"))
        self.keeps_thread.done.connect(lambda res: self._keeps_remade(lib, *res))
        self.keeps_thread.failed.connect(lambda msg: ctl.errors.show("Can't bring back the session's keeps", msg))
        ctl.w.status.showMessage(f"Bringing back {len(wanted)} keep(s) of this session…")
        self.keeps_thread.start()

    def _keeps_remade(self, lib, keeps: list, problems: list) -> None:
        ctl = self.ctl
        lib.adopt(keeps)
        if ctl.keeps.lib is lib:
            ctl.keeps.refresh()
        for p in problems:
            log.warning("%s", p)
        ctl.w.status.showMessage(f"Brought back {len(keeps)} keep(s) of this session into the keeps library"
                                 + (f"; {problems[0]}" if problems else ""), 10000)

    def wait_keeps(self, timeout_ms: int = 120000) -> None:
        """Stop a remake of a session's keeps between two keeps and wait for it (a new session,
        quitting)."""
        if self.keeps_thread is not None and self.keeps_thread.isRunning():
            self._stop_keeps = True
            self.keeps_thread.wait(timeout_ms)

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.ctl.w, "Open session", "", "GAN Studio session (*.gss)")
        if path:
            self.open(path)

    def _opened(self, path: str) -> None:
        self.path = path
        self.add_recent(path)
        self.ctl.w.setWindowTitle(f"GAN Studio · {Path(path).name}")

    def recent(self) -> list[str]:
        v = self.ctl.settings.value("recent/sessions", [])
        return [v] if isinstance(v, str) else [p for p in (v or []) if isinstance(p, str)]

    def add_recent(self, path: str) -> None:
        items = [path] + [p for p in self.recent() if p != path]
        self.ctl.settings.setValue("recent/sessions", items[:MAX_RECENT])
        self.fill_recent()

    def fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.recent():
            self.recent_menu.addAction(p, lambda p=p: self.open(p))
        self.recent_menu.setEnabled(bool(self.recent()))
