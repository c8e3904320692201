"""Built-in nvinfer parsers, driven through the nvinfer emulation (dlopen + dlsym + call, with
nvinfer's release of masks and labels). A focused set runs under AddressSanitizer/UBSan."""
import numpy as np
import pytest

import trtplug.deepstream as tds
from trtplug.native.toolchain import choose_toolchain
from trtplug.errors import BuildError, LoadError, NativeError
from trtplug.deepstream.emulate import EmulationError

NET = (640, 480, 3)


def yolo_name(layout, box, obj):
    return f"Yolo_{layout}_{box}_{'obj' if obj else 'noobj'}"


YOLO_COMBOS = [(layout, box, obj) for layout in ("NxC", "CxN") for box in ("cxcywh", "xyxy") for obj in (True, False)]

# Longer than a short string's 15 characters: the description nvinfer gets is grown on the heap.
LONG_LABELS = ["a label longer than fifteen characters", "second", "and a third long label, to grow again"]

TOOLCHAINS = ("system", "bundled")

PARSERS = [
    *[tds.YoloDetector(yolo_name(l, b, o), layout=l, box=b, objectness=o, num_classes=3) for l, b, o in YOLO_COMBOS],
    tds.YoloDetector("YoloNormSigmoid", box="xyxy", normalized=True, score_activation="sigmoid", layer="head"),
    tds.YoloDetector("YoloTop2", box="xyxy", max_candidates=2),
    tds.YoloDetector("YoloNms", box="xyxy", nms_iou=0.5),
    tds.NmsDetector("EffNms"),
    tds.NmsDetector("BatchedNms", count=None, boxes="nmsed_boxes", scores="nmsed_scores", classes="nmsed_classes",
                    normalized=True),
    tds.BoxesScoresDetector("Detr", box="cxcywh", normalized=True, score_activation="softmax",
                            background_class="last", boxes="pred_boxes", scores="pred_logits"),
    tds.BoxesScoresDetector("SsdMulti", background_class=0, multi_label=True),
    tds.BoxesScoresDetector("SsdDeclared", num_classes=3),
    tds.Classifier("Cls", heads=[tds.ClassifierHead(layer="color", labels=["red", "green", "blue"]),
                                 tds.ClassifierHead(layer="make", labels=["audi", "bmw"], threshold=0.9)]),
    tds.Classifier("ClsMulti", heads=[tds.ClassifierHead(activation="sigmoid", multi_label=True,
                                                          labels=["hat", "bag", "coat"])]),
    tds.Classifier("ClsNoLabels", heads=[tds.ClassifierHead()]),
    tds.Classifier("ClsLongLabels", heads=[tds.ClassifierHead(activation="sigmoid", multi_label=True,
                                                               labels=LONG_LABELS)]),
    tds.InstanceMask("Mrcnn", count="num", mask_activation="sigmoid"),
    tds.YoloSeg("YoloSeg", layer="output0", protos="proto", layout="CxN", num_classes=2),
]


@pytest.fixture(scope="module", params=TOOLCHAINS)
def lib(request):
    """Every parser test runs on a library built with libstdc++ (as a user's own nvinfer code is) and one
    built with the bundled libc++, which reaches nvinfer's vectors and string through layout views."""
    return tds.build_parser_library(PARSERS, name=f"test_parsers_{request.param}",
                                    toolchain=choose_toolchain(request.param))


@pytest.fixture(scope="module")
def asan_lib():
    return tds.build_parser_library(PARSERS, name="test_parsers_asan", sanitize=True)


def test_bundled_library_fills_nvinfer_containers_with_nvinfers_allocator(asan_lib):
    """The ASan emulator frees what a parser added with operator delete, as nvinfer does: memory from
    any other allocator (libc++'s own, or malloc) would be reported as an alloc-dealloc mismatch."""
    lib = tds.build_parser_library(PARSERS, name="test_parsers_bundled", toolchain=choose_toolchain("bundled"))
    logits = np.array([3.0, 2.0, 1.0], np.float32)
    res = tds.emulate_parser(lib, "ClsLongLabels", "classifier", {"attrs": logits}, classifier_threshold=0.5,
                             sanitize=True, calls=3)
    assert res.ok, res.stderr
    assert res.description == " ".join(LONG_LABELS)
    assert [a["label"] for a in res.attributes] == LONG_LABELS
    boxes = np.array([[10 + i, 10, 50 + i, 50] for i in range(40)], np.float32)  # grows the vector 7 times
    scores = np.tile(np.array([[0.1, 0.9, 0.2, 0.1]], np.float32), (40, 1))
    res = tds.emulate_parser(lib, "SsdMulti", "bbox", {"boxes": boxes, "scores": scores}, network=NET,
                             num_classes=4, pre_cluster_thresholds=0.5, sanitize=True)
    assert res.ok, res.stderr
    assert len(res.objects) == 40 and {o["classId"] for o in res.objects} == {1}


