"""Coverage-guided fuzzing of the nvinfer config checker (tests/fuzz/fuzz_checker.py, atheris;
docs/fuzzing.md), and the regressions it found."""
import sys
from pathlib import Path

import pytest

from trtplug.deepstream.checker import check_config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz.pytest_support import replay_seeds, short_run  # noqa: E402

pytestmark = pytest.mark.fuzz


@pytest.mark.parametrize("inside", ["\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\r"])
def test_regression_only_newline_ends_a_line(tmp_path, inside):
    # Found by fuzzing: the checker split lines with str.splitlines(), which also breaks at \v, \f,
    # \x1c..\x1e, \x85, \u2028 and a lone \r. GKeyFile (nvinfer) ends lines at "\n" only, so a key
    # holding such a character is one unknown key on its line, and later lines keep their numbers.
    config = tmp_path / "config_infer.txt"
    config.write_bytes(f"[property]\ngpu-i{inside}d=0\r\nbatch-size=1\nbogus-key=2\n".encode())
    problems = check_config(config, "9.1", open_library=False)
    unknown = {p.key: p.line for p in problems if p.code == "unknown-key"}
    assert unknown == {f"gpu-i{inside}d": 2, "bogus-key": 4}, problems


@pytest.mark.parametrize("path", ["m" * 5000 + ".onnx", "/" + "d" * 300 + "/model.onnx"])
def test_regression_a_path_the_system_refuses_is_a_missing_path(tmp_path, path):
    # Found by fuzzing: Path.exists() raises OSError (ENAMETOOLONG) for a name or a component longer
    # than the system allows; the checker let it escape instead of reporting the path as missing.
    config = tmp_path / "config_infer.txt"
    config.write_bytes(f"[property]\nnetwork-type=0\nnum-detected-classes=1\nonnx-file={path}\n".encode())
    problems = check_config(config, "9.1", open_library=False)
    assert any(p.key == "onnx-file" and p.line == 4 for p in problems), problems


@pytest.mark.parametrize("value", ["1\x1c", "1\x1f", "\u0663"])
def test_regression_an_integer_is_ascii_digits_and_spaces(tmp_path, value):
    # Found by fuzzing: the integer check used Python's \s and \d, which also match \x1c..\x1f and
    # non-ASCII digits; int() then raised ValueError ("1\x1c") or read a value nvinfer's strtol
    # refuses ("\u0663", ARABIC-INDIC DIGIT THREE).
    config = tmp_path / "config_infer.txt"
    config.write_bytes(f"[property]\nbatch-size={value}\n".encode())
    problems = check_config(config, "9.1", open_library=False)
    assert any(p.key == "batch-size" and p.line == 2 and "is not an integer" in p.message for p in problems), problems


@pytest.mark.parametrize("key, value, message", [
    ("batch-size", "\x1f1", "is not an integer"),
    ("net-scale-factor", "1_0", "is not a number"),
    ("net-scale-factor", "\u0663.5", "is not a number"),
    ("maintain-aspect-ratio", "\x85true", "is not a boolean"),
])
def test_regression_only_ascii_spaces_are_stripped_and_only_ascii_digits_read(tmp_path, key, value, message):
    # Left open by the first fuzzing run: lines, keys and values were stripped with Python's
    # Unicode-aware strip, and numbers read with float(), so "\x1f1" was batch-size 1 and "1_0" the
    # number 10 where nvinfer (GKeyFile, g_ascii_strtod) refuses both.
    config = tmp_path / "config_infer.txt"
    config.write_bytes(f"[property]\n{key}={value}\n".encode())
    problems = check_config(config, "9.1", open_library=False)
    assert any(p.key == key and p.line == 2 and message in p.message for p in problems), problems


def test_seeds_and_regressions_pass():
    replay_seeds("checker")


def test_short_run_finds_nothing(tmp_path):
    short_run("checker", tmp_path)
