"""Undo and redo for every pad change (randomize, mutate, morph, class, name, knobs, switches),
and an A/B switch that plays a pad's previous sound against its current one.

Each change is recorded as the pad's whole state before and after (``Studio.pad_state``: settings,
latent, class), so undoing puts back exactly what was there, and the sampler re-renders only when
the latent or class differs. A drag of a knob or the morph slider is one step, not a hundred:
consecutive changes of the same kind on the same pad merge.
"""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtGui

MERGE_IDS = {"morph": 1, "gain": 2, "pitch": 3, "start": 4, "end": 5,     # kinds a drag repeats
             "attack": 6, "decay": 7, "lowpass": 8, "highpass": 9}


class _PadChange(QtGui.QUndoCommand):
    def __init__(self, history: "PadHistory", pad: int, before: dict, after: dict, kind: str):
        super().__init__(f"{kind} pad {pad + 1}")
        self.history, self.pad, self.before, self.after, self.kind = history, pad, before, after, kind
        self._done = True           # pushed after the change was made: the first redo does nothing

    def id(self) -> int:
        return MERGE_IDS.get(self.kind, -1)

    def mergeWith(self, other) -> bool:
        if not isinstance(other, _PadChange) or other.pad != self.pad or other.kind != self.kind:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.history.apply(self.pad, self.after)

    def undo(self) -> None:
        self.history.apply(self.pad, self.before)


class PadHistory(QtCore.QObject):
    """``studio_fn`` returns the current Studio; ``restored(pad)`` fires after undo, redo or A/B
    changed a pad, so the window can show it."""

    restored = QtCore.Signal(int)

    def __init__(self, studio_fn: Callable, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.studio_fn = studio_fn
        self.stack = QtGui.QUndoStack(self)
        self._previous: dict[int, dict] = {}    # pad -> its state before its last change (B)
        self._held: dict[int, dict] = {}        # pad -> its current state while B plays

    def record(self, pad: int, kind: str, change: Callable[[], None]) -> None:
        """Run ``change`` (which alters pad ``pad``) as one undoable step named ``kind``."""
        st = self.studio_fn()
        before = st.pad_state(pad)
        if pad in self._held:       # changing B keeps B: the swap becomes a step of its own
            self.stack.push(_PadChange(self, pad, self._held.pop(pad), before, "choose B on"))
        change()
        after = st.pad_state(pad)
        if after == before:
            return
        if not self._continues(pad, kind):
            self._previous[pad] = before
        self.stack.push(_PadChange(self, pad, before, after, kind))

    def _continues(self, pad: int, kind: str) -> bool:
        """True when this change merges into the last step (the same drag goes on)."""
        n = self.stack.count()
        if kind not in MERGE_IDS or not n or self.stack.index() != n:
            return False
        last = self.stack.command(n - 1)
        return isinstance(last, _PadChange) and last.pad == pad and last.kind == kind

    def apply(self, pad: int, state: dict) -> None:
        self.studio_fn().apply_pad_state(pad, state)
        self._held.pop(pad, None)
        self.restored.emit(pad)

    # ---- A/B ------------------------------------------------------------------------------
    def has_previous(self, pad: int) -> bool:
        return pad in self._previous or pad in self._held

    def playing_b(self, pad: int) -> bool:
        return pad in self._held

    def toggle_ab(self, pad: int) -> bool:
        """Swap pad ``pad`` between its current sound (A) and the one before its last change (B),
        without touching the undo history; True when B now plays."""
        st = self.studio_fn()
        if pad in self._held:
            st.apply_pad_state(pad, self._held.pop(pad))
            self.restored.emit(pad)
            return False
        if pad not in self._previous:
            return False
        self._held[pad] = st.pad_state(pad)
        st.apply_pad_state(pad, self._previous[pad])
        self.restored.emit(pad)
        return True

    def clear(self) -> None:
        """Forget everything (another model or session: old states may not fit it)."""
        self.stack.clear()
        self._previous.clear()
        self._held.clear()