def yolo_rows(obj, box):
    """Candidates as rows: [b0..b3, (obj), s0, s1, s2]."""
    rows = [
        ((100, 120, 40, 60), 0.9, (0.1, 0.1, 0.95)),   # class 2, score .855 / .95
        ((300, 200, 20, 20), 0.9, (0.1, 0.15, 0.1)),   # below threshold
        ((630, 470, 40, 40), 1.0, (0.8, 0.1, 0.1)),    # class 0, clipped to the input
        ((50, 50, 10, 10), np.nan, (0.9, 0.1, 0.1)),   # NaN objectness / score: skipped
    ]
    out = []
    for (cx, cy, w, h), o, scores in rows:
        b = (cx, cy, w, h) if box == "cxcywh" else (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        s = list(scores)
        if not obj:
            s = [x * o for x in s]  # fold objectness in (NaN propagates)
        out.append([*b, *([o] if obj else []), *s])
    return np.array(out, np.float32)


@pytest.mark.parametrize("layout,box,obj", YOLO_COMBOS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_yolo_layouts(lib, layout, box, obj, dtype):
    rows = yolo_rows(obj, box).astype(dtype)
    layer = rows if layout == "NxC" else rows.T.copy()
    res = tds.emulate_parser(lib, yolo_name(layout, box, obj), "bbox", {"output": layer}, network=NET,
                             num_classes=3, pre_cluster_thresholds=0.3)
    assert res.ok, res.stderr
    objs = res.objects
    assert [o["classId"] for o in objs] == [2, 0]  # best first
    first, clipped = objs
    tol = 0.5 if dtype == np.float16 else 1e-3
    assert first["left"] == pytest.approx(80, abs=tol) and first["top"] == pytest.approx(90, abs=tol)
    assert first["width"] == pytest.approx(40, abs=tol) and first["height"] == pytest.approx(60, abs=tol)
    assert first["confidence"] == pytest.approx(0.855, abs=2e-3)
    # [610, 450, 650, 490] clipped to [0, 639] x [0, 479] on the 640x480 input, as NVIDIA's parsers clip
    assert clipped["left"] == pytest.approx(610, abs=tol) and clipped["width"] == pytest.approx(29, abs=tol)
    assert clipped["top"] == pytest.approx(450, abs=tol) and clipped["height"] == pytest.approx(29, abs=tol)
    assert first["rotation_angle"] == 0  # DeepStream 9.x layout
    assert "NaN or infinite" in res.stderr


def test_yolo_per_class_thresholds_and_batch_dim(lib):
    rows = yolo_rows(True, "cxcywh")[None]  # [1, N, A]: an explicit batch of one is accepted
    res = tds.emulate_parser(lib, yolo_name("NxC", "cxcywh", True), "bbox", {"output": rows}, network=NET,
                             num_classes=3, pre_cluster_thresholds=[0.3, 0.3, 0.9])
    assert [o["classId"] for o in res.objects] == [0]


def test_yolo_normalized_sigmoid_named_layer(lib):
    logit = lambda p: float(np.log(p / (1 - p)))
    head = np.array([[0.1, 0.1, 0.2, 0.3, logit(0.2), logit(0.7)],
                     [0.5, 0.5, 0.6, 0.6, logit(0.1), logit(0.2)]], np.float32)
    other = np.zeros((5,), np.float32)
    res = tds.emulate_parser(lib, "YoloNormSigmoid", "bbox", {"other": other, "head": head}, network=NET,
                             num_classes=2, pre_cluster_thresholds=0.5)
    assert res.ok
    (o,) = res.objects
    assert o["classId"] == 1 and o["confidence"] == pytest.approx(0.7, abs=1e-4)
    assert (o["left"], o["top"]) == (pytest.approx(64), pytest.approx(48))
    assert (o["width"], o["height"]) == (pytest.approx(64), pytest.approx(96))


def test_regression_objectness_times_score_overflow_is_skipped(lib):
    # Found by fuzzing (tests/fuzz/corpus/ds_parsers/regression-objectness-times-score-overflows):
    # objectness and class score each finite, their product infinite, passed every threshold and
    # reached nvinfer as an object of confidence inf.
    rows = np.array([[100, 120, 40, 60, 1e20, 1e20, 0.1, 0.1],
                     [300, 200, 20, 20, 0.9, 0.9, 0.1, 0.1]], np.float32)
    res = tds.emulate_parser(lib, yolo_name("NxC", "cxcywh", True), "bbox", {"output": rows}, network=NET,
                             num_classes=3, pre_cluster_thresholds=0.3)
    assert res.ok, res.stderr
    assert [(o["classId"], round(o["confidence"], 2)) for o in res.objects] == [(0, 0.81)]
    assert "candidate 0: objectness 1e+20 times class score 1e+20 overflows" in res.stderr


def test_yolo_max_candidates_and_parser_nms(lib):
    rows = np.array([[10, 10, 110, 110, 0.9], [12, 12, 112, 112, 0.8], [300, 300, 400, 400, 0.7]], np.float32)
    top2 = tds.emulate_parser(lib, "YoloTop2", "bbox", {"output": rows}, network=NET, num_classes=1)
    assert [o["confidence"] for o in top2.objects] == pytest.approx([0.9, 0.8])
    nms = tds.emulate_parser(lib, "YoloNms", "bbox", {"output": rows}, network=NET, num_classes=1)
    assert [o["confidence"] for o in nms.objects] == pytest.approx([0.9, 0.7])


def test_yolo_class_count_beyond_config_is_an_error(lib):
    rows = yolo_rows(True, "cxcywh")
    res = tds.emulate_parser(lib, yolo_name("NxC", "cxcywh", True), "bbox", {"output": rows}, network=NET,
                             num_classes=2)
    assert not res.ok and res.objects == []
    assert "num-detected-classes=3" in res.stderr


def efficient_nms_outputs(count=2, classes_dtype=np.int32):
    boxes = np.zeros((10, 4), np.float32)
    boxes[0] = [10, 20, 110, 220]
    boxes[1] = [-20, 300, 50, 600]
    boxes[2] = [5, 5, 6, 6]
    scores = np.zeros((10,), np.float32)
    scores[:3] = [0.9, 0.6, 0.95]
    classes = np.zeros((10,), classes_dtype)
    classes[:3] = [1, 0, 1]
    return {"num_detections": np.array([count], np.int32), "detection_boxes": boxes,
            "detection_scores": scores, "detection_classes": classes}


def test_nms_outputs(lib):
    res = tds.emulate_parser(lib, "EffNms", "bbox", efficient_nms_outputs(), network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5)
    assert res.ok
    a, b = res.objects  # row 2 is beyond num_detections
    assert (a["classId"], a["left"], a["top"], a["width"], a["height"]) == (1, 10, 20, 100, 200)
    assert (b["classId"], b["left"], b["top"], b["width"], b["height"]) == (0, 0, 300, 50, 179)  # bottom at 479


def test_batched_nms_float_classes_normalized(lib):
    outs = efficient_nms_outputs(classes_dtype=np.float32)
    outs = {"nmsed_boxes": outs["detection_boxes"] / np.array([640, 480, 640, 480], np.float32),
            "nmsed_scores": outs["detection_scores"], "nmsed_classes": outs["detection_classes"]}
    res = tds.emulate_parser(lib, "BatchedNms", "bbox", outs, network=NET, num_classes=2,
                             pre_cluster_thresholds=[0.5, 0.92])
    assert [(o["classId"], round(o["confidence"], 2)) for o in res.objects] == [(0, 0.6), (1, 0.95)]
    assert res.objects[1]["left"] == pytest.approx(5, abs=1e-3)


def test_detr_boxes_scores(lib):
    boxes = np.array([[0.5, 0.5, 0.25, 0.5], [0.1, 0.1, 0.1, 0.1]], np.float32)
    logits = np.array([[0.0, 4.0, 0.0], [0.0, 0.0, 5.0]], np.float32)  # last column: no object
    res = tds.emulate_parser(lib, "Detr", "bbox", {"pred_logits": logits, "pred_boxes": boxes}, network=NET,
                             num_classes=2, pre_cluster_thresholds=0.5)
    (o,) = res.objects
    assert o["classId"] == 1 and o["confidence"] == pytest.approx(np.exp(4) / (np.exp(4) + 2), abs=1e-5)
    assert (o["left"], o["top"], o["width"], o["height"]) == (pytest.approx(240), pytest.approx(120),
                                                              pytest.approx(160), pytest.approx(240))


def test_ssd_multi_label_skips_background(lib):
    boxes = np.array([[10, 10, 50, 50]], np.float32)
    scores = np.array([[0.99, 0.6, 0.7, 0.1]], np.float32)
    res = tds.emulate_parser(lib, "SsdMulti", "bbox", {"boxes": boxes, "scores": scores}, network=NET,
                             num_classes=4, pre_cluster_thresholds=0.5)
    assert [o["classId"] for o in res.objects] == [2, 1]


def test_classifier_heads_labels_description(lib):
    color = np.array([0.1, 3.0, 0.2], np.float16)
    make = np.array([1.0, 1.2], np.float32)  # softmax 0.55 < the head's own 0.9 threshold
    res = tds.emulate_parser(lib, "Cls", "classifier", {"make": make, "color": color}, classifier_threshold=0.5)
    assert res.ok
    (a,) = res.attributes
    assert (a["index"], a["value"], a["label"]) == (0, 1, "green")
    assert res.description == "green"


def test_classifier_multi_label_and_no_labels(lib):
    logits = np.array([2.0, -3.0, 1.0], np.float32)
    res = tds.emulate_parser(lib, "ClsMulti", "classifier", {"attrs": logits}, classifier_threshold=0.6)
    assert [(a["value"], a["label"]) for a in res.attributes] == [(0, "hat"), (2, "coat")]
    assert res.description == "hat coat"
    res = tds.emulate_parser(lib, "ClsNoLabels", "classifier", {"out": np.array([[0.0], [5.0]], np.float32).ravel()},
                             classifier_threshold=0.5)
    assert res.attributes[0]["label"] is None and res.attributes[0]["value"] == 1 and res.description == ""


def warning_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("trtplug deepstream warning")]


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("trtplug deepstream error")]


