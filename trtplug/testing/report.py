"""What `trtplug test` (and `trtplug.test`) returns: one row per case, whether all passed, a summary."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TestRow:
    """One test case: a plugin, a dtype combination, input shapes and attribute values."""

    __test__ = False  # not a pytest test class

    case: str                      # case id, e.g. "Mish_3"
    plugin: str
    version: str
    label: str                     # "[float32,float32] 2x3x5 alpha=0.5"
    status: str                    # "pass" or "fail"
    outputs: str = ""              # "match", "MISMATCH", "not run (no GPU)", ...
    max_error: float | None = None
    message: str = ""              # why it failed, or what could not run

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass
class TestReport:
    """The result of one test run. `passed` is True when every case passed and the run itself had no
    problem (e.g. the harness crashed, a library failed to load).

        report = trtplug.test([Mish])
        report.passed, report.summary     # True, "6 passed, 0 failed"
        [row.label for row in report.rows if not row.passed]
    """

    __test__ = False

    runner: str                    # "TensorRT harness" or "C API"
    rows: list[TestRow] = field(default_factory=list)
    table: str = ""                # the rows as `trtplug test` prints them
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tensorrt: str | None = None    # TensorRT version of the harness
    device: str = ""
    library: Path | None = None
    suite_dir: Path | None = None

    @property
    def failed(self) -> list[TestRow]:
        return [r for r in self.rows if not r.passed]

    @property
    def passed(self) -> bool:
        return bool(self.rows) and not self.failed and not self.problems

    @property
    def summary(self) -> str:
        text = f"{len(self.rows) - len(self.failed)} passed, {len(self.failed)} failed"
        return text + (f"; {len(self.problems)} problem(s) with the run" if self.problems else "")

    def format(self) -> str:
        """Notes, the table and the summary, as `trtplug test` prints them."""
        parts = list(self.notes)
        if self.table:
            parts.append(self.table)
        parts.append(self.summary)
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.format()
