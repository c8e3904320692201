// trtplug's built-in Gst-nvinfer output parsers.
//
// Each parser is a function of a constant parameter block (generated from the Python
// declaration) and nvinfer's arguments. The generated entry points under the user's names are
// one-line forwards to these functions. Every function here:
//   * never throws and never aborts; a bad layer (missing, wrong rank, size or dtype), an absurd
//     detection count, a class count that does not match nvinfer's or an allocation failure
//     prints one line to stderr naming the parser function and the cause, leaves the output
//     vector as it was, and returns false;
//   * skips bad rows (NaN or infinite scores or coordinates, a class id outside nvinfer's
//     classes) and keeps the rest, with a warning rate-limited per parser and cause, because
//     nvinfer drops every object of a frame whose parser returns false;
//   * clips boxes as NVIDIA's sample parsers do: corners into [0, W-1] x [0, H-1], zero-size
//     boxes kept, inverted ones dropped;
//   * allocates exactly the way nvinfer releases: masks with new float[] (delete[]), attribute
//     labels with strdup (free()).
//
// nvinfer calls the parsers once per frame; the layer buffers point at that frame's slice and
// inferDims exclude the batch dimension. Leading dimensions of size 1 beyond the expected rank
// (an implicit batch of 1 kept by some exporters) are ignored.
#pragma once

#include "trtplug_nvdsinfer.h"

namespace trtplug {
namespace ds {

enum class BoxFormat : int {
    kCxCyWH = 0,  // center x, center y, width, height
    kXYXY = 1,    // left, top, right, bottom
    kXYWH = 2,    // left, top, width, height
    kYXYX = 3,    // top, left, bottom, right
};

enum class Activation : int { kNone = 0, kSigmoid = 1, kSoftmax = 2 };

constexpr int kBackgroundNone = -1;
constexpr int kBackgroundLast = -2;

// Dense YOLO-style head: one row of 4 box values, [objectness], class scores and [mask
// coefficients] per candidate.
struct DenseParams {
    const char* func_name;
    const char* layer;  // nullptr: the first output layer
    int transposed;     // 0: [N, A] (a row per candidate); 1: [A, N]
    BoxFormat box;
    int objectness;
    int num_classes;  // 0: inferred from the layer width (it must then match num-detected-classes)
    int normalized;   // box values are fractions of the network input size
    Activation score_activation;  // kNone or kSigmoid
    float min_box_size;           // pixels; smaller boxes are dropped
    int max_candidates;           // 0: unlimited; else the best-scoring ones are kept
    float default_threshold;      // for classes without a configured pre-cluster threshold
    float nms_iou;                // > 0: per-class greedy NMS in the parser at this IoU
};

// EfficientNMS / BatchedNMS-style outputs: count, boxes [K,4], scores [K], classes [K].
struct NmsParams {
    const char* func_name;
    const char* count_layer;  // nullptr: all K rows are candidates
    const char* boxes_layer;
    const char* scores_layer;
    const char* classes_layer;
    BoxFormat box;
    int normalized;
    float min_box_size;
    float default_threshold;
};

// SSD/DETR-style outputs: boxes [N,4] and per-class scores [N,C].
struct BoxesScoresParams {
    const char* func_name;
    const char* boxes_layer;
    const char* scores_layer;
    BoxFormat box;
    int normalized;
    Activation score_activation;
    int background_class;  // class index to skip, kBackgroundNone or kBackgroundLast
    int multi_label;       // one object per class above threshold instead of the best class
    int num_classes;       // 0: read off the scores layer (it must then match num-detected-classes)
    float min_box_size;
    int max_candidates;
    float default_threshold;
};

// Boxes with per-object masks: boxes [K,4], scores [K], classes [K], masks [K,H,W] or
// [K,C,H,W] (a mask per class; the detected class's is taken).
struct InstanceMaskParams {
    const char* func_name;
    const char* count_layer;  // nullptr: all K rows
    const char* boxes_layer;
    const char* scores_layer;
    const char* classes_layer;
    const char* masks_layer;
    BoxFormat box;
    int normalized;
    Activation mask_activation;  // kNone or kSigmoid
    float min_box_size;
    float default_threshold;
};

// YOLO-seg: a dense head with mask coefficients plus prototypes [M, Hp, Wp].
struct YoloSegParams {
    DenseParams det;
    int num_mask_coeffs;  // 0: taken from the prototypes layer
    const char* protos_layer;
};

struct ClassifierHead {
    const char* layer;  // nullptr: the output layer at the head's index
    Activation activation;
    const char* const* labels;  // nullptr: labels come from nvinfer's label file
    int num_labels;
    int multi_label;  // every class above threshold instead of the best one
    float threshold;  // < 0: nvinfer's classifier-threshold
};

struct ClassifierParams {
    const char* func_name;
    const ClassifierHead* heads;
    int num_heads;
};

bool parse_dense(const DenseParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                 const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                 ds::Vector<NvDsInferObjectDetectionInfo>& out) noexcept;

bool parse_nms(const NmsParams& p, const ds::Vector<NvDsInferLayerInfo>& layers, const NvDsInferNetworkInfo& net,
               const NvDsInferParseDetectionParams& dp, ds::Vector<NvDsInferObjectDetectionInfo>& out) noexcept;

bool parse_boxes_scores(const BoxesScoresParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                        const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                        ds::Vector<NvDsInferObjectDetectionInfo>& out) noexcept;

#if TRTPLUG_DS_HAS_INSTANCE_MASK
bool parse_instance_mask(const InstanceMaskParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                         const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                         ds::Vector<NvDsInferInstanceMaskInfo>& out) noexcept;

bool parse_yolo_seg(const YoloSegParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                    const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                    ds::Vector<NvDsInferInstanceMaskInfo>& out) noexcept;
#endif

bool parse_classifier(const ClassifierParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                      const NvDsInferNetworkInfo& net, float classifier_threshold,
                      ds::Vector<NvDsInferAttribute>& out, ds::String& description) noexcept;

}  // namespace ds
}  // namespace trtplug
