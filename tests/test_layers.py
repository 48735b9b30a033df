"""The layer contract of DESIGN.md: only ganstudio/ui imports Qt or pyqtgraph."""
import ast
from pathlib import Path

import ganstudio

QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "pytestqt")
ROOT = Path(ganstudio.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_qt_below_ui():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "ui" in path.relative_to(ROOT).parts:
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in QT_MODULES:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_core_import_does_not_load_qt():
    import subprocess
    import sys
    code = ("import sys, ganstudio.cli, ganstudio.data, ganstudio.training, ganstudio.models, "
            "ganstudio.metrics, ganstudio.export, ganstudio.library, ganstudio.audio; "
            "print([m for m in sys.modules if m.split('.')[0] in %r])" % (QT_MODULES,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_callback_modules_import_no_torch():
    """What runs in the PortAudio callback must not touch torch (DESIGN.md, lane 1)."""
    for name in ("ringbuffer.py", "voices.py", "master.py", "engine.py"):
        imported = {m.split(".")[0] for m in imported_modules(ROOT / "audio" / name)}
        assert "torch" not in imported, name


def test_the_parser_needs_no_torch_and_opening_models_no_compiler(tmp_path):
    """``ganstudio --help`` and the parser start without torch; opening a model (a conditional one:
    its class table is where torch's compiler came in) and an extender does not import torch's
    compiler stack (about 2 s at every start on a 2-core machine)."""
    import subprocess
    import sys
    from ganstudio.models import Generator, preset
    from ganstudio.models.modelfile import save_model
    cfg = preset("tiny", model_dim=4, d_model_dim=4, clip_length=8000, class_names=("kick", "snare"))
    save_model(tmp_path / "m", Generator(cfg), cfg)
    code = ("import sys\n"
            "from ganstudio.cli import build_parser\n"
            "build_parser().parse_args(['train', 'x', '--out', 'y'])\n"
            "print('torch' in sys.modules)\n"
            "from ganstudio.models.extender_file import SHIPPED, load_extender\n"
            "from ganstudio.models.modelfile import load_model\n"
            f"load_model({str(tmp_path / 'm')!r}), load_extender(SHIPPED)\n"
            "print('torch' in sys.modules, 'torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "False"]
