"""`trtplug deepstream config` and `check`, end to end with built libraries and the nvinfer
emulation, and the checker's report of seeded config mistakes."""
import shutil

import numpy as np
import pytest

import trtplug.deepstream as tds
from trtplug.deepstream.checker import ERROR
from trtplug.deepstream.emulate import EmulationError

PARSERS = [
    tds.YoloDetector("ParseYolo", layer="output", layout="CxN", num_classes=3, labels=["car", "bus", "bike"]),
    tds.Classifier("ClassifyColor", heads=[tds.ClassifierHead(layer="color", labels=["red", "green"])]),
    tds.YoloSeg("ParseYoloSeg", layer="output0", protos="proto", layout="CxN", num_classes=2),
]


@pytest.fixture(scope="module")
def lib():
    return tds.build_parser_library(PARSERS, name="cfg_parsers")


@pytest.fixture
def workdir(tmp_path, lib):
    shutil.copy(lib, tmp_path / "libparsers.so")
    (tmp_path / "model.onnx").write_bytes(b"onnx")
    (tmp_path / "labels.txt").write_text("car\nbus\nbike\n")
    return tmp_path


def run_config(workdir, *args, capsys=None):
    out = workdir / "out" / "config_infer.txt"
    rc = tds.deepstream_config_main(["-o", str(out), "--lib", str(workdir / "libparsers.so"),
                                     "--onnx", str(workdir / "model.onnx"), *args])
    return rc, out


def test_detector_end_to_end(workdir, capsys):
    rc, cfg = run_config(workdir, "--network-type", "detector", "--infer-dims", "3;480;640", "--network-mode", "fp16",
                         "--maintain-aspect-ratio", "--offsets", "0;0;0", "--net-scale-factor", "0.0039215697")
    assert rc == 0, capsys.readouterr()
    text = cfg.read_text()
    for line in ("onnx-file=../model.onnx", "custom-lib-path=../libparsers.so", "parse-bbox-func-name=ParseYolo",
                 "network-type=0", "num-detected-classes=3", "output-blob-names=output", "cluster-mode=2",
                 "infer-dims=3;480;640", "network-mode=2", "maintain-aspect-ratio=1",
                 "labelfile-path=config_infer_labels.txt", "[class-attrs-all]", "pre-cluster-threshold=0.25"):
        assert line in text.splitlines(), line
    assert (cfg.parent / "config_infer_labels.txt").read_text().split() == ["car", "bus", "bike"]
    assert tds.deepstream_check_main([str(cfg)]) == 0
    head = np.zeros((4 + 3, 3), np.float32)  # [4+C, N]
    head[:, 0] = [320, 240, 100, 50, 0.1, 0.9, 0.2]
    head[:, 1] = [10, 10, 5, 5, 0.2, 0.1, 0.1]  # below 0.25
    res = tds.emulate_config(cfg, {"output": head})
    assert res.ok
    (o,) = res.objects
    assert (o["classId"], o["left"], o["top"], o["width"], o["height"]) == (1, 270, 215, 100, 50)


def test_classifier_end_to_end(workdir):
    rc, cfg = run_config(workdir, "--network-type", "classifier", "--process-mode", "secondary",
                         "--classifier-threshold", "0.6", "--infer-dims", "3;224;224")
    assert rc == 0
    text = cfg.read_text().splitlines()
    assert "parse-classifier-func-name=ClassifyColor" in text and "network-type=1" in text
    assert "process-mode=2" in text and "[class-attrs-all]" not in text
    assert tds.deepstream_check_main([str(cfg)]) == 0
    res = tds.emulate_config(cfg, {"color": np.array([0.0, 2.0], np.float32)})
    assert [(a["value"], a["label"]) for a in res.attributes] == [(1, "green")]
    res = tds.emulate_config(cfg, {"color": np.array([0.0, 0.2], np.float32)})  # 0.55 < 0.6
    assert res.ok and res.attributes == []


