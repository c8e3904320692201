"""An instance-segmentation output parser, built into a trtplug library: no C++ to write.

The model (make_model.py) ends in the outputs of a Mask R-CNN-style head: num_detections [1],
boxes [K, 4] (center x, center y, width, height in pixels), scores [K], classes [K] and one mask of
logits per detection, masks [K, 16, 16]. The built-in instance-mask parser keeps detections whose
score reaches nvinfer's pre-cluster-threshold for their class, turns boxes into nvinfer's
left/top/width/height (clipped to the input), applies a sigmoid to the mask logits and hands each
object's mask to nvinfer, which scales it to the box. nvinfer calls it by the name in
parse-bbox-instance-mask-func-name.
"""
import trtplug.deepstream as tds

LABELS = ["person", "car"]

mask_head = tds.InstanceMask("NvDsInferParseMaskHead", count="num_detections", boxes="boxes", scores="scores",
                             classes="classes", masks="masks", box="cxcywh", mask_activation="sigmoid",
                             num_classes=len(LABELS), labels=LABELS)
