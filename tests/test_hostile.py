"""Every CLI command on hostile files and arguments (tests/data/hostile.py), in a child process
under an address-space limit: each case ends in one clear error line naming the file and the field
(or succeeds where it should), nothing hangs, nothing prints a traceback, nothing outside the
output folder changes and the process stays below 1 GB."""
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
LIMIT_BYTES = 3 << 30          # address space: torch alone maps about 0.7 GB
PEAK_MB = 1024


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    out = tmp / "results.json"

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    proc = subprocess.run([sys.executable, str(HERE / "data" / "hostile.py"), str(tmp / "work"), str(out)],
                          capture_output=True, text=True, timeout=600, preexec_fn=limit,
                          env={**os.environ, "GANSTUDIO_LOG_DIR": str(tmp / "log")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp, json.loads(out.read_text())


def test_no_hostile_case_crashes_hangs_or_passes_silently(results):
    _, cases = results
    assert len(cases) >= 80
    problems = []
    for c in cases:
        said = c["stdout"] + c["stderr"]
        if c["hung"] or c["traceback"]:
            problems.append(f"{c['name']}: {'hung' if c['hung'] else 'traceback'}\n{c['stderr'][-800:]}")
        elif c["ok"] and c["rc"] != 0:
            problems.append(f"{c['name']}: should succeed, exit {c['rc']}: {c['stderr'][-400:]}")
        elif not c["ok"] and (c["rc"] not in (1, 2) or "error:" not in c["stderr"]):
            problems.append(f"{c['name']}: no clear error (exit {c['rc']}): {c['stderr'][-400:]}")
        missing = [e for e in c["expect"] if e not in said]
        if missing:
            problems.append(f"{c['name']}: the message lacks {missing}: {said[-400:]}")
        if not c["ok"] and len(c["stderr"].strip().splitlines()) > 3 and c["rc"] == 1:
            problems.append(f"{c['name']}: more than one clear line: {c['stderr'][-400:]}")
    assert not problems, "\n".join(problems)


def test_hostile_cases_write_nothing_outside_and_stay_small(results):
    tmp, cases = results
    work = tmp / "work"
    assert (work / "victim.txt").read_text() == "precious"        # sidecars named it as their WAV
    assert (tmp / "outside-sentinel.txt").read_text() == "must not change"
    assert all(not c["outside"] for c in cases)
    remade = sorted(p.name for p in (work / "out" / "remade").iterdir())
    assert remade == ["wav-absolute.wav", "wav-traversal.wav"]     # named by the sidecar's own file
    assert not list(work.rglob("*.tmp")) and not list(work.rglob(".*.tmp"))
    assert max(c["maxrss_mb"] for c in cases) < PEAK_MB


def test_refused_model_files_leave_no_output(results):
    tmp, cases = results
    out = tmp / "work" / "out"
    for c in cases:
        if c["kind"] == "model" and "(generate)" in c["name"]:
            folder = out / c["name"].split(" (")[0]
            assert not folder.exists() or not any(folder.iterdir()), c["name"]