def test_softmax_heads_are_pointed_out_where_the_config_is_written_and_checked(workdir, tmp_path, capsys):
    rc, cfg = run_config(workdir, "--network-type", "classifier")
    assert rc == 0
    note = "ClassifyColor applies softmax to the scores of head(s) 0 (color)"
    out = capsys.readouterr().out
    assert note in out and "activation='none'" in out
    assert tds.deepstream_check_main([str(cfg)]) == 0
    assert note in capsys.readouterr().out
    # a head declared without softmax gets no note
    lib = tds.build_parser_library([tds.Classifier("ClassifyProbs", heads=[
        tds.ClassifierHead(layer="color", activation="none")])], output=tmp_path / "libprobs.so")
    assert tds.deepstream_config_main(["-o", str(tmp_path / "c.txt"), "--lib", str(lib),
                                       "--onnx", str(workdir / "model.onnx")]) == 0
    assert "applies softmax" not in capsys.readouterr().out
    assert "softmax-head" not in {p.code for p in tds.check_config(tmp_path / "c.txt")}


def test_instance_segmentation_end_to_end(workdir):
    rc, cfg = run_config(workdir, "--network-type", "instance-segmentation", "--infer-dims", "3;480;640")
    assert rc == 0
    text = cfg.read_text().splitlines()
    for line in ("network-type=3", "parse-bbox-instance-mask-func-name=ParseYoloSeg", "output-instance-mask=1",
                 "cluster-mode=4", "num-detected-classes=2", "output-blob-names=output0;proto"):
        assert line in text, line
    assert tds.deepstream_check_main([str(cfg)]) == 0
    protos = np.ones((1, 12, 16), np.float32)
    head = np.array([[320, 240, 160, 80, 0.2, 0.8, 2.0]], np.float32).T.copy()
    res = tds.emulate_config(cfg, {"output0": head, "proto": protos})
    (o,) = res.objects
    assert o["classId"] == 1 and o["mask"].shape == (2, 4)
    np.testing.assert_allclose(o["mask"], 1 / (1 + np.exp(-2.0)), rtol=1e-5)


def test_config_needs_a_network_type_for_a_mixed_library(workdir, capsys):
    rc, _ = run_config(workdir)
    assert rc == 1
    assert "set the network type" in capsys.readouterr().err


