"""The codes trtplug's Python shares with the native core (trtplug.native.codes) equal the enums of the
installed trtplug_core.h, name for name and value for value."""
import re
from pathlib import Path

import pytest

from trtplug.native import codes as native_codes
from trtplug.native.assets import CORE_DIR

ENUM = re.compile(r"enum(?:\s+class)?\s+(\w+)\s*:\s*\w+\s*\{(.*?)\};", re.S)
ENUMERATOR = re.compile(r"(k\w+)\s*=\s*(\d+)")


def header_enums() -> dict[str, dict[str, int]]:
    text = re.sub(r"//[^\n]*", "", (Path(CORE_DIR) / "trtplug_core.h").read_text(encoding="utf-8"))
    return {name: {k: int(v) for k, v in ENUMERATOR.findall(body)} for name, body in ENUM.findall(text)}


@pytest.mark.parametrize("enum", sorted(native_codes.ENUMS))
def test_table_equals_the_header_enum(enum):
    header = header_enums()
    assert enum in header, f"trtplug_core.h has no enum {enum}"
    table = native_codes.ENUMS[enum]
    assert {code.cpp: code.value for code in table.values()} == header[enum]


def test_the_check_fails_when_a_code_drifts():
    drifted = dict(native_codes.ATTR_TYPE, float_list=native_codes.Code("kFloatList", 9))
    header = header_enums()["AttrType"]
    assert {code.cpp: code.value for code in drifted.values()} != header