def test_open_class_count_must_match_nvinfer(lib):
    rows = np.array([[10, 10, 110, 110, 0.9], [300, 300, 400, 400, 0.7]], np.float32)  # [2, 5]: one class
    res = tds.emulate_parser(lib, "YoloTop2", "bbox", {"output": rows}, network=NET, num_classes=3)
    assert not res.ok and res.objects == []
    (line,) = error_lines(res.stderr)
    assert "parser YoloTop2: layer 'output' holds 1 class but num-detected-classes=3" in line
    assert tds.emulate_parser(lib, "YoloTop2", "bbox", {"output": rows}, network=NET, num_classes=1).ok
    logits = np.array([[0.0, 4.0, 0.0]], np.float32)  # two classes and DETR's "no object"
    res = tds.emulate_parser(lib, "Detr", "bbox", {"pred_logits": logits, "pred_boxes": np.full((1, 4), 0.5, np.float32)},
                             network=NET, num_classes=3)
    assert not res.ok and "layer 'pred_logits' holds 2 classes but num-detected-classes=3" in res.stderr
    # a declared count may stay below nvinfer's
    res = tds.emulate_parser(lib, yolo_name("NxC", "cxcywh", True), "bbox", {"output": yolo_rows(True, "cxcywh")},
                             network=NET, num_classes=4, pre_cluster_thresholds=0.3)
    assert res.ok and [o["classId"] for o in res.objects] == [2, 0]


