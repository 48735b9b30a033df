"""Render resources/icons/ganstudio.svg to the PNG sizes desktops ask for (QtSvg, no other tools)."""
import sys
from pathlib import Path

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"

app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
renderer = QtSvg.QSvgRenderer(str(ICONS / "ganstudio.svg"))
for size in (48, 128, 256):
    img = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
    img.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(img)
    renderer.render(p)
    p.end()
    name = "ganstudio.png" if size == 256 else f"ganstudio-{size}.png"
    img.save(str(ICONS / name))
    print("wrote", ICONS / name)
