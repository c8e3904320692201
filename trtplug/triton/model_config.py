"""Reads a Triton model configuration (config.pbtxt, protobuf text format) with protobuf's own parser.

The schema is the part of Triton's `inference.ModelConfig` a TensorRT model repository check reads
(names, platform/backend, batch size, tensors, model file names, version policy, parameters),
declared here field by field from Triton's documentation; fields it does not declare (dynamic
batching, optimization, warmup, ...) are accepted and skipped, as any Triton version may add more.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

F = descriptor_pb2.FieldDescriptorProto

# Triton's tensor data types (the names config.pbtxt uses) and the trtplug dtype each is.
DATA_TYPES = ["TYPE_INVALID", "TYPE_BOOL", "TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32", "TYPE_UINT64", "TYPE_INT8",
              "TYPE_INT16", "TYPE_INT32", "TYPE_INT64", "TYPE_FP16", "TYPE_FP32", "TYPE_FP64", "TYPE_STRING",
              "TYPE_BF16"]
TRTPLUG_DTYPE = {"TYPE_FP32": "float32", "TYPE_FP16": "float16", "TYPE_INT32": "int32", "TYPE_INT8": "int8",
                 "TYPE_BOOL": "bool"}
TRITON_TYPE = {v: k for k, v in TRTPLUG_DTYPE.items()}


def _field(message, name, number, kind, label=F.LABEL_OPTIONAL, type_name=None, oneof=None):
    f = message.field.add(name=name, number=number, type=kind, label=label)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    return f



def _schema():
    fdp = descriptor_pb2.FileDescriptorProto(name="trtplug_triton_model_config.proto", package="inference",
                                             syntax="proto3")
    data_type = fdp.enum_type.add(name="DataType")
    for i, n in enumerate(DATA_TYPES):
        data_type.value.add(name=n, number=i)

    reshape = fdp.message_type.add(name="ModelTensorReshape")
    _field(reshape, "shape", 1, F.TYPE_INT64, F.LABEL_REPEATED)

    tensor_in = fdp.message_type.add(name="ModelInput")
    fmt = tensor_in.enum_type.add(name="Format")
    for i, n in enumerate(["FORMAT_NONE", "FORMAT_NHWC", "FORMAT_NCHW"]):
        fmt.value.add(name=n, number=i)
    _field(tensor_in, "name", 1, F.TYPE_STRING)
    _field(tensor_in, "data_type", 2, F.TYPE_ENUM, type_name=".inference.DataType")
    _field(tensor_in, "format", 3, F.TYPE_ENUM, type_name=".inference.ModelInput.Format")
    _field(tensor_in, "dims", 4, F.TYPE_INT64, F.LABEL_REPEATED)
    _field(tensor_in, "reshape", 5, F.TYPE_MESSAGE, type_name=".inference.ModelTensorReshape")
    _field(tensor_in, "is_shape_tensor", 6, F.TYPE_BOOL)
    _field(tensor_in, "allow_ragged_batch", 7, F.TYPE_BOOL)
    _field(tensor_in, "optional", 8, F.TYPE_BOOL)

    tensor_out = fdp.message_type.add(name="ModelOutput")
    _field(tensor_out, "name", 1, F.TYPE_STRING)
    _field(tensor_out, "data_type", 2, F.TYPE_ENUM, type_name=".inference.DataType")
    _field(tensor_out, "dims", 3, F.TYPE_INT64, F.LABEL_REPEATED)
    _field(tensor_out, "label_filename", 4, F.TYPE_STRING)
    _field(tensor_out, "reshape", 5, F.TYPE_MESSAGE, type_name=".inference.ModelTensorReshape")
    _field(tensor_out, "is_shape_tensor", 6, F.TYPE_BOOL)

    policy = fdp.message_type.add(name="ModelVersionPolicy")
    policy.oneof_decl.add(name="policy_choice")
    latest = policy.nested_type.add(name="Latest")
    _field(latest, "num_versions", 1, F.TYPE_UINT32)
    policy.nested_type.add(name="All")
    specific = policy.nested_type.add(name="Specific")
    _field(specific, "versions", 1, F.TYPE_INT64, F.LABEL_REPEATED)
    _field(policy, "latest", 1, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy.Latest", oneof=0)
    _field(policy, "all", 2, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy.All", oneof=0)
    _field(policy, "specific", 3, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy.Specific", oneof=0)

    parameter = fdp.message_type.add(name="ModelParameter")
    _field(parameter, "string_value", 1, F.TYPE_STRING)

    group = fdp.message_type.add(name="ModelInstanceGroup")
    kind = group.enum_type.add(name="Kind")
    for i, n in enumerate(["KIND_AUTO", "KIND_GPU", "KIND_CPU", "KIND_MODEL"]):
        kind.value.add(name=n, number=i)
    _field(group, "name", 1, F.TYPE_STRING)
    _field(group, "count", 2, F.TYPE_INT32)
    _field(group, "gpus", 3, F.TYPE_INT32, F.LABEL_REPEATED)
    _field(group, "kind", 4, F.TYPE_ENUM, type_name=".inference.ModelInstanceGroup.Kind")

    operations = fdp.message_type.add(name="ModelOperations")
    _field(operations, "op_library_filename", 1, F.TYPE_STRING, F.LABEL_REPEATED)

    config = fdp.message_type.add(name="ModelConfig")
    _field(config, "name", 1, F.TYPE_STRING)
    _field(config, "platform", 2, F.TYPE_STRING)
    _field(config, "version_policy", 3, F.TYPE_MESSAGE, type_name=".inference.ModelVersionPolicy")
    _field(config, "max_batch_size", 4, F.TYPE_INT32)
    _field(config, "input", 5, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".inference.ModelInput")
    _field(config, "output", 6, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".inference.ModelOutput")
    _field(config, "instance_group", 7, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".inference.ModelInstanceGroup")
    _field(config, "default_model_filename", 8, F.TYPE_STRING)
    _map_field(config, "cc_model_filenames", 9, F.TYPE_STRING)
    _map_field(config, "parameters", 14, F.TYPE_MESSAGE, ".inference.ModelParameter")
    _field(config, "backend", 17, F.TYPE_STRING)
    _field(config, "model_operations", 18, F.TYPE_MESSAGE, type_name=".inference.ModelOperations")

    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("inference.ModelConfig"))


def _map_field(message, name, number, value_kind, value_type=None):
    entry = message.nested_type.add(name="".join(p.title() for p in name.split("_")) + "Entry")
    entry.options.map_entry = True
    _field(entry, "key", 1, F.TYPE_STRING)
    _field(entry, "value", 2, value_kind, type_name=value_type)
    _field(message, name, number, F.TYPE_MESSAGE, F.LABEL_REPEATED, f".inference.{message.name}.{entry.name}")


ModelConfig = _schema()


@dataclass
class ConfigReadError(Exception):
    path: Path
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}"


def parse_config(text: str, path: Path | str = "config.pbtxt"):
    """A ModelConfig message from config.pbtxt text; syntax errors and wrong value types raise
    ConfigReadError with protobuf's line:column."""
    config = ModelConfig()
    try:
        text_format.Parse(text, config, allow_unknown_field=True)
    except text_format.ParseError as exc:
        raise ConfigReadError(Path(path), str(exc)) from None
    return config


def read_config(path: Path | str):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigReadError(path, "no such file (every model folder needs a config.pbtxt for the TensorRT "
                                    "backend's checks here)") from None
    except UnicodeDecodeError as exc:
        raise ConfigReadError(path, f"not UTF-8 text ({exc})") from None
    return parse_config(text, path)


def data_type_name(value: int) -> str:
    return DATA_TYPES[value] if 0 <= value < len(DATA_TYPES) else f"DataType {value}"


def render_config(config) -> str:
    return text_format.MessageToString(config)