@pytest.mark.parametrize("shape", [(3,), (3, 1, 1), (1, 3), (1, 1, 3), (1, 3, 1)])
def test_classifier_reads_one_score_per_class_in_any_vector_layout(lib, shape):
    scores = np.array([0.0, 5.0, 1.0], np.float32)
    res = tds.emulate_parser(lib, "ClsNoLabels", "classifier", {"out": scores.reshape(shape)}, classifier_threshold=0.5)
    assert res.ok, res.stderr
    (a,) = res.attributes
    assert a["value"] == 1 and a["confidence"] == pytest.approx(np.exp(5) / (1 + np.exp(5) + np.exp(1)), rel=1e-5)
    color = np.array([0.1, 3.0, 0.2], np.float32).reshape(3, 1, 1)  # NVIDIA's sample classifiers: [C, 1, 1]
    res = tds.emulate_parser(lib, "Cls", "classifier", {"color": color, "make": np.zeros((1, 2), np.float32)},
                             classifier_threshold=0.5)
    assert [(a["index"], a["label"]) for a in res.attributes] == [(0, "green")]


def test_single_class_classifier_layer_of_ones(lib):
    res = tds.emulate_parser(lib, "ClsNoLabels", "classifier", {"out": np.full((1, 1, 1), 7.0, np.float32)},
                             classifier_threshold=0.5)
    assert res.ok and [a["value"] for a in res.attributes] == [0]


