"""Coverage-guided fuzzing of the ds_parsers target (tests/fuzz/fuzz_ds_parsers.cpp, docs/fuzzing.md):
its seeds and regression inputs, then a short libFuzzer run."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz.pytest_support import replay_seeds, short_run  # noqa: E402

pytestmark = pytest.mark.fuzz


def test_seeds_and_regressions_pass():
    replay_seeds("ds_parsers")


def test_short_run_finds_nothing(tmp_path):
    short_run("ds_parsers", tmp_path)
