// libFuzzer target: every built-in DeepStream output parser (registry/deepstream/trtplug_ds_parsers.cpp,
// DeepStream 9.1 layout) with arbitrary output layers: names, input flags, data types, dims,
// element counts and buffer contents, and parameter blocks as trtplug generates them.
//
// Input (tests/fuzz/seeds.py writes seeds in this layout):
//   u8 parser (% 6: dense, nms, boxes_scores, instance_mask, yolo_seg, classifier)
//   u8 x 8 parameter choices (each indexes a small table of valid values, see decode_params)
//   u8 network width, u8 height (kExtents index), u8 classes configured (% 100),
//   u8 threshold count (% 8) + one u8 per threshold (kThresholds index), u8 classifier threshold
//   u8 layer count (% 7), then per layer:
//     u8 name (% 8: out0..out4, "", null, "input"), u8 is-input (bit 0), u8 data type (% 8: FLOAT,
//     HALF, INT8, INT32, INT64, UINT8, 6, 7), u8 rank (% 10), rank x u8 dim (kDims index, % 24),
//     u8 numElements mode (bit 0: a u32 follows and is used as is; else the product of the dims),
//     u8 fill (% 3: input bytes, zeros, plausible values), u16 pattern length + pattern bytes
//   The buffer holds exactly the dims' element count (AddressSanitizer catches any read past it);
//   inputs whose layers hold more than 256 KiB together are skipped.
// Checks: false leaves the output as it was; true adds only objects with a configured class,
// finite values and boxes inside the frame, masks sized as they claim (released with delete[]),
// attributes of an existing head with a declared label (released with free()).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "trtplug_ds_parsers.h"

using namespace trtplug::ds;

FUZZ_FINDING_IMPL

