"""Accuracy of the visit evidence checks on a generated, labelled set (C4): at least
95 % of fraud visits detected (overall) and at most 2 % of honest visits flagged, honest
visits carrying every kind of real-life noise. The set and the scoring are
bench/evidence_accuracy.py's (the test's own seed and size), run through the audit
runner."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "evidence_accuracy.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evidence_accuracy", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _bench()


@pytest.fixture(scope="module")
def labelled(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return bench.build(tmp_path_factory.mktemp("labelled"))  # type: ignore[no-any-return]


def test_set_is_large_and_covers_every_pattern(bench: ModuleType,
                                               labelled: tuple[Path, dict]) -> None:
    _path, labels = labelled
    assert len(labels) >= 200
    counts = {label: list(labels.values()).count(label) for label in set(labels.values())}
    assert set(counts) == {bench.HONEST, *bench.PATTERNS}
    assert all(n >= 10 for n in counts.values())
    assert counts[bench.HONEST] >= 150


def test_honest_visits_carry_every_kind_of_noise_and_the_sets_are_separate(
        bench: ModuleType, labelled: tuple[Path, dict]) -> None:
    path, _labels = labelled
    noise = json.loads((path.parent / "noise.json").read_text(encoding="utf-8"))
    seen = {tag for tags in noise.values() for tag in tags}
    assert seen == set(bench.NOISE)
    assert bench.TEST_SEED != bench.BENCH_SEED
    sizes = bench.SIZES["bench"]
    honest = sizes["reps"] * sizes["customers"] * sizes["weeks"]
    assert honest + len(bench.PATTERNS) * sizes["per_pattern"] >= 1000


def test_generation_is_deterministic(bench: ModuleType, labelled: tuple[Path, dict],
                                     tmp_path: Path) -> None:
    path, labels = labelled
    again, labels_again = bench.build(tmp_path)
    assert labels_again == labels
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    if first["photo"]:
        assert (again.parent / first["photo"]).read_bytes() == \
            (path.parent / first["photo"]).read_bytes()


def test_detection_and_false_flag_rates(bench: ModuleType,
                                        labelled: tuple[Path, dict]) -> None:
    scores = bench.score(*labelled)
    assert scores.detection_rate >= 0.95, (scores.table(), scores.missed)
    assert scores.false_flag_rate <= 0.02, (scores.table(), scores.false_flags)
    # No pattern may be carried by the others: each one is caught on its own.
    for pattern in bench.PATTERNS:
        assert scores.detected[pattern] / scores.by_label[pattern] >= 0.9, pattern
    # Nor may any kind of honest noise draw flags on its own.
    for key, (n, flagged) in scores.by_noise.items():
        assert n and flagged / n <= 0.05, (key, n, flagged)


def test_cli_gives_the_same_flags_as_the_runner(bench: ModuleType,
                                               labelled: tuple[Path, dict],
                                               tmp_path: Path) -> None:
    """The CLI an admin runs over exported history reaches the same verdicts."""
    from click.testing import CliRunner

    from zhongshu.cli import main

    path, labels = labelled
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["visits", "audit", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    flagged = {json.loads(line)["id"]: bool(json.loads(line)["flags"])
               for line in out.read_text(encoding="utf-8").splitlines()}
    assert len(flagged) == len(labels)
    honest_flagged = sum(flagged[vid] for vid, label in labels.items()
                         if label == bench.HONEST)
    fraud_caught = sum(flagged[vid] for vid, label in labels.items()
                       if label != bench.HONEST)
    fraud = sum(label != bench.HONEST for label in labels.values())
    assert fraud_caught / fraud >= 0.95
    assert honest_flagged / list(labels.values()).count(bench.HONEST) <= 0.02
