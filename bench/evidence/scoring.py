"""Scoring the evidence accuracy bench: the labelled set run through the audit runner
(``models.visits.audit.audit``) and compared with its labels (``score``), the tables, and
the docs/BENCHMARKS.md section ``--record`` rewrites (``record``). Called by
``bench/evidence_accuracy.py``."""

from __future__ import annotations

import io
import json
import os
import platform
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.evidence.labels import HONEST, NOISE, PATTERNS, TEST_SEED
from models.visits import audit as visit_audit
from models.visits import evidence as ev
from tests.visits.visitkit import SHANGHAI

ROOT = Path(__file__).resolve().parents[2]

@dataclass
class Scores:
    total: int
    by_label: dict[str, int]
    detected: dict[str, int]
    honest_flagged: int
    false_flags: list[tuple[str, list[str]]]
    missed: list[tuple[str, str, list[str]]]
    by_noise: dict[str, list[int]] = field(default_factory=dict)  # noise -> [visits, flagged]
    by_code: dict[str, int] = field(default_factory=dict)  # code -> honest visits with it

    @property
    def fraud_total(self) -> int:
        return sum(n for label, n in self.by_label.items() if label != HONEST)

    @property
    def detection_rate(self) -> float:
        return sum(self.detected.values()) / self.fraud_total

    @property
    def false_flag_rate(self) -> float:
        return self.honest_flagged / self.by_label[HONEST]

    def table(self) -> str:
        rows = ["| pattern | expected flag | visits | detected | rate |",
                "|---|---|---:|---:|---:|"]
        for pattern, code in PATTERNS.items():
            n, d = self.by_label.get(pattern, 0), self.detected.get(pattern, 0)
            rows.append(f"| {pattern} | `{code}` | {n} | {d} | {d / max(n, 1):.1%} |")
        rows.append(f"| **all fakes** | | {self.fraud_total} | {sum(self.detected.values())}"
                    f" | **{self.detection_rate:.1%}** |")
        honest = self.by_label[HONEST]
        rows.append(f"| honest (flagged = false flag) | none | {honest} | "
                    f"{self.honest_flagged} | **{self.false_flag_rate:.1%}** |")
        return "\n".join(rows)

    def noise_table(self) -> str:
        rows = ["| honest noise | visits | falsely flagged | rate |", "|---|---:|---:|---:|"]
        for key, label in NOISE.items():
            n, flagged = self.by_noise.get(key, [0, 0])
            rows.append(f"| {key}（{label}） | {n} | {flagged} | {flagged / max(n, 1):.1%} |")
        return "\n".join(rows)

    def code_table(self) -> str:
        honest = self.by_label[HONEST]
        rows = ["| false-flag code | honest visits flagged with it | rate |", "|---|---:|---:|"]
        for code in ev.FLAG_CODES:
            n = self.by_code.get(code, 0)
            rows.append(f"| `{code}` | {n} | {n / honest:.1%} |")
        return "\n".join(rows)


def score(path: Path, labels: dict[str, str], *,
          rules: ev.EvidenceRules | None = None) -> Scores:
    """Run the audit over ``path`` and compare its flags with the labels."""
    out = io.StringIO()
    errors: list[str] = []
    summary = visit_audit.audit(path, out, rules=rules or ev.EvidenceRules(), business_tz=SHANGHAI,
                       report_error=errors.append)
    if errors:
        raise AssertionError(f"the labelled set has malformed lines: {errors[:3]}")
    noise_file = path.parent / "noise.json"
    noise = json.loads(noise_file.read_text(encoding="utf-8")) if noise_file.exists() else {}
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert summary.total == len(results) == len(labels)
    by_label: dict[str, int] = defaultdict(int)
    detected: dict[str, int] = dict.fromkeys(PATTERNS, 0)
    by_noise: dict[str, list[int]] = {key: [0, 0] for key in NOISE}
    by_code: dict[str, int] = dict.fromkeys(ev.FLAG_CODES, 0)
    honest_flagged = 0
    false_flags, missed = [], []
    for result in results:
        label = labels[result["id"]]
        codes = [flag["code"] for flag in result["flags"]]
        by_label[label] += 1
        if label == HONEST:
            for key in noise.get(result["id"], ()):
                by_noise[key][0] += 1
                by_noise[key][1] += bool(codes)
            for code in set(codes):
                by_code[code] += 1
            if codes:
                honest_flagged += 1
                false_flags.append((result["id"], codes))
        elif PATTERNS[label] in codes:
            detected[label] += 1
        else:
            missed.append((result["id"], label, codes))
    return Scores(len(results), dict(by_label), detected, honest_flagged, false_flags,
                  missed, by_noise, by_code)


