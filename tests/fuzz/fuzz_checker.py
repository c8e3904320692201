"""atheris (coverage-guided, libFuzzer options) target: the nvinfer config checker on arbitrary text.

    python tests/fuzz/fuzz_checker.py [libFuzzer options] [corpus folders or files]

Input: the bytes of a config file (key-file form); written to a file and checked with
trtplug.deepstream.checker.check_config, for a DeepStream version picked by the input's length.
The custom library is not opened (open_library=False): probing a library is a separate process
that reads a file, not this text. Checks: only trtplug's own errors (TrtPlugError) may be raised;
every finding is a Problem with a known severity, a code, a one-line message and a line number
inside the file (or None for the file as a whole).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["trtplug"]):
    from trtplug.deepstream.checker import ERROR, INFO, WARNING, check_config
    from trtplug.deepstream.versions import SUPPORTED_VERSIONS
    from trtplug.errors import TrtPlugError

_DIR = Path(tempfile.mkdtemp(prefix="trtplug-fuzz-checker-"))
_CONFIG = _DIR / "config_infer.txt"


class CheckerFinding(AssertionError):
    """The checker broke its contract on some input."""


def check_one(data: bytes) -> list:
    """Checks `data` as a config file; raises CheckerFinding (or the checker's own unexpected
    exception) when the contract is broken. Returns the problems found."""
    _CONFIG.write_bytes(data)
    version = SUPPORTED_VERSIONS[len(data) % len(SUPPORTED_VERSIONS)]
    try:
        problems = check_config(_CONFIG, version, open_library=False)
    except TrtPlugError:
        return []
    lines = data.count(b"\n") + 1  # GKeyFile ends lines at "\n" only
    for p in problems:
        if p.severity not in (ERROR, WARNING, INFO):
            raise CheckerFinding(f"problem with severity {p.severity!r}: {p}")
        if not p.code or not isinstance(p.message, str) or not p.message.strip():
            raise CheckerFinding(f"problem without a code or message: {p}")
        if "\n" in p.message.strip():
            raise CheckerFinding(f"problem message spans several lines: {p.message!r}")
        if p.line is not None and not (isinstance(p.line, int) and 1 <= p.line <= lines):
            raise CheckerFinding(f"problem at line {p.line!r} of a {lines}-line file: {p}")
    return problems


def test_one_input(data: bytes) -> None:
    check_one(data)


def main(argv) -> None:
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
