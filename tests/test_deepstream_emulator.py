"""The nvinfer emulator's plan and result records: what a record the other side cannot read turns
into (the emulator's parsers, classifiers and input layers are tested in the other test_deepstream_*
files, through the same records)."""
import stat

import pytest

import trtplug.deepstream as tds
from trtplug.deepstream.emulator_records import plan_header, raise_for_failure, run_emulator
from trtplug.errors import NativeError
from trtplug.native.records import record


def _run(exe, plan):
    return run_emulator(exe, plan, {}, case="SomeParser", timeout=60)


@pytest.mark.parametrize("plan,message", [
    ([plan_header("bbox", "libnothing.so", "SomeParser"), record("layer", name="out", dtype=0)],
     r"plan\.txt:2: expected: layer name=NAME dtype=0\.\.5 dims=D1,\.\.,DN"),
    ([plan_header("bbox", "libnothing.so", "SomeParser"), record("frame", index=0)],
     r"plan\.txt:2: unknown record 'frame'"),
    ([record("trtplug-plan", format=2)], r"plan\.txt:1: not an nvinfer emulation plan"),
], ids=["missing keys", "unknown kind", "another program's plan"])
def test_a_plan_the_emulator_cannot_read_is_one_error_line(plan, message):
    run = _run(tds.build_emulator(), plan)
    assert run.returncode == 2
    with pytest.raises(NativeError, match=r"^SomeParser: \S*" + message) as err:
        raise_for_failure(run)
    assert len(str(err.value).splitlines()) == 1


def test_a_result_line_python_cannot_read_is_one_error_line(tmp_path):
    fake = tmp_path / "fake_emulator"
    fake.write_text('#!/bin/sh\nprintf "trtplug-nvinfer-result format=1\\nreturned ok=%%ZZ\\nend\\n" > "$2"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    run = _run(fake, [plan_header("bbox", "libnothing.so", "SomeParser")])
    with pytest.raises(NativeError) as err:
        raise_for_failure(run)
    assert str(err.value) == "SomeParser: unreadable result line 2: 'returned ok=%ZZ'"
