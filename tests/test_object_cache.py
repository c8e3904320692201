"""Building an unchanged library again reuses its compiled objects; any change to a source, a header
it includes or the command compiles that object again."""
from __future__ import annotations

import pytest

from trtplug.native import object_cache
from trtplug.native.compiler import CompileJob


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = object_cache.run_compile

    def run(job, *args, **kwargs):
        calls.append(job.sources[0].name)
        return real(job, *args, **kwargs)

    monkeypatch.setattr(object_cache, "run_compile", run)
    return calls


def job(tmp_path, src, name, flags=()):
    return CompileJob([src], tmp_path / "obj" / name, shared=False, include_dirs=[tmp_path / "inc"],
                      extra_flags=["-c", *flags], libs=(), optimize="-O0")


def test_objects_are_reused_until_an_input_changes(tmp_path, counted):
    cache = tmp_path / "cache"
    (tmp_path / "inc").mkdir()
    header = tmp_path / "inc" / "value.h"
    header.write_text("#define VALUE 1\n")
    src = tmp_path / "a.cpp"
    src.write_text('#include "value.h"\nint value() { return VALUE; }\n')

    first = object_cache.compile_object(job(tmp_path, src, "a1.o"), cache)
    again = object_cache.compile_object(job(tmp_path, src, "a2.o"), cache)
    assert counted == ["a.cpp"] and again.read_bytes() == first.read_bytes()

    header.write_text("#define VALUE 2\n")  # a header the source includes
    changed = object_cache.compile_object(job(tmp_path, src, "a3.o"), cache)
    assert counted == ["a.cpp"] * 2 and changed.read_bytes() != first.read_bytes()

    object_cache.compile_object(job(tmp_path, src, "a4.o", flags=["-DOTHER"]), cache)  # another command
    assert len(counted) == 3
    src.write_text('#include "value.h"\nint value() { return VALUE + 1; }\n')  # the source itself
    object_cache.compile_object(job(tmp_path, src, "a5.o"), cache)
    assert len(counted) == 4


def test_a_damaged_cache_entry_is_compiled_again(tmp_path, counted):
    cache = tmp_path / "cache"
    (tmp_path / "inc").mkdir()
    src = tmp_path / "b.cpp"
    src.write_text("int b() { return 3; }\n")
    object_cache.compile_object(job(tmp_path, src, "b1.o"), cache)
    for deps in cache.rglob("*.deps.json"):
        deps.write_text("not json")
    out = object_cache.compile_object(job(tmp_path, src, "b2.o"), cache)
    assert len(counted) == 2 and out.stat().st_size > 0
