"""User mistakes at the `trtplug` command line end as one line naming what was wrong, never a
traceback: reference() mistakes, -o naming a file, a closed stdout, files with nothing to test;
and what `compile`, `inspect` and `--help` tell the user."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trtplug.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
MISH = ROOT / "kernels" / "mish.py"
COOPERATIVE = ROOT / "tests" / "plugins" / "cooperative_normalize.py"
TRTPLUG = str(Path(sys.executable).with_name("trtplug"))


def plugin_file(tmp_path, name: str, reference_body: str) -> str:
    text = MISH.read_text()
    start = text.index("    def reference(self, x):")
    path = tmp_path / f"{name}.py"
    path.write_text(text[:start] + "    def reference(self, x):\n" + textwrap.indent(reference_body, " " * 8) + "\n")
    return str(path)


@pytest.mark.parametrize("body, problem", [
    ("return x, x", "returned 2 array(s) for 1 output(s) (y)"),
    ("return 1 / 0", "raised ZeroDivisionError: division by zero"),
    ("return x[:1]", "output 'y' has shape (1,), but the plugin's output shape is (7,)"),
])
def test_reference_mistakes_name_plugin_case_shapes_and_attributes(tmp_path, capsys, body, problem):
    assert cli_main(["test", plugin_file(tmp_path, "badref", body), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trtplug test: error: badref.Mish.reference: ")
    assert problem in err
    assert "dtypes x:float32,y:float32; input shapes x=(7,); attributes none" in err
    assert "Traceback" not in err


def test_output_naming_a_file_is_one_line_error(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    for command in (["compile", str(MISH), "--no-tensorrt"], ["test", str(MISH)]):
        assert cli_main([*command, "-o", str(taken / "sub")]) == 1
        err = capsys.readouterr().err
        assert f"{taken} is a file, not a folder" in err and err.count("\n") == 1


def test_os_errors_are_one_line(tmp_path, capsys):
    assert cli_main(["compile", str(MISH), "--no-tensorrt", "-o", "/proc/trtplug-no-such/out"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trtplug compile: error: /proc/trtplug-no-such") and "No such file or directory" in err


@pytest.fixture(scope="module")
def mish_library(tmp_path_factory):
    out = tmp_path_factory.mktemp("mish")
    assert cli_main(["compile", str(MISH), "-o", str(out), "--no-tensorrt", "--arch", "90", "-q"]) == 0
    return out / "libmish_plugins.so"


def test_inspect_into_a_closed_pipe_ends_quietly(mish_library):
    proc = subprocess.Popen([TRTPLUG, "inspect", str(mish_library), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head` exiting before trtplug writes
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert b"Traceback" not in err and b"BrokenPipeError" not in err


def test_inspect_shows_attribute_limits_and_deepstream_parsers(tmp_path, capsys):
    path = tmp_path / "detect.py"
    path.write_text(MISH.read_text() + textwrap.dedent('''
        import trtplug.deepstream as tds

        class Tuned(Mish):
            name = "Tuned"
            mode = tp.Attr.string("fast", choices=("fast", "exact"))
            pads = tp.Attr.int_list([0, 0], length=2, min=0)
            gain = tp.Attr.float(1.0, min=0.5, max=4.0)

        detector = tds.YoloDetector("NvDsInferParseMyYolo", layout="CxN", num_classes=2)
    '''))
    assert cli_main(["compile", str(path), "-o", str(tmp_path / "out"), "--no-tensorrt", "--arch", "90", "-q"]) == 0
    capsys.readouterr()
    assert cli_main(["inspect", str(tmp_path / "out" / "libdetect_plugins.so")]) == 0
    out = capsys.readouterr().out
    assert "attr   mode: string = 'fast' (one of 'fast', 'exact', at most 256 bytes)" in out
    assert "attr   pads: int_list = [0, 0] (min 0, 2 elements)" in out
    assert "attr   gain: float = 1.0 (min 0.5, max 4.0)" in out
    assert "parser NvDsInferParseMyYolo: YoloDetector" in out and "2 classes" in out


def test_test_on_a_file_with_only_parsers_says_there_is_nothing_to_test(tmp_path, capsys):
    path = tmp_path / "parsers_only.py"
    path.write_text('import trtplug.deepstream as tds\n'
                    'detector = tds.YoloDetector("NvDsInferParseMyYolo", layout="CxN", num_classes=2)\n')
    assert cli_main(["test", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "parsers_only.py: nothing to test" in err and "NvDsInferParseMyYolo" in err
    assert "emulate_parser" in err


def test_compile_says_which_tensorrt_headers_it_used_and_why(tmp_path, capsys, monkeypatch):
    from trtplug.native.tensorrt_headers import find_all_tensorrt_includes
    found = find_all_tensorrt_includes()
    if not found:
        pytest.skip("needs TensorRT headers")
    chosen = found[-1]
    monkeypatch.setenv("TRTPLUG_TENSORRT_INCLUDE", str(chosen.include_dir))
    assert cli_main(["compile", str(MISH), "-o", str(tmp_path), "--arch", "90"]) == 0
    out = capsys.readouterr().out
    assert f"TensorRT {chosen.version} headers from {chosen.include_dir} (from $TRTPLUG_TENSORRT_INCLUDE)" in out


def test_help_lists_every_place_headers_are_looked_for_in_order(capsys):
    for command in ("compile", "test"):
        with pytest.raises(SystemExit):
            cli_main([command, "--help"])
        out = capsys.readouterr().out
        places = ["1. --tensorrt-include", "2. $TRTPLUG_TENSORRT_INCLUDE", "3. $TENSORRT_ROOT/include",
                  "4. system: /usr/include/x86_64-linux-gnu", "5. cache: "]
        positions = [out.index(p) for p in places]
        assert positions == sorted(positions)


def test_bench_rejects_a_bad_shape_before_loading_anything(capsys):
    with pytest.raises(SystemExit) as exc:
        cli_main(["bench", "lib.so", "--plugin", "Mish", "--shape", "2,x"])
    assert exc.value.code == 2
    assert "expected comma-separated dims like 1,3,224,224, got '2,x'" in capsys.readouterr().err


def test_warnings_reach_the_user_as_one_line_each(tmp_path):
    """A cooperative kernel has no sm_87 cubin: the compile warns once, in one line, with no Python source excerpt."""
    proc = subprocess.run([TRTPLUG, "compile", str(COOPERATIVE), "--no-tensorrt",
                           "--arch", "86,87", "-q", "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("trtplug: warning: kernel max_abs_normalize_kernel:"), proc.stderr
    assert "sm_87" in lines[0]
