"""Child processes that never outlive their parent (the trainer and the audio engine): the stdlib
only, so the audio process starts without torch."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Callable


def watch_parent(parent_pid: int, on_gone: Callable[[], None], poll: bool = True) -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux PR_SET_PDEATHSIG;
    what SIGTERM does is the caller's choice), and call ``on_gone`` once the parent id is no
    longer ``parent_pid``: at once if the parent died before this was armed, and from a thread
    that polls twice a second. ``poll=False`` leaves the thread out where the kernel's signal
    is armed: in the audio process a polling thread takes the interpreter lock, and preempted
    while it holds it, it would make the real-time callback wait."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            armed = ctypes.CDLL(None).prctl(1, signal.SIGTERM) == 0      # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        on_gone()
        return
    if armed and not poll:
        return

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        on_gone()
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for its reaper counts as gone; another
    user's process counts as running)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except (OSError, IndexError):       # no /proc (macOS, Windows): ask the kernel
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
