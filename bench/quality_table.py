"""Turn bench/quality.py's JSON output (one or more files) into the Markdown table of docs/quality.md.

    python bench/quality_table.py quality_kit.json quality_real.json
"""
from __future__ import annotations

import json
import sys


def last_json(path: str) -> dict:
    text = open(path).read()
    return json.loads(text[text.index("{\n"):])


def main() -> int:
    rows = ["| dataset (clips) | model | budget | steps | FD | NDB/K | memorisation | diversity |",
            "|---|---|---|---|---|---|---|---|"]
    reach = ["| dataset | reference's final FD | tiny stays at or below it from | share of the reference's budget |",
             "|---|---|---|---|"]
    for path in sys.argv[1:]:
        rep = last_json(path)
        for name, e in rep["datasets"].items():
            rr = e["real_vs_real"]
            rows.append(f"| {name} ({e['clips']}) | real vs real (halves) | | | {rr['fd']:,.0f} | {rr['ndb_k']} | "
                        f"{rr['memorisation']} | {rr['diversity']} |")
            for model, minutes in (("wavegan", rep["ref_minutes"]), ("tiny", rep["tiny_minutes"])):
                if model not in e:
                    continue
                m = e[model]
                label = "paper-size WaveGAN" if model == "wavegan" else "`tiny`"
                rows.append(f"| | {label} | {minutes:g} min | {m['steps']} | {m['fd']:,.0f} | {m['ndb_k']} | "
                            f"{m['memorisation']} | {m['diversity']} |")
            if "tiny_seconds_to_reference_final_fd" not in e:
                continue
            t = e["tiny_seconds_to_reference_final_fd"]
            share = e["time_ratio_tiny_vs_reference"]
            reach.append(f"| {name} | {e['wavegan']['fd']:,.0f} ({rep['ref_minutes']:g} min) | "
                         f"{'not within its budget' if t is None else f'{t:.0f} s'} | "
                         f"{'–' if share is None else f'{share:.3f}'} |")
    print("\n".join(rows))
    print()
    print("\n".join(reach))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
