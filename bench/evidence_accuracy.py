"""Benchmark: how well the visit evidence checks (C4) catch fake visits and leave honest
reps alone, on visits with the mess of real field work.

    .venv/bin/python bench/evidence_accuracy.py [--seed 20261204] [--size bench|test]
                                                [--out DIR] [--record]
    .venv/bin/python bench/evidence_accuracy.py --size scale --generate --out DIR
    /usr/bin/time -v .venv/bin/zhongshu visits audit DIR/visits.jsonl --out OUT.jsonl

Generates a labelled set of visits deterministically (seeded; the test set
``tests/visits/test_labelled_set.py`` uses ``TEST_SEED`` and the smaller ``test`` size,
the bench ``BENCH_SEED`` and ``bench``: the two never share a visit or a photo).

Honest reps visit each of their customers once a week, and every visit carries the noise
a careless detector trips on: the same storefront photographed every week (a new photo:
other framing, a 1–4° tilt, other light, passers-by), indoor GPS drift of 0.5–1.5 km on
the photo or the device fix, a factory 2–3.3 km from the registered office, uploads
20–29 minutes late on a weak network, no device fix or no photo GPS, EXIF with and
without the offset tag, GCJ-02 and WGS-84 coordinates, a revisit 48.1–52 h after the
last one, high-speed-rail trips (Hangzhou → Shanghai door to door in 80–100 minutes,
Hangzhou → Beijing in 5.5–7 h), short real questions (``交期?``, ``含税吗?``) asked
again and again. Each honest visit is tagged with its noise, and the tables give the
false flags per noise and per flag code.

Fakes come in every pattern the product flags, several just past their threshold:
screenshots and forwarded photos without camera EXIF, album photos with old EXIF (with
and without the offset tag), photo or device far from the customer, a second visit
within 48 h, the same file as an earlier photo, a resized and recompressed copy with
forged fresh EXIF, an edited copy (brightened, darkened, cropped up to 10 % a side),
impossible travel (too fast for a car on short legs, for a train on long ones), and
incomplete records (empty, non-answers, a missing pain point or next action, no photo).

The set is written as the ``zhongshu visits audit`` format (a JSONL file plus a photo
folder) and run through ``models.visits.audit.audit`` — the runner behind the CLI, which calls
``models.visits.evidence.evaluate``, the same function the live check-in job calls. A fake
counts as detected when its expected flag code is among its flags; an honest visit is
falsely flagged when it has any flag. Fake scenarios use their own rep and customer so
that one cannot change the verdict on another; the honest first halves of two-visit
scenarios (revisit, impossible travel) are labelled honest.

``--record`` rewrites the "## Visit evidence accuracy (C4)" section of
docs/BENCHMARKS.md with the tables, the machine and the command."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# ``python bench/evidence_accuracy.py`` puts bench/ first on sys.path, not the repository
# root: the root is what makes ``bench.evidence`` (and the photo kit in ``tests.visits``
# it draws with) importable.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.evidence.generator import build
from bench.evidence.labels import BENCH_SEED, HONEST, NOISE, PATTERNS, SIZES, TEST_SEED
from bench.evidence.scoring import record, score

# What tests/visits/test_labelled_set.py reads from this script (it loads it by path).
__all__ = ["BENCH_SEED", "HONEST", "NOISE", "PATTERNS", "SIZES", "TEST_SEED", "build", "main",
           "score"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=BENCH_SEED)
    parser.add_argument("--size", choices=sorted(SIZES), default="bench")
    parser.add_argument("--out", type=Path, default=None,
                        help="keep the generated set in this folder")
    parser.add_argument("--record", action="store_true",
                        help="write the figures into docs/BENCHMARKS.md")
    parser.add_argument("--generate", action="store_true",
                        help="only write the set into --out (to time the CLI on it)")
    args = parser.parse_args()
    if args.generate:
        if args.out is None:
            parser.error("--generate needs --out")
        started = time.perf_counter()
        path, labels = build(args.out, seed=args.seed, size=args.size)
        print(f"{len(labels)} visits written to {path} in {time.perf_counter() - started:.0f} s")
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zs-evidence-") as tmp:
        folder = args.out or Path(tmp)
        path, labels = build(folder, seed=args.seed, size=args.size)
        built = time.perf_counter()
        scores = score(path, labels)
    finished = time.perf_counter()
    print(scores.table())
    print()
    print(scores.noise_table())
    print()
    print(scores.code_table())
    for vid, codes in scores.false_flags:
        print(f"false flag: {vid} {codes}")
    for vid, label, codes in scores.missed:
        print(f"missed: {vid} ({label}) {codes}")
    print(f"{scores.total} visits: generated in {built - started:.1f} s, "
          f"audited in {finished - built:.1f} s")
    if args.record:
        command = ".venv/bin/python bench/evidence_accuracy.py --record"
        record(scores, seed=args.seed, seconds=finished - built, command=command)


if __name__ == "__main__":
    main()
