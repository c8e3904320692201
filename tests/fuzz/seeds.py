"""Writes the seed corpora under tests/fuzz/corpus/ (run once; the files are kept in the repository).

    python -m tests.fuzz.seeds

Each seed is a meaningful input in its target's layout (see the comment at the top of each
fuzz_<target>.cpp): valid blobs of the fixture plugins, valid field collections, real detector and
classifier output shapes, real nvinfer configs. Regression inputs (regression-*) are added by hand
next to them and never rewritten.
"""
from __future__ import annotations

import struct
from pathlib import Path

from trtplug.serialization import AttrType, encode

from .targets import CORPUS_DIR


def _write(target: str, name: str, data: bytes) -> None:
    folder = CORPUS_DIR / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


# tests/native/fixture_plugins.cpp: TestScale v1, TestNeeds v2, TestRules v1.
SCALE = ("TestScale", "1", [("alpha", AttrType.INT, [3]), ("beta", AttrType.FLOAT, [0.5]),
                            ("dims", AttrType.INT_LIST, [1, 2]), ("mode", AttrType.STRING, "fast"),
                            ("flag", AttrType.BOOL, [1]), ("scales", AttrType.FLOAT_LIST, [])])
SCALE_FULL = ("TestScale", "1", [("alpha", AttrType.INT, [100]), ("beta", AttrType.FLOAT, [-10.0]),
                                 ("dims", AttrType.INT_LIST, [0, 7, 9, 2147483647]),
                                 ("mode", AttrType.STRING, "exact-sixteen-by"), ("flag", AttrType.BOOL, [0]),
                                 ("scales", AttrType.FLOAT_LIST, [0.0, 1.5, 4.0, 2.25, 3.0, 0.5, 1.0, 2.0])])
NEEDS = ("TestNeeds", "2", [("gamma", AttrType.FLOAT, [0.25]), ("label", AttrType.STRING, "person")])
RULES = ("TestRules", "1", [("group", AttrType.INT, [1]), ("r", AttrType.INT, [2]),
                            ("mode", AttrType.STRING, "linear"), ("block", AttrType.INT, [256])])


def _blob(plugin) -> bytes:
    name, version, attrs = plugin
    return encode(name, version, attrs)


def serialization_seeds() -> None:
    for index, (label, plugin) in enumerate([("scale", SCALE), ("needs", NEEDS), ("rules", RULES)]):
        _write("serialization", f"{label}-valid", bytes([index]) + _blob(plugin))
        _write("serialization", f"{label}-valid-crc-fixed", bytes([index | 4]) + _blob(plugin))
    _write("serialization", "scale-every-limit", bytes([4]) + _blob(SCALE_FULL))
    _write("serialization", "needs-blob-for-scale", bytes([0]) + _blob(NEEDS))


def _words(*entries) -> bytes:
    """Program words in fuzz_expr.cpp's encoding: each as 0xFF + 8 raw bytes (kWords is not needed)."""
    return b"".join(b"\xff" + struct.pack("<q", w) for w in entries)


def expr_seeds() -> None:
    CONST, DIM, NUMEL, RANK, ATTR, ITEM = 1, 2, 3, 4, 5, 6
    ADD, MUL, FLOORDIV, CEILDIV, MIN, MAX, MOD, EQ, OR = 10, 12, 13, 14, 15, 16, 17, 20, 27
    # two inputs [dims table 3 = 3, 16 = dim 16] of rank 2 and rank 1, alpha = kWords[23] (1), dims = [2, 3]
    head = bytes([2, 2, 3, 6, 1, 6]) + bytes([23, 2, 24, 25])
    programs = {
        "output-like-x": (DIM, 0, 0),
        "pair-width": (DIM, 0, 1, DIM, 1, 0, ATTR, 0, MUL, ADD),
        "cdiv-numel-block": (NUMEL, 0, ATTR, 0, CEILDIV),
        "clamp": (NUMEL, 0, ATTR, 0, CEILDIV, CONST, 1024, MIN, CONST, 1, MAX),
        "rules-constraint": (DIM, 0, 1, ATTR, 0, ATTR, 0, MUL, MOD, CONST, 0, EQ, DIM, 1, 0, CONST, 1, EQ, OR),
        "list-item": (ITEM, 2, 1, DIM, 0, -1, FLOORDIV),
        "rank": (RANK, 1, CONST, 3, ADD),
    }
    for name, words in programs.items():
        _write("expr", name, head + _words(*words))
    _write("expr", "overflow", head + _words(CONST, 2**62, CONST, 4, MUL))


def _field(name_index: int, type_code: int, payload: bytes, length: int) -> bytes:
    return bytes([name_index, type_code, length]) + payload


def create_plugin_seeds() -> None:
    F32, I32, CHAR, UNKNOWN = 1, 5, 6, 8
    # TpScale fields: alpha (float), count (int), tag (string); TpPair: count, block, weights (2 floats).
    scale = [_field(0, F32, struct.pack("<f", 2.5), 1), _field(1, I32, struct.pack("<i", 4), 1),
             _field(2, CHAR, b"cam0", 4)]
    pair = [_field(0, I32, struct.pack("<i", 3), 1), _field(1, I32, struct.pack("<i", 128), 1),
            _field(2, F32, struct.pack("<2f", 0.5, 0.25), 2)]
    for creator, flag in (("v2", 0), ("v3", 2)):
        _write("create_plugin", f"scale-{creator}-all-fields", bytes([flag, len(scale)]) + b"".join(scale))
        _write("create_plugin", f"pair-{creator}-all-fields", bytes([flag | 1, len(pair)]) + b"".join(pair))
        _write("create_plugin", f"scale-{creator}-defaults", bytes([flag, 0]))
    blob = encode("TpScale", "1", [("alpha", AttrType.FLOAT, [1.0]), ("count", AttrType.INT, [2]),
                                   ("tag", AttrType.STRING, "tp")])
    serialized_name = 3 + 3  # declared fields, then "", "no_such_field", null, "trtplug_serialized"
    assert len(blob) < 0xFE
    _write("create_plugin", "scale-v3-runtime-blob",
           bytes([2 | 4, 1]) + _field(serialized_name, UNKNOWN, blob, len(blob)))