def test_relative_library_path_is_taken_from_the_current_directory(workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    rc = tds.deepstream_config_main(["-o", "out/config_infer.txt", "--lib", "./libparsers.so", "--onnx", "model.onnx",
                                     "--network-type", "detector"])
    assert rc == 0, capsys.readouterr()
    cfg = workdir / "out" / "config_infer.txt"
    # nvinfer resolves custom-lib-path against the config's folder, not the current directory
    assert "custom-lib-path=../libparsers.so" in cfg.read_text().splitlines()
    monkeypatch.chdir(workdir / "out")
    assert tds.deepstream_check_main(["config_infer.txt"]) == 0
    head = np.zeros((4 + 3, 1), np.float32)
    head[:, 0] = [320, 240, 100, 50, 0.1, 0.9, 0.2]
    with pytest.raises(EmulationError, match="no infer-dims"):
        tds.emulate_config("config_infer.txt", {"output": head})
    res = tds.emulate_config("config_infer.txt", {"output": head}, network=(640, 480, 3))
    assert [o["classId"] for o in res.objects] == [1]


def test_missing_relative_library_names_the_path_looked_at(workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    rc = tds.deepstream_config_main(["-o", "c.txt", "--lib", "./libnone.so", "--onnx", "model.onnx"])
    assert rc == 1
    assert f"library: no such file ./libnone.so (looked for {workdir.resolve() / 'libnone.so'})" in capsys.readouterr().err


def test_detector_does_not_ask_to_choose_among_classifier_parsers(tmp_path, capsys):
    lib = tds.build_parser_library([PARSERS[0], PARSERS[1], tds.Classifier("ClassifyMake", heads=[
        tds.ClassifierHead(layer="make")])], output=tmp_path / "libmixed.so")
    (tmp_path / "model.onnx").write_bytes(b"onnx")
    argv = ["-o", str(tmp_path / "c.txt"), "--lib", str(lib), "--onnx", str(tmp_path / "model.onnx")]
    assert tds.deepstream_config_main(argv + ["--network-type", "detector"]) == 0, capsys.readouterr()
    text = (tmp_path / "c.txt").read_text().splitlines()
    assert "parse-bbox-func-name=ParseYolo" in text
    assert not any(line.startswith("parse-classifier-func-name") for line in text)
    capsys.readouterr()
    # for a classifier the choice is genuinely open
    assert tds.deepstream_config_main(argv + ["--network-type", "classifier"]) == 1
    assert "several classifier parsers (ClassifyColor, ClassifyMake): choose one" in capsys.readouterr().err
    assert tds.deepstream_config_main(argv + ["--network-type", "classifier", "--classifier-func", "ClassifyMake"]) == 0
    assert "parse-classifier-func-name=ClassifyMake" in (tmp_path / "c.txt").read_text().splitlines()
    capsys.readouterr()
    # a function named for another kind must still exist
    assert tds.deepstream_config_main(argv + ["--network-type", "detector", "--classifier-func", "ClassifyTypo"]) == 1
    assert "no classifier parser named 'ClassifyTypo'" in capsys.readouterr().err


def test_write_config_from_declarations(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"x")
    path = tds.write_config(tmp_path / "c.txt", parsers=[tds.NmsDetector("Nms", num_classes=80)],
                            onnx_file=tmp_path / "m.onnx", network_mode="int8",
                            int8_calib_file=tmp_path / "calib.bin")
    text = path.read_text().splitlines()
    assert "cluster-mode=4" in text and "num-detected-classes=80" in text and "int8-calib-file=calib.bin" in text
    assert "output-blob-names=num_detections;detection_boxes;detection_scores;detection_classes" in text
    with pytest.raises(tds.ConfigError, match="'best' needs DeepStream 8.0"):
        tds.write_config(tmp_path / "d.txt", parsers=[tds.NmsDetector("Nms", num_classes=8)], network_mode="best",
                         deepstream_version="6.3")


# ---------------------------------------------------------------------------------------------
# Seeded mistakes

BASE = """\
[property]
gie-unique-id=1
onnx-file=model.onnx
model-engine-file=model.onnx_b1_gpu0_fp16.engine
batch-size=1
network-mode=2
network-type=0
model-color-format=0
infer-dims=3;480;640
num-detected-classes=3
output-blob-names=output
labelfile-path=labels.txt
custom-lib-path=libparsers.so
parse-bbox-func-name=ParseYolo
cluster-mode=2

[class-attrs-all]
pre-cluster-threshold=0.25
nms-iou-threshold=0.45
topk=300
"""


def sub(old, new):
    return lambda t: t.replace(old, new, 1)


def add(line, after="cluster-mode=2\n"):
    return lambda t: t.replace(after, after + line + "\n", 1)


# (id, edit, code, the text of the line the problem must point at (None: whole file), DeepStream version)
MISTAKES = [
    ("typo-key", sub("parse-bbox-func-name", "parse-bbox-fun-name"), "unknown-key", "parse-bbox-fun-name", None),
    ("legacy-key", add("parse-func=0"), "legacy-key", "parse-func=0", None),
    ("deprecated-key", add("is-classifier=0"), "deprecated-key", "is-classifier=0", None),
    ("removed-key", add("uff-file=model.onnx"), "removed-key", "uff-file=model.onnx", None),
    ("key-too-new", add("parse-segmentation-func-name=ParseYolo"), "key-too-new",
     "parse-segmentation-func-name", "6.3"),
    ("bad-int", sub("batch-size=1", "batch-size=four"), "bad-int", "batch-size=four", None),
    ("inline-comment", sub("batch-size=1", "batch-size=1  # frames"), "bad-int", "batch-size=1  # frames", None),
    ("bad-bool", add("maintain-aspect-ratio=yes"), "bad-bool", "maintain-aspect-ratio=yes", None),
    ("bad-double", add("net-scale-factor=1/255"), "bad-double", "net-scale-factor=1/255", None),
    ("bad-enum", sub("network-mode=2", "network-mode=7"), "bad-enum", "network-mode=7", None),
    ("enum-too-new", sub("network-mode=2", "network-mode=3"), "enum-too-new", "network-mode=3", "6.3"),
    ("color-format", sub("model-color-format=0", "model-color-format=3"), "bad-enum", "model-color-format=3", None),
    ("batch-range", sub("batch-size=1", "batch-size=0"), "out-of-range", "batch-size=0", None),
    ("unique-id", sub("gie-unique-id=1", "gie-unique-id=0"), "out-of-range", "gie-unique-id=0", None),
    ("infer-dims-length", sub("infer-dims=3;480;640", "infer-dims=480;640"), "list-length", "infer-dims=480;640",
     None),
    ("offsets-length", add("offsets=1;2;3;4;5"), "list-length", "offsets=1;2;3;4;5", None),
    ("missing-onnx", sub("onnx-file=model.onnx", "onnx-file=yolo.onnx"), "path-missing", "onnx-file=yolo.onnx",
     None),
    ("no-model", sub("onnx-file=model.onnx", "onnx-file=yolo.onnx"), "no-model", None, None),
    ("missing-labels", sub("labels.txt", "lables.txt"), "path-missing", "labelfile-path=lables.txt", None),
    ("missing-lib", sub("libparsers.so", "libparser.so"), "path-missing", "custom-lib-path=libparser.so", None),
    ("func-missing", sub("=ParseYolo", "=NvDsInferParseYolo"), "func-missing", "parse-bbox-func-name=NvDs", None),
    ("not-a-library", sub("libparsers.so", "labels.txt"), "lib-load", "custom-lib-path=labels.txt", None),
    ("mask-parser-missing", sub("network-type=0", "network-type=3"), "missing-parser", "network-type=3", None),
    ("parser-without-lib", sub("custom-lib-path=libparsers.so\n", ""), "parser-without-lib",
     "parse-bbox-func-name", None),
    ("no-classes", sub("num-detected-classes=3", "num-detected-classes=0"), "num-classes",
     "num-detected-classes=0", None),
    ("class-attrs-id", lambda t: t + "\n[class-attrs-5]\npre-cluster-threshold=0.3\n", "class-attrs-id",
     "[class-attrs-5]", None),
    ("class-attrs-typo", sub("pre-cluster-threshold", "pre-cluster-treshold"), "unknown-key",
     "pre-cluster-treshold", None),
    ("iou-range", sub("nms-iou-threshold=0.45", "nms-iou-threshold=1.5"), "out-of-range", "nms-iou-threshold=1.5",
     None),
    ("topk-range", sub("topk=300", "topk=-1"), "out-of-range", "topk=-1", None),
    ("syntax", add("this line is not a key"), "syntax", "this line is not a key", None),
    ("key-before-group", lambda t: "batch-size=1\n" + t, "syntax", "batch-size=1", None),
    ("no-property-group", sub("[property]", "[properties]"), "no-property-group", None, None),
    ("duplicate-key", add("batch-size=2"), "duplicate-key", "batch-size=2", None),
    ("func-kind", sub("=ParseYolo", "=ClassifyColor"), "func-kind", "parse-bbox-func-name=ClassifyColor", None),
    ("num-classes-mismatch", sub("num-detected-classes=3", "num-detected-classes=2"), "num-classes-mismatch",
     "num-detected-classes=2", None),
    ("bad-func-name", sub("=ParseYolo", "=Parse-Yolo"), "bad-func-name", "parse-bbox-func-name=Parse-Yolo", None),
    ("int8-no-calib", sub("network-mode=2", "network-mode=1"), "int8-no-calib", "network-mode=1", None),
    ("unused-parser", add("parse-classifier-func-name=ClassifyColor"), "unused-parser",
     "parse-classifier-func-name", None),
    ("no-clustering", sub("cluster-mode=2", "cluster-mode=4"), "no-clustering", "cluster-mode=4", None),
    ("min-max", add("input-object-min-width=100\ninput-object-max-width=50"), "min-max",
     "input-object-min-width=100", None),
    ("group-in-wrong-place", add("topk=20"), "unknown-key", "topk=20", None),
    ("labels-count", sub("labels.txt", "labels2.txt"), "labels-count", "labelfile-path=labels2.txt", None),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_seeded_mistake_is_reported(workdir, case):
    name, edit, code, line_text, version = case
    (workdir / "labels2.txt").write_text("car\nbus\n")
    text = edit(BASE)
    assert text != BASE
    cfg = workdir / "config.txt"
    cfg.write_text(text)
    problems = tds.check_config(cfg, version)
    found = [p for p in problems if p.code == code]
    assert found, f"{name}: expected {code}, got {[(p.code, p.message) for p in problems]}"
    if line_text is None:
        assert any(p.line is None for p in found)
    else:
        want = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith(line_text))
        assert want in [p.line for p in found], (want, found)
    assert all(p.message for p in problems)


def test_base_config_is_clean_and_mistakes_cover_25_kinds(workdir, capsys):
    cfg = workdir / "config.txt"
    cfg.write_text(BASE)
    problems = tds.check_config(cfg)
    assert tds.is_usable(problems), problems
    assert {p.code for p in problems} <= {"engine-will-build", "not-trtplug"}
    assert len({m[2] for m in MISTAKES}) >= 25
    assert tds.deepstream_check_main([str(cfg)]) == 0
    cfg.write_text(BASE.replace("batch-size=1", "batch-size=four"))
    assert tds.deepstream_check_main([str(cfg)]) == 1
    out = capsys.readouterr().out
    assert f"{cfg}:5: error: batch-size: 'four' is not an integer" in out and "NOT usable" in out


def test_inline_comment_hint_and_typo_suggestion(workdir):
    cfg = workdir / "config.txt"
    cfg.write_text(BASE.replace("batch-size=1", "batch-size=1 # one").replace("parse-bbox-func-name",
                                                                            "parse-bbox-fun-name"))
    msgs = [p.message for p in tds.check_config(cfg)]
    assert any("end-of-line comments" in m for m in msgs)
    assert any("did you mean parse-bbox-func-name?" in m for m in msgs)


def test_library_built_for_another_layout(workdir):
    lib8 = tds.build_parser_library(PARSERS[:1], deepstream_version="8.0", name="cfg_ds80")
    shutil.copy(lib8, workdir / "libparsers.so")
    cfg = workdir / "config.txt"
    cfg.write_text(BASE)
    problems = tds.check_config(cfg, "9.1")
    (p,) = [p for p in problems if p.code == "ds-layout-mismatch"]
    assert p.severity == ERROR and "rebuild with --deepstream-version 9.1" in p.message
    assert tds.is_usable(tds.check_config(cfg, "8.0"))


def test_ignored_uff_file_is_one_warning_not_a_missing_path_error(workdir, capsys):
    cfg = workdir / "config.txt"
    text = add("uff-file=gone.uff")(BASE)
    cfg.write_text(text)
    line = text.splitlines().index("uff-file=gone.uff") + 1
    on_line = [p for p in tds.check_config(cfg, "9.1") if p.line == line]
    assert [(p.severity, p.code) for p in on_line] == [("warning", "removed-key")]
    assert tds.deepstream_check_main([str(cfg)]) == 0
    assert "usable by nvinfer (DeepStream 9.1): 0 error(s), 1 warning(s)" in capsys.readouterr().out
    # DeepStream 6.3 still builds from uff-file, so there a missing file is an error
    on_line = [p for p in tds.check_config(cfg, "6.3", open_library=False) if p.line == line]
    assert [(p.severity, p.code) for p in on_line] == [("error", "path-missing")]


def test_check_usage_errors(tmp_path, capsys):
    assert tds.deepstream_check_main([str(tmp_path / "none.txt")]) == 1
    assert "no such config file" in capsys.readouterr().out
    assert tds.deepstream_check_main([str(tmp_path / "x.txt"), "--deepstream-version", "4.0"]) == 2
    assert "not supported" in capsys.readouterr().err
