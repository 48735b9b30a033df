"""Entry point of the packaged app (PyInstaller)."""
import multiprocessing
import sys

if __name__ == "__main__":
    # the training child process is started with "spawn": a frozen app must hand it over here
    multiprocessing.freeze_support()
    from ganstudio.cli import main
    sys.exit(main())