def _layer(name: int, dtype: int, dims, fill: int = 2, pattern: bytes = bytes(range(0, 256, 7))) -> bytes:
    DIMS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 16, 32, 36, 38, 80, 84, 85, 100, 116, 160, 300, 1000, 8400, 25200]
    return (bytes([name, 0, dtype, len(dims), *(DIMS.index(d) for d in dims), 0, fill])
            + struct.pack("<H", len(pattern)) + pattern)


def ds_parsers_seeds() -> None:
    FLOAT, HALF, INT32 = 0, 1, 3
    # params: box, normalized|act, min box, threshold, classes, layer flags, candidates|acts, iou|coeffs
    def head(kind, params, classes_configured):
        return bytes([kind, *params, 5, 5, classes_configured, 0, 3])  # 640x640, threshold 0.5
    dense = head(0, [0, 2, 0, 3, 0, 0b001, 1, 1], 80) + bytes([1]) + _layer(6, FLOAT, [100, 85])
    _write("ds_parsers", "yolov5-100x85", dense)
    _write("ds_parsers", "yolov8-transposed-84x100", head(0, [0, 0, 0, 3, 0, 0b010, 0, 1], 80)
           + bytes([1]) + _layer(6, FLOAT, [84, 100]))
    _write("ds_parsers", "yolo-half-batch1", head(0, [1, 0, 0, 3, 3, 0b101, 2, 2], 3)
           + bytes([1]) + _layer(0, HALF, [1, 100, 8]))
    nms = head(1, [1, 1, 0, 2, 0, 0b1, 0, 0], 80) + bytes([4]) + b"".join([
        _layer(0, INT32, [1]), _layer(1, FLOAT, [100, 4]), _layer(2, FLOAT, [100]), _layer(3, INT32, [100])])
    _write("ds_parsers", "efficient-nms-100", nms)
    ssd = head(2, [3, 1, 0, 2, 0, 0b1000, 0b0100, 0b0100], 80) + bytes([2]) + b"".join([
        _layer(1, FLOAT, [100, 4]), _layer(2, FLOAT, [100, 80])])
    _write("ds_parsers", "detr-100x80-softmax", ssd)
    masks = head(3, [1, 0, 0, 2, 0, 0b1, 0, 0], 4) + bytes([5]) + b"".join([
        _layer(0, INT32, [1]), _layer(1, FLOAT, [10, 4]), _layer(2, FLOAT, [10]), _layer(3, INT32, [10]),
        _layer(4, FLOAT, [10, 16, 16])])
    _write("ds_parsers", "maskrcnn-10x16x16", masks)
    seg = head(4, [0, 0, 0, 3, 2, 0b1, 0, 0b1000], 2) + bytes([2]) + b"".join([
        _layer(0, FLOAT, [100, 38]), _layer(1, FLOAT, [32, 16, 16])])
    _write("ds_parsers", "yolo-seg-100x38-protos-32x16x16", seg)
    classifier = head(5, [0, 0, 0, 3, 2, 0, 0b010111, 0b000110], 0) + bytes([3]) + b"".join([
        _layer(0, FLOAT, [4, 1, 1]), _layer(1, FLOAT, [4]), _layer(2, FLOAT, [1, 6])])
    _write("ds_parsers", "classifier-3-heads", classifier)


CHECKER_SEEDS = {
    "detector.txt": """[property]
gpu-id=0
net-scale-factor=0.0039215697906911373
model-color-format=0
onnx-file=model.onnx
model-engine-file=model.onnx_b1_gpu0_fp16.engine
labelfile-path=labels.txt
batch-size=1
network-mode=2
num-detected-classes=80
interval=0
gie-unique-id=1
process-mode=1
network-type=0
cluster-mode=2
maintain-aspect-ratio=1
parse-bbox-func-name=NvDsInferParseYolo
custom-lib-path=libplugins.so

[class-attrs-all]
nms-iou-threshold=0.45
pre-cluster-threshold=0.25
topk=300
""",
    "classifier.txt": """[property]
gpu-id=0
net-scale-factor=1
onnx-file=resnet.onnx
batch-size=16
network-mode=1
network-type=1
process-mode=2
classifier-threshold=0.51
operate-on-gie-id=1
operate-on-class-ids=0;2
parse-classifier-func-name=ParseHeads
custom-lib-path=/nonexistent/libparsers.so
""",
    "segmentation.txt": """[property]
network-type=2
segmentation-threshold=0.5
num-detected-classes=4
output-blob-names=mask;score
onnx-file=unet.onnx
""",
    "syntax-errors.txt": "[property\nkey without equals\n=value\n[class-attrs-3]\npre-cluster-threshold=abc\n",
}


def checker_seeds() -> None:
    for name, text in CHECKER_SEEDS.items():
        _write("checker", name, text.encode())


def main() -> None:
    serialization_seeds()
    expr_seeds()
    create_plugin_seeds()
    ds_parsers_seeds()
    checker_seeds()


if __name__ == "__main__":
    main()
