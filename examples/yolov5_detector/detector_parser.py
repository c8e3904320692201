"""The DeepStream bbox parser for the YOLOv5 detector: trtplug's built-in dense-head parser, reading
the output of the YoloDecode plugin (kernels/yolo_decode.py).

`decoded` is [boxes, 5 + C] per frame, one row per candidate: cx, cy, w, h in network-input pixels,
objectness, then C class probabilities. The parser scores each candidate objectness * best class
probability, drops those under the class's pre-cluster-threshold and hands the rest to nvinfer's
clustering (cluster-mode=2, NMS). Build it into one library with the plugin:

    trtplug compile ../../kernels/yolo_decode.py detector_parser.py -o build/ --name yolov5_detector
"""
import trtplug.deepstream as tds

NUM_CLASSES = 3

detector = tds.YoloDetector("NvDsInferParseYoloV5Decoded", layer="decoded", layout="NxC", box="cxcywh",
                            objectness=True, num_classes=NUM_CLASSES, labels=["person", "bicycle", "car"])
