"""`trtplug test --engine`: each plugin in a one-layer TensorRT engine, built and run through TensorRT's
Python API where the `tensorrt` package is importable, and compared with the plugin's reference."""
from __future__ import annotations

from dataclasses import dataclass

from ..tensorrt_interface import library_interface
from ..tensorrt_python import EngineUnavailable, check_registered, plugin_fields, tensorrt_module
from .cases import compare, make_cases
from .device import Device, DeviceUnavailable

TRT_DTYPES = {"float32": "float32", "float16": "float16", "int32": "int32", "int8": "int8", "bool": "bool"}


@dataclass
class EngineResult:
    label: str
    ok: bool
    message: str


def run_one_layer_engines(library, specs) -> list[EngineResult]:
    """For each plugin and dtype combination: a network holding just the plugin, built into an
    engine, run on its first test case and compared with the reference."""
    trt = tensorrt_module()
    try:
        device = Device()
    except DeviceUnavailable as exc:
        raise EngineUnavailable(f"no GPU to run engines on ({exc})") from exc
    check_registered(library)
    logger = trt.Logger(trt.Logger.WARNING)
    registry = trt.get_plugin_registry()
    namespace = library.info.get("plugin_namespace", "")
    find = getattr(registry, "get_creator", None) or registry.get_plugin_creator
    results = []
    for spec in specs:
        creator = find(spec.name, spec.version, namespace)
        seen_combos = set()
        for case in make_cases(spec):
            if case.combo in seen_combos:
                continue
            seen_combos.add(case.combo)
            try:
                message = _run_engine(trt, logger, device, creator, spec, case, library.info)
                results.append(EngineResult(case.label, message == "ok", message))
            except Exception as exc:  # TensorRT raises plain exceptions; report them per case
                results.append(EngineResult(case.label, False, f"{type(exc).__name__}: {exc}"))
    return results


def _run_engine(trt, logger, device, creator, spec, case, library_info) -> str:
    builder = trt.Builder(logger)
    flags = 0
    if hasattr(trt.NetworkDefinitionCreationFlag, "EXPLICIT_BATCH"):
        flags = 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    network = builder.create_network(flags)
    tensors = [network.add_input(t.name, getattr(trt, TRT_DTYPES[d]), x.shape)
               for t, d, x in zip(spec.inputs, case.combo, case.inputs)]
    fields = plugin_fields(trt, spec, case.attributes)
    if library_interface(library_info) == "v3":
        plugin = creator.create_plugin(spec.name, fields, trt.TensorRTPhase.BUILD)
        layer = network.add_plugin_v3(tensors, [], plugin)
    else:
        plugin = creator.create_plugin(spec.name, fields)
        layer = network.add_plugin_v2(tensors, plugin)
    for j, out in enumerate(spec.outputs):
        layer.get_output(j).name = out.name
        network.mark_output(layer.get_output(j))
    config = builder.create_builder_config()
    blob = builder.build_serialized_network(network, config)
    if blob is None:
        return "TensorRT could not build the engine (see its log)"
    engine = trt.Runtime(logger).deserialize_cuda_engine(blob)
    context = engine.create_execution_context()
    stream = device.stream()
    pointers = []
    try:
        for t, x in zip(spec.inputs, case.inputs):
            ptr = device.upload(x)
            pointers.append(ptr)
            context.set_tensor_address(t.name, ptr)
        outputs = []
        for out, ref in zip(spec.outputs, case.references):
            ptr = device.alloc(ref.nbytes)
            pointers.append(ptr)
            outputs.append((ptr, ref))
            context.set_tensor_address(out.name, ptr)
        if not context.execute_async_v3(stream):
            return "execute_async_v3 failed"
        device.synchronize(stream)
        for j, (ptr, ref) in enumerate(outputs):
            ok, err, msg = compare(device.download(ptr, ref.shape, ref.dtype), ref, case.tolerance[j])
            if not ok:
                return f"output {j}: {msg}"
    finally:
        for ptr in pointers:
            device.free(ptr)
        device.destroy_stream(stream)
    return "ok"
