"""The TensorRT plugin lifecycle harness, in one import: plans (plan.py), running the harness
(run.py) and reading its results (results.py).

Example::

    from trtplug.native.tensorrt_headers import find_tensorrt_include
    from trtplug.testing.harness import PlanCase, PluginField, write_plan, run_plan, format_table

    x = np.random.rand(2, 3).astype(np.float32)
    case = PlanCase("mish_f32", plugin="Mish", version="1",
                    fields=[PluginField.from_value("beta", 1.0)],
                    inputs=[x], references=[x * np.tanh(np.log1p(np.exp(x)))])
    write_plan("build/plan", [case])
    results = run_plan("build/libmish_plugins.so", "build/plan", find_tensorrt_include())
    print(format_table(results))
"""
from __future__ import annotations

from .plan import (DEFAULT_LIBRARY_ID, EXPECTATIONS, NUMPY_OF_TRT, PLAN_FILE, PLAN_FORMAT, TRT_DTYPES, FieldType,
                   PlanCase, PluginField, plan_cases, read_plan, set_plan_libraries, write_plan)
from .results import (RESULT_FILE, CaseResult, HarnessReport, StepResult, format_table, parse_results, read_results,
                      results_to_json)
from .run import (HARNESS_DIR, TENSORRT_DIR, build_harness, check_library_for, library_tensorrt_version,
                  run_plan)

# The name of set_plan_libraries from before plan.py: writes the harness-ready plan for these paths.
write_harness_plan = set_plan_libraries

__all__ = ["DEFAULT_LIBRARY_ID", "EXPECTATIONS", "HARNESS_DIR", "NUMPY_OF_TRT", "PLAN_FILE", "PLAN_FORMAT",
           "RESULT_FILE", "TENSORRT_DIR", "TRT_DTYPES", "CaseResult", "FieldType", "HarnessReport", "PlanCase",
           "PluginField", "StepResult", "build_harness", "check_library_for", "format_table",
           "library_tensorrt_version", "parse_results", "plan_cases", "read_plan", "read_results", "results_to_json",
           "run_plan", "set_plan_libraries", "write_harness_plan", "write_plan"]
