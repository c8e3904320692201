"""Builds what the GPU reliability tests (tests/test_gpu_stress.py) run, on a machine with Numba and
a compiler, for a GPU machine with neither:

    python tests/stress_artifacts.py OUT_DIR                  # here
    TRTPLUG_STRESS_ARTIFACTS=OUT_DIR pytest -m gpu tests/test_gpu_stress.py     # on the GPU machine

OUT_DIR holds:
  trtplug_stress          the stress program (tests/native/stress_main.cpp); with TensorRT headers,
                          with the harness's plugin registry linked in, so registrations are counted
  libcuda_counting.so     forwards to libcuda.so.1 and counts modules loaded and unloaded
  libfault_plugins.so     Scale2d (healthy) and the faulty plugins of fault_plugins.cpp, built so that
                          dlclose unloads it
  mish/ mish_other/ mish_v2/   kernels/mish.py as `trtplug compile` builds it (with the IPluginV2
                          adapter where TensorRT headers are found), again in namespace trtplug_other,
                          and tests/stress_plugins/mish_v2.py (Mish version 2)
  build.json              what was built, for the tests (TensorRT major, whether a registry is in)
Only sm_90 cubins and the PTX fallback are built, to keep the copy small.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "native"))

GPU_ARCHS = (90,)
MISH_LIBRARIES = {  # folder: (plugin file, library name, namespace)
    "mish": (ROOT / "kernels" / "mish.py", "mish_plugins", ""),
    "mish_other": (ROOT / "kernels" / "mish.py", "mish_other", "trtplug_other"),
    "mish_v2": (ROOT / "tests" / "stress_plugins" / "mish_v2.py", "mish_v2", ""),
}


def build_stress_artifacts(out: Path) -> dict:
    import stress_build
    from trtplug.errors import HeadersNotFoundError
    from trtplug.native.tensorrt_headers import find_cuda_include, find_tensorrt_include
    from trtplug.pipeline import CompileOptions, compile_library

    out.mkdir(parents=True, exist_ok=True)
    try:
        headers = find_tensorrt_include()
        find_cuda_include()
    except HeadersNotFoundError as exc:
        print(f"no TensorRT headers ({exc}): the libraries have only the C API, the program no registry",
              file=sys.stderr)
        headers = None
    program = (stress_build.build_stress_program_with_registry(headers) if headers
               else stress_build.build_stress_program())
    shutil.copyfile(program, out / "trtplug_stress")
    (out / "trtplug_stress").chmod(0o755)
    shutil.copyfile(stress_build.build_counting_driver(), out / "libcuda_counting.so")
    shutil.copyfile(stress_build.build_fault_library(unloadable=True), out / "libfault_plugins.so")
    for folder, (source, name, namespace) in MISH_LIBRARIES.items():
        result = compile_library([str(source)], CompileOptions(
            output_dir=out / folder, library_name=name, plugin_namespace=namespace, archs=GPU_ARCHS,
            tensorrt=headers is not None, tensorrt_include=headers.include_dir if headers else None, progress=None))
        for extra in (out / folder).iterdir():  # keep the library only
            if extra != result.library:
                shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    info = {"tensorrt": headers.version if headers else None, "registry": headers is not None}
    (out / "build.json").write_text(json.dumps(info, indent=1))
    return info


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python {sys.argv[0]} OUT_DIR")
    print(build_stress_artifacts(Path(sys.argv[1])))