def test_nms_bad_rows_are_skipped_with_one_rate_limited_line(lib):
    outs = efficient_nms_outputs(count=3)
    outs["detection_classes"][:4] = [1, 7, 1, -1]
    outs["num_detections"][0] = 4  # row 3 scores 0: below every threshold, so its class is not looked at
    res = tds.emulate_parser(lib, "EffNms", "bbox", outs, network=NET, num_classes=2, pre_cluster_thresholds=0.5,
                             calls=25)
    assert res.ok
    assert [(o["classId"], round(o["confidence"], 2)) for o in res.objects] == [(1, 0.9), (1, 0.95)]
    (line,) = warning_lines(res.stderr)  # 25 frames, one line
    assert ("parser EffNms: skipped 1 detections whose class id is not one of nvinfer's classes; e.g. layer "
            "'detection_classes' row 1: class id 7 with num-detected-classes=2") in line
    assert "at most every 10 s" in line


def test_skip_reports_repeat_after_the_interval(lib, monkeypatch):
    monkeypatch.setenv("TRTPLUG_DS_SKIP_REPORT_SECONDS", "0")
    outs = efficient_nms_outputs(count=3)
    outs["detection_classes"][1] = 9
    res = tds.emulate_parser(lib, "EffNms", "bbox", outs, network=NET, num_classes=2, pre_cluster_thresholds=0.5,
                             calls=3)
    lines = warning_lines(res.stderr)
    assert len(lines) == 3 and all("in 1 frames since the last report" in l for l in lines[1:])


def test_instance_mask_bad_rows_are_skipped(lib):
    outs = mrcnn_outputs(False)
    outs["num"][0] = 3
    outs["classes"][:] = [5, 0, 0]  # row 0: no such class; row 1: below threshold
    res = tds.emulate_parser(lib, "Mrcnn", "instance_mask", outs, network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5)
    assert res.ok and [(o["classId"], o["left"]) for o in res.objects] == [(0, 20)]
    assert "skipped 1 detections whose class id is not one of nvinfer's classes" in res.stderr
    outs = {**mrcnn_outputs(True), "masks": np.zeros((3, 1, 4, 5), np.float32)}  # one mask per object, class 1
    res = tds.emulate_parser(lib, "Mrcnn", "instance_mask", outs, network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5)
    assert res.ok and res.objects == []
    assert "skipped 1 detections whose class has no mask; e.g. row 0: class 1" in res.stderr


EDGE_BOXES = np.array([[600, 400, 700, 500],   # crosses the right and bottom edges: clipped to 639, 479
                       [700, 10, 800, 50],     # wholly right of the input: zero width, kept as NVIDIA keeps it
                       [50, 60, 40, 70]],      # right < left: dropped
                      np.float32)
EDGE_EXPECTED = [(600, 400, 39, 79), (639, 10, 0, 40)]