SECTION = "## Visit evidence accuracy (C4)"


SCALE = "\n### `zhongshu visits audit` on 10,000 visits"


def record(scores: Scores, *, seed: int, seconds: float, command: str) -> None:
    """Rewrite this benchmark's section of docs/BENCHMARKS.md; its scale subsection (the
    CLI timed with /usr/bin/time, written by hand) is kept."""
    doc = ROOT / "docs" / "BENCHMARKS.md"
    text = doc.read_text(encoding="utf-8")
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    listed = ", ".join(f"`{vid}` ({label})" for vid, label, _ in scores.missed) or "none"
    false = ", ".join(f"`{vid}` ({'/'.join(codes)})" for vid, codes in scores.false_flags)
    body = (
        f"{SECTION}\n\n"
        f"A labelled set of {scores.total} visits generated with seed {seed} "
        f"({scores.by_label[HONEST]} honest, {scores.fraud_total} fakes in "
        f"{len(PATTERNS)} patterns), written as a `zhongshu visits audit` JSONL file plus "
        "photos and run through `models.visits.audit.audit` — the CLI's runner, which calls "
        "`models.visits.evidence.evaluate`, the function the live check-in job uses — with the "
        "default thresholds. A fake is detected when its expected flag is among its flags; "
        "an honest visit with any flag is a false flag. The honest visits carry the noise "
        "of real field work (each tagged; table 2) and the fakes come in every pattern, "
        "edited copies of old photos included: `bench/evidence_accuracy.py` docstring. "
        f"`tests/visits/test_labelled_set.py` asserts ≥ 95 % detected and ≤ 2 % honest "
        f"flagged on its own, smaller set (seed {TEST_SEED}, no visit or photo shared).\n\n"
        f"Machine: {cpu}, {os.cpu_count()} cores shared with other work, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}. "
        f"Command: `{command}` (audit {seconds:.1f} s).\n\n"
        f"{scores.table()}\n\n{scores.noise_table()}\n\n{scores.code_table()}\n\n"
        f"False flags: {false or 'none'}. Misses: {listed}.\n\n"
        "How reuse is told from a new photo. The perceptual hash only proposes "
        "candidates: an earlier photo within 12 bits (of 64) of the new one, or whose "
        "centre 90 % / 80 % hashes within 16 bits of it (a crop). Each candidate is "
        "confirmed by `photos.similarity`: the correlation of the two normalised 32×32 "
        "greyscale thumbnails, the earlier one searched as a crop (80–100 % of its width "
        "and height, anywhere inside it) and refined; a copy at ≥ 0.965. Calibrated on "
        "the generator's own pairs: re-encoded, resized (0.5–1.5×), recompressed (q 55) "
        "copies score ≥ 0.999; brightened or darkened (0.7–1.3×) ≥ 0.969; crops of 2–10 % "
        "a side, even or uneven, ≥ 0.973; new photos of the same storefront from about the "
        "same spot (±3 % framing, ±5 % zoom, 1–4° tilt, other light, passers-by) ≤ 0.962 "
        "— some of them only 6 bits apart by hash, which the old hash-only rule called "
        "the same photo. The margins are a few thousandths: the false flags above are new "
        "photos framed almost exactly like the earlier one.\n\n"
        "Could separate: byte copies, re-encodes, resizes, recompressions, brightness "
        "changes and crops of up to 10 % a side — though a crop that also changes the "
        "light can move the hash past 16 bits, and then it is never compared (the "
        "edited-copy misses above). Could not: a crop of "
        "more than 20 % a side (the hash no longer proposes it, and the search does not "
        "go there), a crop combined with a rotation or a mirror, and — by design — a new "
        "photo framed exactly as the old one with the same light: it is the same picture "
        "to any comparison of pixels. The figures are a synthetic set with crisp "
        "thresholds, so fakes just past a threshold are caught by construction; real GPS, "
        "geocoding and camera clocks can be worse than the noise modelled here.\n")
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        nxt = rest.find("\n## ")
        section, tail = (rest[:nxt], rest[nxt:]) if nxt >= 0 else (rest, "")
        kept = section[section.find(SCALE):] if SCALE in section else ""
        text = head + body + kept.rstrip("\n") + ("\n" if kept else "") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + body
    doc.write_text(text, encoding="utf-8")
