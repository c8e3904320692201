"""Coverage-guided fuzzing of the serialization target (tests/fuzz/fuzz_serialization.cpp, docs/fuzzing.md):
its seeds and regression inputs, then a short libFuzzer run."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz.pytest_support import replay_seeds, short_run  # noqa: E402

pytestmark = pytest.mark.fuzz


def test_seeds_and_regressions_pass():
    replay_seeds("serialization")


def test_short_run_finds_nothing(tmp_path):
    short_run("serialization", tmp_path)
