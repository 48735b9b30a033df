"""The Keeps panel: the sounds a user kept, to find, play, rename, tag, star, drag out, export and
send back to a pad. It shows a :class:`ganstudio.keeps.KeepLibrary` and emits what the user asks;
:mod:`.keeps_flow` does it."""
from __future__ import annotations

import time

from PySide6 import QtCore, QtWidgets

COLUMNS = ("★", "Name", "Tags", "Model", "Kept")
ID_ROLE = QtCore.Qt.ItemDataRole.UserRole


class _KeepTable(QtWidgets.QTableWidget):
    """Rows of keeps; dragging rows out offers their WAV files."""

    def __init__(self, wav_fn):
        super().__init__(0, len(COLUMNS))
        self.wav_fn = wav_fn
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
                             | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setDragEnabled(True)
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.DragOnly)
        self.setSortingEnabled(True)
        self.verticalHeader().setVisible(False)
        head = self.horizontalHeader()
        head.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for c in (0, 2, 3, 4):
            head.setSectionResizeMode(c, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectedIndexes()})
        return [self.item(r, 1).data(ID_ROLE) for r in rows if self.item(r, 1) is not None]

    def mimeData(self, items) -> QtCore.QMimeData:
        ids = list(dict.fromkeys(self.item(i.row(), 1).data(ID_ROLE) for i in items))
        mime = QtCore.QMimeData()
        mime.setUrls([QtCore.QUrl.fromLocalFile(str(self.wav_fn(k))) for k in ids])
        return mime

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]


class KeepsPanel(QtWidgets.QWidget):
    play = QtCore.Signal(str)                   # keep id
    to_pad = QtCore.Signal(str)
    export = QtCore.Signal(list)                # keep ids
    delete = QtCore.Signal(list)
    edited = QtCore.Signal(str, dict)           # keep id, {"name"|"tags"|"star": value}
    similar = QtCore.Signal(str)                # keep id: order the list by likeness to it

    def __init__(self, wav_fn):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        top = QtWidgets.QHBoxLayout()
        self.search = QtWidgets.QLineEdit(placeholderText="find by name, tag or model")
        self.search.setClearButtonEnabled(True)
        self.starred = QtWidgets.QCheckBox("★ only")
        top.addWidget(self.search, 1)
        top.addWidget(self.starred)
        lay.addLayout(top)
        self.table = _KeepTable(wav_fn)
        self.table.setToolTip("Double-click a name or tags to edit (tags: comma-separated); click ★ to star;\n"
                              "Enter or double-click the model column to play; drag rows out as WAV files")
        lay.addWidget(self.table, 1)
        row = QtWidgets.QHBoxLayout()
        self.play_b = QtWidgets.QPushButton("Play")
        self.pad_b = QtWidgets.QPushButton("To pad")
        self.pad_b.setToolTip("Put the keep back on the selected pad (its model must be open)")
        self.export_b = QtWidgets.QPushButton("Export…")
        self.export_b.setToolTip("Copy the selected keeps (all when none is selected) into a folder")
        self.like_b = QtWidgets.QPushButton("Like this")
        self.like_b.setToolTip("Order the keeps by how alike they sound to the selected one (click a column to undo)")
        self.delete_b = QtWidgets.QPushButton("Delete")
        for b in (self.play_b, self.pad_b, self.like_b, self.export_b, self.delete_b):
            row.addWidget(b)
        lay.addLayout(row)
        self.hint = QtWidgets.QLabel("Press K (or + on a pad) to keep the selected pad's sound")
        self.hint.setProperty("role", "dim")
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)
        self.play_b.clicked.connect(lambda: self._first(self.play))
        self.pad_b.clicked.connect(lambda: self._first(self.to_pad))
        self.like_b.clicked.connect(lambda: self._first(self.similar))
        self.export_b.clicked.connect(lambda: self.export.emit(self.table.selected_ids() or self.all_ids()))
        self.delete_b.clicked.connect(lambda: self.table.selected_ids() and self.delete.emit(self.table.selected_ids()))
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemActivated.connect(lambda it: it.column() in (3, 4) and self.play.emit(self._id(it.row())))
        self._filling = False

    def _id(self, row: int) -> str:
        return self.table.item(row, 1).data(ID_ROLE)

    def _first(self, signal) -> None:
        ids = self.table.selected_ids()
        if ids:
            signal.emit(ids[0])

    def all_ids(self) -> list[str]:
        return [self._id(r) for r in range(self.table.rowCount())]

    def show_keeps(self, keeps, ordered: bool = False) -> None:
        """Fill the table with ``keeps`` (:class:`ganstudio.keeps.Keep`), newest first, or in the
        order given when ``ordered`` (a click on a column header sorts again)."""
        self._filling = True
        t = self.table
        t.setSortingEnabled(False)
        t.setRowCount(0)
        if ordered:
            t.horizontalHeader().setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        for k in keeps if ordered else sorted(keeps, key=lambda k: -k.created):
            r = t.rowCount()
            t.insertRow(r)
            star = QtWidgets.QTableWidgetItem()
            star.setFlags(QtCore.Qt.ItemFlag.ItemIsUserCheckable | QtCore.Qt.ItemFlag.ItemIsEnabled
                          | QtCore.Qt.ItemFlag.ItemIsSelectable | QtCore.Qt.ItemFlag.ItemIsDragEnabled)
            star.setCheckState(QtCore.Qt.CheckState.Checked if k.star else QtCore.Qt.CheckState.Unchecked)
            name = QtWidgets.QTableWidgetItem(k.name)
            name.setData(ID_ROLE, k.id)
            tags = QtWidgets.QTableWidgetItem(", ".join(k.tags))
            fixed = QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable | \
                QtCore.Qt.ItemFlag.ItemIsDragEnabled
            model = QtWidgets.QTableWidgetItem(k.model)
            model.setFlags(fixed)
            when = QtWidgets.QTableWidgetItem(time.strftime("%Y-%m-%d %H:%M", time.localtime(k.created)))
            when.setFlags(fixed)
            for c, it in enumerate((star, name, tags, model, when)):
                t.setItem(r, c, it)
        t.setSortingEnabled(True)
        self._filling = False

    def _item_changed(self, it: QtWidgets.QTableWidgetItem) -> None:
        if self._filling or self.table.item(it.row(), 1) is None:
            return
        kid = self._id(it.row())
        if it.column() == 0:
            self.edited.emit(kid, {"star": it.checkState() == QtCore.Qt.CheckState.Checked})
        elif it.column() == 1:
            self.edited.emit(kid, {"name": it.text()})
        elif it.column() == 2:
            self.edited.emit(kid, {"tags": [t for t in it.text().split(",")]})
