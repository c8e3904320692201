"""A secondary classifier's output parser, built into a trtplug library: no C++ to write.

The model (make_model.py) has two heads of logits, "color" [1, 4] and "type" [1, 3]. The built-in
classifier parser applies softmax to each head, keeps its best class when the probability reaches
the head's threshold (nvinfer's classifier-threshold for "color", 0.6 for "type") and attaches it
to the object as an attribute with its label; the labels also make the object's description.
nvinfer calls it by the name in parse-classifier-func-name.
"""
import trtplug.deepstream as tds

COLORS = ["black", "white", "red", "blue"]
TYPES = ["car", "truck", "bus"]

vehicle_attributes = tds.Classifier("NvDsInferParseVehicleAttributes", heads=[
    tds.ClassifierHead(layer="color", labels=COLORS),
    tds.ClassifierHead(layer="type", labels=TYPES, threshold=0.6),
])
