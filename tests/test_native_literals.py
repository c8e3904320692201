"""The one C++ literal encoder every generated source goes through, checked by compiling its output."""
from __future__ import annotations

import subprocess

import pytest

from trtplug.native.compiler import CompileJob, run_compile
from trtplug.native.literals import c_double, c_float, c_string, c_string_lines

AWKWARD = ['a"b\\c', "é\n?", "??=", "tab\there", "\x00nul", "octal then digit: \x01" + "7", ""]


def test_escapes_are_readable_and_exact():
    assert c_string('a"b\\c') == r'"a\"b\\c"'
    assert c_string("é\n?") == r'"\303\251\012\?"'
    assert c_string_lines(b"ab\ncd") == [r'"ab\012"', '"cd"']
    assert c_string_lines(b"") == ['""']
    assert (c_float(0.5), c_double(2), c_double(1e-5)) == ("0.5f", "2.0", "1e-05")
    with pytest.raises(ValueError, match="non-finite"):
        c_float(float("inf"))


def test_a_compiler_reads_back_every_byte(tmp_path):
    blob = bytes(range(256)) * 3
    lines = "\n".join(f"    {line}" for line in c_string_lines(blob))
    strings = ", ".join(c_string(s) for s in AWKWARD)
    source = tmp_path / "check.cpp"
    source.write_text(f"""#include <cstdio>
#include <cstring>
static const unsigned char kBlob[] =
{lines};
static const char* const kStrings[] = {{ {strings} }};
static const size_t kLengths[] = {{ {", ".join(str(len(s.encode())) for s in AWKWARD)} }};
int main() {{
    for (size_t i = 0; i < sizeof kBlob - 1; ++i) if (kBlob[i] != i % 256) return 1;
    for (size_t i = 0; i < {len(AWKWARD)}; ++i) {{
        fwrite(kStrings[i], 1, kLengths[i], stdout);
        fputc('|', stdout);
    }}
    return sizeof kBlob - 1 == {len(blob)} ? 0 : 2;
}}
""")
    exe = run_compile(CompileJob([source], tmp_path / "check", shared=False, extra_flags=["-Werror"], optimize="-O0"))
    out = subprocess.run([str(exe)], capture_output=True, check=True).stdout
    assert out == b"".join(s.encode() + b"|" for s in AWKWARD)