namespace {

const unsigned kExtents[] = {0, 1, 16, 320, 416, 640, 1280, 1920};
const float kThresholds[] = {0.0f, 0.1f, 0.25f, 0.5f, 0.9f, 1.0f};
const unsigned kDims[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 16, 32, 36, 38, 80, 84, 85, 100, 116, 160, 300, 1000, 8400, 25200};
const char* const kLayerNames[] = {"out0", "out1", "out2", "out3", "out4", "", nullptr, "input"};
const char* const kLabels[] = {"car", "person", "bicycle", "sign"};
// All layers of one input together; bigger heads ([8400, 84] float) only slow the search down.
constexpr size_t kMaxBufferBytes = 256u << 10;

template <class T, size_t N>
T pick(const T (&table)[N], uint8_t b) {
    return table[b % N];
}

size_t element_size(int dtype) {
    switch (dtype) {
        case FLOAT: case INT32: return 4;
        case HALF: return 2;
        case INT64: return 8;
        default: return 1;  // INT8, UINT8, and 6, 7 (no type here: the parser must refuse them unread)
    }
}

struct Layers {
    std::vector<std::unique_ptr<uint8_t[]>> buffers;
    std::vector<NvDsInferLayerInfo> infos;
};

// Fills `n` elements of `dtype`: raw pattern bytes, zeros, or plausible values (scores in [0, 1),
// coordinates up to ~640, small class ids).
void fill(uint8_t* buf, size_t n, int dtype, uint8_t mode, const std::vector<uint8_t>& pattern) {
    const size_t bytes = n * element_size(dtype);
    if (mode == 1 || pattern.empty()) {
        std::memset(buf, 0, bytes);
        return;
    }
    if (mode == 0) {
        for (size_t i = 0; i < bytes; ++i) buf[i] = pattern[i % pattern.size()];
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const uint8_t p = pattern[i % pattern.size()];
        if (dtype == FLOAT) {
            const float v = (p & 0x80) ? (p & 0x7f) * 5.0f : (p & 0x7f) / 128.0f;
            std::memcpy(buf + 4 * i, &v, 4);
        } else if (dtype == HALF) {
            const uint16_t h = static_cast<uint16_t>(0x3800 + (p << 2));  // 0.5 .. ~1.5
            std::memcpy(buf + 2 * i, &h, 2);
        } else if (dtype == INT32) {
            const int32_t v = p % 8;
            std::memcpy(buf + 4 * i, &v, 4);
        } else if (dtype == INT64) {
            const int64_t v = p % 8;
            std::memcpy(buf + 8 * i, &v, 8);
        } else {
            buf[i] = static_cast<uint8_t>(p % 8);
        }
    }
}

bool decode_layers(fuzz::Input& in, Layers* out) {
    // 6 and 7: types this DeepStream version does not define (a newer one might); still valid values
    // of the enum (its range is 0..7), as nvinfer could pass them.
    static const int kTypes[] = {FLOAT, HALF, INT8, INT32, INT64, UINT8, 6, 7};
    const int n = in.u8() % 7;
    size_t total = 0;
    for (int i = 0; i < n; ++i) {
        NvDsInferLayerInfo info{};
        info.layerName = pick(kLayerNames, in.u8());
        info.isInput = in.u8() & 1;
        info.bindingIndex = i;
        info.dataType = static_cast<NvDsInferDataType>(pick(kTypes, in.u8()));
        info.inferDims.numDims = in.u8() % 10;
        size_t numel = 1;
        for (unsigned a = 0; a < info.inferDims.numDims && a < kNvDsInferMaxDims; ++a) {
            info.inferDims.d[a] = pick(kDims, in.u8());
            numel *= info.inferDims.d[a];
            if (total + numel * element_size(info.dataType) > kMaxBufferBytes) return false;  // keeps runs fast
        }
        info.inferDims.numElements = (in.u8() & 1) ? in.u32() : static_cast<unsigned>(numel);
        const uint8_t mode = in.u8() % 3;
        const std::vector<uint8_t> pattern = in.bytes(in.u16() % 512);
        const size_t bytes = numel * element_size(info.dataType);
        total += bytes;
        out->buffers.emplace_back(new uint8_t[bytes]);
        fill(out->buffers.back().get(), numel, info.dataType, mode, pattern);
        info.buffer = out->buffers.back().get();
        out->infos.push_back(info);
    }
    return true;
}

struct Params {
    DenseParams dense;
    NmsParams nms;
    BoxesScoresParams boxes_scores;
    InstanceMaskParams masks;
    YoloSegParams seg;
    ClassifierHead heads[3];
    ClassifierParams classifier;
};

void decode_params(fuzz::Input& in, Params* p) {
    static const BoxFormat kBoxes[] = {BoxFormat::kCxCyWH, BoxFormat::kXYXY, BoxFormat::kXYWH, BoxFormat::kYXYX};
    static const int kClasses[] = {0, 1, 2, 3, 4, 80};
    static const float kMinBox[] = {0.0f, 1.0f, 4.0f, 16.0f};
    static const int kCandidates[] = {0, 1, 3, 100};
    static const float kIou[] = {0.0f, 0.45f, 0.7f, 1.0f};
    static const int kBackground[] = {kBackgroundNone, kBackgroundLast, 0, 1};
    static const int kCoeffs[] = {0, 1, 4, 32};
    static const Activation kActs[] = {Activation::kNone, Activation::kSigmoid, Activation::kSoftmax};
    uint8_t c[8];
    for (uint8_t& b : c) b = in.u8();
    const BoxFormat box = pick(kBoxes, c[0]);
    const int normalized = c[1] & 1;
    const Activation act2 = (c[1] & 2) ? Activation::kSigmoid : Activation::kNone;
    const float min_box = pick(kMinBox, c[2]);
    const float thr = pick(kThresholds, c[3]);
    const int classes = pick(kClasses, c[4]);
    p->dense = DenseParams{"FuzzDense", (c[5] & 1) ? "out0" : nullptr, (c[5] >> 1) & 1, box, (c[5] >> 2) & 1, classes,
                           normalized, act2, min_box, pick(kCandidates, c[6]), thr, pick(kIou, c[7])};
    p->nms = NmsParams{"FuzzNms", (c[5] & 1) ? "out0" : nullptr, "out1", "out2", "out3", box, normalized, min_box, thr};
    p->boxes_scores = BoxesScoresParams{"FuzzBoxesScores", "out1", "out2", box, normalized, pick(kActs, c[6] >> 2),
                                        pick(kBackground, c[7] >> 2), (c[5] >> 3) & 1, classes, min_box,
                                        pick(kCandidates, c[6]), thr};
    p->masks = InstanceMaskParams{"FuzzMasks", (c[5] & 1) ? "out0" : nullptr, "out1", "out2", "out3", "out4", box,
                                  normalized, act2, min_box, thr};
    p->seg = YoloSegParams{p->dense, pick(kCoeffs, c[7] >> 2), "out1"};
    p->seg.det.func_name = "FuzzYoloSeg";
    for (int h = 0; h < 3; ++h) {
        const uint8_t b = static_cast<uint8_t>(c[6] >> (2 * h));
        p->heads[h] = ClassifierHead{(b & 1) ? kLayerNames[h] : nullptr, pick(kActs, c[7] >> (2 * h)),
                                     (b & 2) ? kLabels : nullptr, (b & 2) ? 4 : 0, (c[5] >> (4 + h)) & 1,
                                     (c[4] & 0x80) ? -1.0f : thr};
    }
    p->classifier = ClassifierParams{"FuzzClassifier", p->heads, 1 + c[4] % 3};
}

bool finite(float v) { return std::isfinite(v); }

template <class Object>
void check_objects(const std::vector<Object>& out, size_t from, const NvDsInferNetworkInfo& net, unsigned classes) {
    for (size_t i = from; i < out.size(); ++i) {
        const Object& o = out[i];
        char text[160];
        std::snprintf(text, sizeof text, "(class %u, left %g, top %g, width %g, height %g, confidence %g)", o.classId,
                      o.left, o.top, o.width, o.height, o.detectionConfidence);
        FUZZ_CHECK(o.classId < classes, "an object of a class nvinfer does not have", text);
        FUZZ_CHECK(finite(o.left) && finite(o.top) && finite(o.width) && finite(o.height) && finite(o.detectionConfidence),
                   "an object with a NaN or infinite value", text);
        FUZZ_CHECK(o.width >= 0 && o.height >= 0, "an object with a negative size", text);
        if (net.width > 0 && net.height > 0) {
            const float tolerance = 1e-3f * static_cast<float>(net.width + net.height);
            FUZZ_CHECK(o.left >= 0 && o.top >= 0 && o.left + o.width <= static_cast<float>(net.width - 1) + tolerance &&
                           o.top + o.height <= static_cast<float>(net.height - 1) + tolerance,
                       "a box outside the frame", text);
        }
    }
}

NvDsInferObjectDetectionInfo sentinel_object() {
    NvDsInferObjectDetectionInfo o{};
    o.classId = 12345;
    o.detectionConfidence = -7.0f;
    return o;
}

void run_detection(int kind, const Params& p, const Layers& layers, const NvDsInferNetworkInfo& net,
                   const NvDsInferParseDetectionParams& dp) {
    std::vector<NvDsInferObjectDetectionInfo> out{sentinel_object()};
    bool ok = false;
    if (kind == 0) ok = parse_dense(p.dense, layers.infos, net, dp, out);
    if (kind == 1) ok = parse_nms(p.nms, layers.infos, net, dp, out);
    if (kind == 2) ok = parse_boxes_scores(p.boxes_scores, layers.infos, net, dp, out);
    FUZZ_CHECK(!out.empty() && out[0].classId == 12345 && out[0].detectionConfidence == -7.0f,
               "a parser changed objects that were already in its output", "");
    if (!ok) {
        FUZZ_CHECK(out.size() == 1, "a parser that returned false left objects in its output", "");
        return;
    }
    check_objects(out, 1, net, dp.numClassesConfigured);
}

void run_masks(int kind, const Params& p, const Layers& layers, const NvDsInferNetworkInfo& net,
               const NvDsInferParseDetectionParams& dp) {
    std::vector<NvDsInferInstanceMaskInfo> out(1);
    out[0].classId = 12345;
    const bool ok = kind == 3 ? parse_instance_mask(p.masks, layers.infos, net, dp, out)
                              : parse_yolo_seg(p.seg, layers.infos, net, dp, out);
    FUZZ_CHECK(!out.empty() && out[0].classId == 12345 && out[0].mask == nullptr,
               "a mask parser changed objects that were already in its output", "");
    if (!ok) FUZZ_CHECK(out.size() == 1, "a mask parser that returned false left objects in its output", "");
    check_objects(out, 1, net, dp.numClassesConfigured);
    for (size_t i = 1; i < out.size(); ++i) {
        const NvDsInferInstanceMaskInfo& o = out[i];
        FUZZ_CHECK(o.mask_size == o.mask_width * o.mask_height * sizeof(float), "mask_size disagrees with its extents", "");
        FUZZ_CHECK((o.mask != nullptr) == (o.mask_size > 0), "a mask pointer disagrees with mask_size", "");
        for (unsigned k = 0; k < o.mask_width * o.mask_height; ++k) {
            FUZZ_CHECK(std::isfinite(o.mask[k]), "a mask with a NaN or infinite value", "");
        }
        delete[] o.mask;  // as nvinfer releases it
    }
}

void run_classifier(const Params& p, const Layers& layers, const NvDsInferNetworkInfo& net, float threshold) {
    std::vector<NvDsInferAttribute> out(1);
    out[0].attributeIndex = 12345;
    out[0].attributeLabel = strdup("sentinel");
    std::string description = "before";
    const bool ok = parse_classifier(p.classifier, layers.infos, net, threshold, out, description);
    FUZZ_CHECK(!out.empty() && out[0].attributeIndex == 12345 && std::strcmp(out[0].attributeLabel, "sentinel") == 0,
               "the classifier changed attributes that were already in its output", "");
    if (!ok) {
        FUZZ_CHECK(out.size() == 1 && description == "before", "a classifier that returned false changed its output", "");
    }
    for (size_t i = 0; i < out.size(); ++i) {
        const NvDsInferAttribute& a = out[i];
        if (i > 0) {
            FUZZ_CHECK(a.attributeIndex < static_cast<unsigned>(p.classifier.num_heads), "an attribute of no head", "");
            const ClassifierHead& head = p.heads[a.attributeIndex];
            FUZZ_CHECK(std::isfinite(a.attributeConfidence), "an attribute with a NaN or infinite confidence", "");
            if (head.labels) {
                FUZZ_CHECK(a.attributeValue < 4 && a.attributeLabel != nullptr &&
                               std::strcmp(a.attributeLabel, kLabels[a.attributeValue]) == 0,
                           "an attribute label that is not the declared one", "");
            } else {
                FUZZ_CHECK(a.attributeLabel == nullptr, "a label where none was declared", "");
            }
        }
        std::free(a.attributeLabel);  // as nvinfer releases it
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::Input in(data, size);
    const int kind = in.u8() % 6;
    Params params;
    decode_params(in, &params);
    NvDsInferNetworkInfo net{pick(kExtents, in.u8()), pick(kExtents, in.u8()), 3};
    NvDsInferParseDetectionParams dp;
    dp.numClassesConfigured = in.u8() % 100;
    dp.perClassPreclusterThreshold.resize(in.u8() % 8);
    for (float& t : dp.perClassPreclusterThreshold) t = pick(kThresholds, in.u8());
    dp.perClassPostclusterThreshold = dp.perClassPreclusterThreshold;
    const float classifier_threshold = pick(kThresholds, in.u8());
    Layers layers;
    if (!decode_layers(in, &layers)) return 0;
    if (kind <= 2) run_detection(kind, params, layers, net, dp);
    else if (kind <= 4) run_masks(kind, params, layers, net, dp);
    else run_classifier(params, layers, net, classifier_threshold);
    return 0;
}