def edge_case_call(lib, parser):
    n = len(EDGE_BOXES)
    if parser == "EffNms":
        outs = {"num_detections": np.array([n], np.int32), "detection_boxes": EDGE_BOXES,
                "detection_scores": np.full(n, 0.9, np.float32), "detection_classes": np.zeros(n, np.int32)}
        return tds.emulate_parser(lib, parser, "bbox", outs, network=NET, num_classes=1)
    if parser == "YoloTop2":
        rows = np.concatenate([EDGE_BOXES, np.full((n, 1), 0.9, np.float32)], axis=1)
        return tds.emulate_parser(lib, parser, "bbox", {"output": rows}, network=NET, num_classes=1)
    if parser == "SsdMulti":
        scores = np.tile(np.array([[0.0, 0.9, 0.0, 0.0]], np.float32), (n, 1))
        return tds.emulate_parser(lib, parser, "bbox", {"boxes": EDGE_BOXES, "scores": scores}, network=NET,
                                  num_classes=4)
    outs = {"num": np.array([n], np.int32), "boxes": EDGE_BOXES, "scores": np.full(n, 0.9, np.float32),
            "classes": np.zeros(n, np.float32), "masks": np.zeros((n, 2, 2), np.float32)}
    return tds.emulate_parser(lib, parser, "instance_mask", outs, network=NET, num_classes=1)


@pytest.mark.parametrize("parser", ["EffNms", "YoloTop2", "SsdMulti", "Mrcnn"])
def test_box_edges_follow_nvidia_convention(lib, parser):
    res = edge_case_call(lib, parser)
    assert res.ok, res.stderr
    got = sorted((o["left"], o["top"], o["width"], o["height"]) for o in res.objects)
    assert got == sorted(EDGE_EXPECTED)


def mrcnn_outputs(per_class):
    k, c, h, w = 3, 2, 4, 5
    boxes = np.array([[10, 10, 60, 110], [0, 0, 5, 5], [20, 20, 30, 30]], np.float32)
    masks = np.random.default_rng(0).normal(size=(k, c, h, w) if per_class else (k, h, w)).astype(np.float32)
    return {"num": np.array([2], np.int32), "boxes": boxes, "scores": np.array([0.9, 0.1, 0.9], np.float32),
            "classes": np.array([1, 0, 0], np.float32), "masks": masks}


@pytest.mark.parametrize("per_class", [False, True])
def test_instance_masks(lib, per_class):
    outs = mrcnn_outputs(per_class)
    res = tds.emulate_parser(lib, "Mrcnn", "instance_mask", outs, network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5)
    assert res.ok and not res.problems
    (o,) = res.objects
    assert (o["classId"], o["width"], o["height"]) == (1, 50, 100)
    assert (o["mask_width"], o["mask_height"], o["mask_size"]) == (5, 4, 5 * 4 * 4)
    src = outs["masks"][0, 1] if per_class else outs["masks"][0]
    np.testing.assert_allclose(o["mask"], 1 / (1 + np.exp(-src)), rtol=1e-5)


def yolo_seg_outputs():
    m, ph, pw = 2, 12, 16  # prototypes at 1/40 of the 640x480 input
    protos = np.zeros((m, ph, pw), np.float32)
    protos[0] = 1.0
    protos[1, :6, :] = 2.0
    rows = np.array([
        [200, 120, 160, 80, 0.9, 0.05, 1.0, 1.0],   # class 0
        [205, 121, 160, 80, 0.8, 0.05, 1.0, 1.0],   # overlaps the first: removed by the parser's NMS
        [500, 360, 80, 80, 0.1, 0.7, -1.0, 0.0],    # class 1
    ], np.float32)
    return {"output0": rows.T.copy(), "proto": protos}


