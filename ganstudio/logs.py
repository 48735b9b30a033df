"""The rotating log in the user log folder, shared by the window and the command line (Qt-free)."""
from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path


def log_dir() -> Path:
    env = os.environ.get("GANSTUDIO_LOG_DIR")
    if env:
        return Path(env)
    from platformdirs import user_log_dir
    return Path(user_log_dir("ganstudio"))


def setup_logging() -> Path | None:
    """Log to ``ganstudio.log`` in the user log folder (1 MB, 3 backups); None when that folder
    can't be written (the app then runs without a log file)."""
    folder = log_dir()
    path = folder / "ganstudio.log"
    root = logging.getLogger("ganstudio")
    root.setLevel(logging.INFO)
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path
