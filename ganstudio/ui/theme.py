"""The dark, compact plugin look: one stylesheet and pyqtgraph's colours."""
from __future__ import annotations

BG, PANEL, EDGE, TEXT, DIM, ACCENT, HOT = "#16181c", "#1f2228", "#30343c", "#d8dbe0", "#8a909a", "#4fc3f7", "#ffb74d"

STYLE = f"""
QWidget {{ background: {BG}; color: {TEXT}; font-size: 9pt; }}
QGroupBox {{ background: {PANEL}; border: 1px solid {EDGE}; border-radius: 6px; margin-top: 14px; padding: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {DIM};
                    font-weight: bold; text-transform: uppercase; }}
QPushButton {{ background: #2a2e36; border: 1px solid {EDGE}; border-radius: 4px; padding: 4px 10px; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:pressed, QPushButton:checked {{ background: #2f4a5a; border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #555a63; }}
QPushButton[pad="true"] {{ background: #252a33; border: 1px solid #3a404b; border-radius: 6px;
                          font-weight: bold; min-height: 46px; min-width: 56px; }}
QPushButton[pad="true"][selected="true"] {{ border: 2px solid {HOT}; }}
QPushButton[pad="true"][lit="true"] {{ background: {ACCENT}; color: {BG}; }}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{ background: #2a2e36; border: 1px solid {EDGE};
                          border-radius: 3px; padding: 2px 4px; }}
QSlider::groove:horizontal {{ height: 4px; background: {EDGE}; border-radius: 2px; }}
QSlider::handle:horizontal {{ width: 12px; margin: -5px 0; border-radius: 6px; background: {ACCENT}; }}
QProgressBar {{ border: 1px solid {EDGE}; border-radius: 3px; text-align: center; background: #2a2e36; }}
QProgressBar::chunk {{ background: {ACCENT}; }}
QListWidget, QPlainTextEdit {{ background: #1a1d22; border: 1px solid {EDGE}; }}
QTabWidget::pane {{ border: 1px solid {EDGE}; }}
QTabBar::tab {{ background: {PANEL}; padding: 4px 12px; border: 1px solid {EDGE}; }}
QTabBar::tab:selected {{ background: #2f4a5a; }}
QCheckBox::indicator {{ width: 12px; height: 12px; border: 1px solid {DIM}; border-radius: 2px;
                       background: #2a2e36; }}
QCheckBox::indicator:checked {{ background: {ACCENT}; border-color: {ACCENT}; }}
QLabel[role="dim"] {{ color: {DIM}; }}
QLabel[role="warn"] {{ color: {HOT}; }}
QStatusBar {{ color: {DIM}; }}
"""


def apply(app) -> None:
    import pyqtgraph as pg
    pg.setConfigOptions(background=BG, foreground=DIM, antialias=False, imageAxisOrder="row-major")
    app.setStyleSheet(STYLE)