def test_yolo_seg_masks(lib):
    res = tds.emulate_parser(lib, "YoloSeg", "instance_mask", yolo_seg_outputs(), network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5)
    assert res.ok and not res.problems
    a, b = res.objects
    assert (a["classId"], a["left"], a["top"], a["width"], a["height"]) == (0, 120, 80, 160, 80)
    # box [120,80]-[280,160] covers prototype cells x 3..7, y 2..4
    assert (a["mask_width"], a["mask_height"]) == (4, 2)
    sig = lambda x: 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(a["mask"], np.full((2, 4), sig(3.0)), rtol=1e-5)  # rows 2..3 < 6: 1 + 2
    assert b["classId"] == 1 and (b["mask_width"], b["mask_height"]) == (3, 2)  # x 11.5..13.5 -> 11..14
    np.testing.assert_allclose(b["mask"], np.full((2, 3), sig(-1.0)), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Bad input, under AddressSanitizer + UBSan: a message and false, never a crash or a leak.

BAD_CASES = [
    ("missing layer", "YoloNormSigmoid", "bbox", {"wrong": np.zeros((4, 6), np.float32)},
     "no output layer named 'head'", True),
    ("wrong rank", "YoloNormSigmoid", "bbox", {"head": np.zeros((2, 3, 6), np.float32)}, "expected rank 2", False),
    ("wrong width", yolo_name("NxC", "cxcywh", True), "bbox", {"output": np.zeros((4, 7), np.float32)},
     "values per candidate", False),
    ("absurd count", "EffNms", "bbox", {**efficient_nms_outputs(), "num_detections": np.array([10 ** 9], np.int32)},
     "expected an integer from 0 to 10", False),
    ("negative count", "EffNms", "bbox", {**efficient_nms_outputs(), "num_detections": np.array([-1], np.int32)},
     "expected an integer", False),
    ("scores size", "EffNms", "bbox", {**efficient_nms_outputs(), "detection_scores": np.zeros(9, np.float32)},
     "has 9 elements", False),
    ("label count", "Cls", "classifier", {"color": np.zeros(4, np.float32), "make": np.zeros(2, np.float32)},
     "4 scores but 3 labels", False),
    ("second head fails after the first succeeded", "Cls", "classifier",
     {"color": np.array([0, 9, 0], np.float32), "make": np.zeros(3, np.float32)}, "3 scores but 2 labels", False),
    ("masks rows", "Mrcnn", "instance_mask", {**mrcnn_outputs(False), "masks": np.zeros((2, 4, 5), np.float32)},
     "masks layer 'masks' has 2 rows", False),
    ("declared classes", "SsdDeclared", "bbox", {"boxes": np.zeros((2, 4), np.float32),
                                                  "scores": np.zeros((2, 4), np.float32)},
     "holds 4 classes (4 scores per box) but the declaration says 3", False),
    ("classifier 2-D layer", "ClsNoLabels", "classifier", {"out": np.zeros((2, 3), np.float32)},
     "has dims [2, 3]: expected one score per class", False),
    ("protos size", "YoloSeg", "instance_mask", {**yolo_seg_outputs(), "proto": np.zeros((3, 12, 16), np.float32)},
     "values per candidate", False),
]


@pytest.mark.parametrize("case", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_layers_under_asan(asan_lib, case):
    _, func, kind, outs, message, _ = case
    res = tds.emulate_parser(asan_lib, func, kind, outs, network=NET, num_classes=2, sanitize=True)
    assert not res.ok
    assert message in res.stderr
    assert res.objects == [] and res.attributes == [] and not res.problems


def test_nonfinite_values_are_skipped_under_asan(asan_lib):
    outs = efficient_nms_outputs()
    outs["detection_scores"][0] = np.inf
    outs["detection_boxes"][1, 2] = np.nan
    res = tds.emulate_parser(asan_lib, "EffNms", "bbox", outs, network=NET, num_classes=2, sanitize=True)
    assert res.ok and res.objects == []
    assert "skipped 2 detections with NaN or infinite values" in res.stderr


def test_bad_rows_among_masks_are_skipped_under_asan(asan_lib):
    outs = mrcnn_outputs(True)
    outs["num"][0] = 3
    outs["classes"][:] = [1, 0, 4]
    outs["scores"][2] = np.nan
    res = tds.emulate_parser(asan_lib, "Mrcnn", "instance_mask", outs, network=NET, num_classes=2,
                             pre_cluster_thresholds=0.05, sanitize=True, calls=3)
    assert res.ok and [o["classId"] for o in res.objects] == [1, 0]
    assert len(warning_lines(res.stderr)) == 1 and "skipped 1 detections with NaN" in res.stderr


def test_valid_masks_and_labels_released_as_nvinfer_does_under_asan(asan_lib):
    res = tds.emulate_parser(asan_lib, "YoloSeg", "instance_mask", yolo_seg_outputs(), network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5, sanitize=True, calls=3)
    assert res.ok and len(res.objects) == 2
    res = tds.emulate_parser(asan_lib, "Mrcnn", "instance_mask", mrcnn_outputs(True), network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5, sanitize=True, calls=2)
    assert res.ok and len(res.objects) == 1
    res = tds.emulate_parser(asan_lib, "ClsMulti", "classifier", {"a": np.array([5.0, 5.0, 5.0], np.float32)},
                             classifier_threshold=0.5, sanitize=True, calls=2)
    assert [a["label"] for a in res.attributes] == ["hat", "bag", "coat"]


WRONG_FREE = r"""
#include "nvdsinfer_custom_impl.h"
#include <cstdlib>
extern "C" __attribute__((visibility("default")))
bool WrongAlloc(std::vector<NvDsInferLayerInfo> const&, NvDsInferNetworkInfo const&,
                NvDsInferParseDetectionParams const&, std::vector<NvDsInferInstanceMaskInfo>& out) {
    NvDsInferInstanceMaskInfo o{};
    o.mask = static_cast<float*>(std::malloc(16));  // nvinfer releases masks with delete[]
    o.mask_width = 2; o.mask_height = 2; o.mask_size = 16;
    out.push_back(o);
    return true;
}
CHECK_CUSTOM_INSTANCE_MASK_PARSE_FUNC_PROTOTYPE(WrongAlloc)
"""


CRASH = r"""
#include "nvdsinfer_custom_impl.h"
#include <cstdio>
#include <cstdlib>
extern "C" __attribute__((visibility("default")))
bool CrashAfterLog(std::vector<NvDsInferLayerInfo> const&, NvDsInferNetworkInfo const&,
                   NvDsInferParseDetectionParams const&, std::vector<NvDsInferObjectDetectionInfo>&) {
    std::fprintf(stderr, "about to give up\n");
    std::abort();
}
CHECK_CUSTOM_PARSE_FUNC_PROTOTYPE(CrashAfterLog)
"""


def test_custom_source_and_wrong_release_caught(tmp_path):
    (tmp_path / "wrong.cpp").write_text(WRONG_FREE)
    (tmp_path / "crash.cpp").write_text(CRASH)
    lib = tds.build_parser_library([tds.CustomSource(tmp_path / "wrong.cpp", functions={"WrongAlloc": "instance_mask"}),
                                    tds.CustomSource(tmp_path / "crash.cpp", functions={"CrashAfterLog": "bbox"})],
                                   output=tmp_path / "libwrong.so", sanitize=True)
    with pytest.raises(NativeError, match="sanitizer") as err:
        tds.emulate_parser(lib, "WrongAlloc", "instance_mask", {}, sanitize=True)
    assert str(err.value).splitlines()[0] == "WrongAlloc: a sanitizer reported an error in step 'release'"
    # a crash inside the call: one line naming the function and the step, then what it logged before dying
    with pytest.raises(NativeError) as err:
        tds.emulate_parser(lib, "CrashAfterLog", "bbox", {}, sanitize=True)
    first, *rest = str(err.value).splitlines()
    assert first == "CrashAfterLog: the emulated nvinfer process was killed by signal 6 in step 'call'"
    assert "about to give up" in rest


def test_signature_mismatch_fails_the_build(tmp_path):
    src = tmp_path / "bad_sig.cpp"
    src.write_text(WRONG_FREE.replace("NvDsInferNetworkInfo const&,", "NvDsInferNetworkInfo&,"))
    with pytest.raises(BuildError, match="WrongAlloc"):
        tds.build_parser_library([tds.CustomSource(src)], output=tmp_path / "libbad.so")


def test_missing_function_and_library(lib, tmp_path):
    with pytest.raises(LoadError, match="dlsym failed to get func NoSuchParser"):
        tds.emulate_parser(lib, "NoSuchParser", "bbox", {})
    with pytest.raises(LoadError, match="Could not open custom lib"):
        tds.emulate_parser(tmp_path / "libnothing.so", "X", "bbox", {})


def test_deepstream8_layout_has_no_rotation_angle():
    lib8 = tds.build_parser_library([tds.NmsDetector("EffNms")], deepstream_version="8.0", name="ds80")
    res = tds.emulate_parser(lib8, "EffNms", "bbox", efficient_nms_outputs(), network=NET, num_classes=2,
                             pre_cluster_thresholds=0.5, deepstream_version="8.0")
    assert [o["classId"] for o in res.objects] == [1, 0]
    assert "rotation_angle" not in res.objects[0]


def test_dtype_not_in_older_deepstream():
    with pytest.raises(EmulationError, match="DeepStream 6.3 has no int64"):
        tds.emulate_parser("unused.so", "X", "bbox", {"a": np.zeros(2, np.int64)}, deepstream_version="6.3")
