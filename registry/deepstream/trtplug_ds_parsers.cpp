// trtplug's built-in Gst-nvinfer output parsers (see trtplug_ds_parsers.h for the contract).
#include "trtplug_ds_parsers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace trtplug {
namespace ds {
namespace {

// ------------------------------------------------------------------------------------------
// Messages

void vreport(const char* level, const char* func, const char* fmt, va_list args) {
    char text[512];
    std::vsnprintf(text, sizeof text, fmt, args);
    std::fprintf(stderr, "trtplug deepstream %s: parser %s: %s\n", level, func ? func : "?", text);
}

__attribute__((format(printf, 2, 3))) bool fail(const char* func, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vreport("error", func, fmt, args);
    va_end(args);
    return false;
}

// Rows of one frame skipped for one cause (a NaN score, a class id out of range), with the
// first of them described for the log.
struct SkippedRows {
    size_t count = 0;
    char example[192] = "";

    __attribute__((format(printf, 2, 3))) void add(const char* fmt, ...) {
        if (count++ != 0) return;
        va_list args;
        va_start(args, fmt);
        std::vsnprintf(example, sizeof example, fmt, args);
        va_end(args);
    }
};

// A bad row is skipped and the frame goes on: nvinfer drops every object of a frame whose parser
// returns false. Skips are logged per parser and cause: the first at once, then at most one line
// every skip_report_seconds() with what was skipped since the previous line, so a persistent
// fault neither writes a line per frame nor goes silent.
double skip_report_seconds() {
    static const double seconds = [] {
        const char* text = std::getenv("TRTPLUG_DS_SKIP_REPORT_SECONDS");
        char* end = nullptr;
        const double v = text ? std::strtod(text, &end) : 0.0;
        return text && end != text && *end == '\0' && std::isfinite(v) && v >= 0.0 ? v : 10.0;
    }();
    return seconds;
}

struct SkipCounter {
    std::string func, what;
    std::chrono::steady_clock::time_point last;
    size_t rows = 0, frames = 0;  // since the last line
};

enum class SkipReport { kNone, kFirst, kPeriodic };

// Counts a frame's skipped rows and says whether a line is due; for a periodic line, rows and
// frames become the totals since the previous line.
SkipReport skip_report_due(const char* func, const char* what, size_t& rows, size_t& frames) {
    static std::mutex mutex;
    static std::vector<SkipCounter> counters;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex);
    auto it = std::find_if(counters.begin(), counters.end(),
                           [&](const SkipCounter& c) { return c.func == func && c.what == what; });
    if (it == counters.end()) {
        counters.push_back(SkipCounter{func, what, now, 0, 0});
        return SkipReport::kFirst;
    }
    it->rows += rows;
    it->frames += 1;
    if (std::chrono::duration<double>(now - it->last).count() < skip_report_seconds()) return SkipReport::kNone;
    rows = it->rows;
    frames = it->frames;
    it->rows = it->frames = 0;
    it->last = now;
    return SkipReport::kPeriodic;
}

// `verb` and `what` describe the rows: "skipped" 3 "detections with NaN or infinite values".
void report_skipped(const char* func, const char* verb, const char* what, const SkippedRows& skipped) noexcept {
    if (skipped.count == 0) return;
    func = func ? func : "?";
    size_t rows = skipped.count, frames = 1;
    SkipReport due = SkipReport::kFirst;
    try {
        due = skip_report_due(func, what, rows, frames);
    } catch (...) {  // no memory for the counter: report this frame
    }
    const char* sep = skipped.example[0] ? "; e.g. " : "";
    if (due == SkipReport::kFirst)
        std::fprintf(stderr,
                     "trtplug deepstream warning: parser %s: %s %zu %s%s%s (repeats are reported at most every %g s)\n",
                     func, verb, rows, what, sep, skipped.example, skip_report_seconds());
    else if (due == SkipReport::kPeriodic)
        std::fprintf(stderr,
                     "trtplug deepstream warning: parser %s: %s %zu %s in %zu frames since the last report%s%s\n",
                     func, verb, rows, what, frames, sep, skipped.example);
}

// ------------------------------------------------------------------------------------------
// Layers

float half_to_float(uint16_t h) {
    uint32_t sign = (h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ffu;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

const char* dtype_name(int t) {
    switch (t) {
        case 0: return "FLOAT";
        case 1: return "HALF";
        case 2: return "INT8";
        case 3: return "INT32";
        case 4: return "INT64";
        case 5: return "UINT8";
        default: return "unknown";
    }
}

bool dtype_supported(int t) {
#if TRTPLUG_DS_HAS_INT64_UINT8
    return t >= 0 && t <= 5;
#else
    return t >= 0 && t <= 3;
#endif
}

// One output layer of the current frame, with its dims after dropping extra leading 1s.
struct View {
    const NvDsInferLayerInfo* info = nullptr;
    int rank = 0;
    size_t dims[kNvDsInferMaxDims] = {};
    size_t numel = 0;

    float at(size_t i) const {
        const void* b = info->buffer;
        switch (static_cast<int>(info->dataType)) {
            case 0: return static_cast<const float*>(b)[i];
            case 1: return half_to_float(static_cast<const uint16_t*>(b)[i]);
            case 2: return static_cast<float>(static_cast<const int8_t*>(b)[i]);
            case 3: return static_cast<float>(static_cast<const int32_t*>(b)[i]);
            case 4: return static_cast<float>(static_cast<const int64_t*>(b)[i]);
            case 5: return static_cast<float>(static_cast<const uint8_t*>(b)[i]);
            default: return std::numeric_limits<float>::quiet_NaN();
        }
    }
    const char* name() const { return info->layerName ? info->layerName : "(unnamed)"; }
};

std::string dims_text(const NvDsInferDims& d) {
    std::string s = "[";
    unsigned n = std::min(d.numDims, kNvDsInferMaxDims);
    for (unsigned i = 0; i < n; ++i) {
        if (i) s += ", ";
        s += std::to_string(d.d[i]);
    }
    return s + "]";
}

// Finds a layer by name (or, with name null, the output layer at `index`) and checks it:
// rank in [min_rank, max_rank] after dropping leading 1s, consistent element count, a buffer
// and a supported data type.
bool get_layer(const char* func, const ds::Vector<NvDsInferLayerInfo>& layers, const char* name, size_t index,
               int min_rank, int max_rank, View& v) {
    const NvDsInferLayerInfo* found = nullptr;
    if (name) {
        for (const auto& l : layers)
            if (!l.isInput && l.layerName && std::strcmp(l.layerName, name) == 0) {
                found = &l;
                break;
            }
        if (!found) {
            std::string names;
            for (const auto& l : layers) {
                if (!names.empty()) names += ", ";
                names += l.layerName ? l.layerName : "(unnamed)";
            }
            return fail(func, "no output layer named '%s' (nvinfer passed %zu layers: %s)", name, layers.size(),
                        names.c_str());
        }
    } else {
        size_t seen = 0;
        for (const auto& l : layers)
            if (!l.isInput && seen++ == index) {
                found = &l;
                break;
            }
        if (!found)
            return fail(func, "expected at least %zu output layers, nvinfer passed %zu", index + 1, layers.size());
    }
    v = View{};
    v.info = found;
    const char* lname = found->layerName ? found->layerName : "(unnamed)";
    const NvDsInferDims& d = found->inferDims;
    if (d.numDims == 0 || d.numDims > kNvDsInferMaxDims)
        return fail(func, "layer '%s' has %u dimensions (expected 1 to %u)", lname, d.numDims, kNvDsInferMaxDims);
    size_t numel = 1;
    for (unsigned i = 0; i < d.numDims; ++i) {
        if (d.d[i] != 0 && numel > std::numeric_limits<size_t>::max() / d.d[i])
            return fail(func, "layer '%s' dims %s overflow", lname, dims_text(d).c_str());
        numel *= d.d[i];
    }
    if (numel != d.numElements)
        return fail(func, "layer '%s' dims %s hold %zu elements but numElements is %u", lname, dims_text(d).c_str(),
                    numel, d.numElements);
    if (!dtype_supported(static_cast<int>(found->dataType)))
        return fail(func, "layer '%s' has data type %d (%s), which this DeepStream version does not define", lname,
                    static_cast<int>(found->dataType), dtype_name(static_cast<int>(found->dataType)));
    if (numel > 0 && !found->buffer) return fail(func, "layer '%s' has no buffer", lname);
    unsigned first = 0;
    while (static_cast<int>(d.numDims - first) > max_rank && d.d[first] == 1) ++first;
    v.rank = static_cast<int>(d.numDims - first);
    for (int i = 0; i < v.rank; ++i) v.dims[i] = d.d[first + i];
    v.numel = numel;
    if (v.rank < min_rank || v.rank > max_rank) {
        if (min_rank == max_rank)
            return fail(func, "layer '%s' has dims %s: expected rank %d", lname, dims_text(d).c_str(), min_rank);
        return fail(func, "layer '%s' has dims %s: expected rank %d to %d", lname, dims_text(d).c_str(), min_rank,
                    max_rank);
    }
    return true;
}

// A classifier head's layer: one score per class, as [C], [C,1,1], [1,C], [1,1,C], ... (exactly
// one extent other than 1, or all 1s for a single class). NVIDIA's sample classifier models give
// [C,1,1]; genuinely 2-D data is refused.
bool get_score_vector(const char* func, const ds::Vector<NvDsInferLayerInfo>& layers, const char* name, int head,
                      View& v) {
    if (!get_layer(func, layers, name, static_cast<size_t>(head), 1, static_cast<int>(kNvDsInferMaxDims), v))
        return false;
    int extents = 0;
    for (int i = 0; i < v.rank; ++i) extents += v.dims[i] != 1 ? 1 : 0;
    if (extents > 1)
        return fail(func, "head %d: layer '%s' has dims %s: expected one score per class ([C], [C,1,1] or [1,C])",
                    head, v.name(), dims_text(v.info->inferDims).c_str());
    return true;
}

// ------------------------------------------------------------------------------------------
// Scores, boxes, thresholds

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Applies a head's activation in place: softmax over the whole vector, or sigmoid per value.
void activate(Activation activation, std::vector<float>& values) {
    if (activation == Activation::kSoftmax) {
        const float m = *std::max_element(values.begin(), values.end());
        float sum = 0.0f;
        for (auto& v : values) sum += (v = std::exp(v - m));
        for (auto& v : values) v /= sum;
    } else if (activation == Activation::kSigmoid) {
        for (auto& v : values) v = sigmoid(v);
    }
}

float activate(Activation a, float x) { return a == Activation::kSigmoid ? sigmoid(x) : x; }

float class_threshold(const NvDsInferParseDetectionParams& dp, unsigned c, float fallback) {
    return c < dp.perClassPreclusterThreshold.size() ? dp.perClassPreclusterThreshold[c] : fallback;
}

// A declared class count may be below nvinfer's (unused classes); a count read off the layer
// must equal it, as NVIDIA's sample parsers require: otherwise a layer of another layout would
// be read with the wrong number of classes.
bool check_class_count(const char* func, const char* layer, unsigned num_classes, bool declared,
                       const NvDsInferParseDetectionParams& dp) {
    if (declared && num_classes > dp.numClassesConfigured)
        return fail(func,
                    "the model has %u classes but nvinfer is configured for %u (set num-detected-classes=%u in the "
                    "[property] group)",
                    num_classes, dp.numClassesConfigured, num_classes);
    if (!declared && num_classes != dp.numClassesConfigured)
        return fail(func,
                    "layer '%s' holds %u class%s but num-detected-classes=%u; the declaration leaves the class count "
                    "open, so the layer must match nvinfer's (check the layer's layout, then set "
                    "num-detected-classes or declare num_classes)",
                    layer, num_classes, num_classes == 1 ? "" : "es", dp.numClassesConfigured);
    return true;
}

struct Candidate {
    unsigned cls;
    float score;
    float x1, y1, x2, y2;
    size_t row;  // index of the candidate in its layer
};

// Decodes a box to network-input pixels and clips it the way NVIDIA's sample parsers do: each
// coordinate into [0, W-1] x [0, H-1]. A box that clipping reduces to zero width or height
// (e.g. one wholly outside the input) is kept, as NVIDIA keeps it; an inverted box (right < left)
// or one smaller than min_size is dropped. Returns false for a box to drop; sets *nonfinite when
// a coordinate was NaN or infinite.
bool decode_box(BoxFormat f, int normalized, float a, float b, float c, float d, const NvDsInferNetworkInfo& net,
                float min_size, Candidate& out, bool* nonfinite) {
    if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || !std::isfinite(d)) {
        *nonfinite = true;
        return false;
    }
    float x1, y1, x2, y2;
    switch (f) {
        case BoxFormat::kCxCyWH: x1 = a - c * 0.5f; y1 = b - d * 0.5f; x2 = a + c * 0.5f; y2 = b + d * 0.5f; break;
        case BoxFormat::kXYXY: x1 = a; y1 = b; x2 = c; y2 = d; break;
        case BoxFormat::kXYWH: x1 = a; y1 = b; x2 = a + c; y2 = b + d; break;
        case BoxFormat::kYXYX: x1 = b; y1 = a; x2 = d; y2 = c; break;
        default: return false;
    }
    const float w = static_cast<float>(net.width), h = static_cast<float>(net.height);
    if (normalized) {
        x1 *= w; x2 *= w; y1 *= h; y2 *= h;
    }
    const float max_x = std::max(w - 1.0f, 0.0f), max_y = std::max(h - 1.0f, 0.0f);
    x1 = std::clamp(x1, 0.0f, max_x);
    x2 = std::clamp(x2, 0.0f, max_x);
    y1 = std::clamp(y1, 0.0f, max_y);
    y2 = std::clamp(y2, 0.0f, max_y);
    if (!(x2 - x1 >= 0.0f) || !(y2 - y1 >= 0.0f) || x2 - x1 < min_size || y2 - y1 < min_size) return false;
    out.x1 = x1; out.y1 = y1; out.x2 = x2; out.y2 = y2;
    return true;
}

float iou(const Candidate& a, const Candidate& b) {
    const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
    const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
    if (iw <= 0.0f || ih <= 0.0f) return 0.0f;
    const float inter = iw * ih;
    const float uni = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
    return uni > 0.0f ? inter / uni : 0.0f;
}

// Orders candidates best first (ties by row), optionally suppresses same-class overlaps above
// `nms_iou`, and keeps the `max` best (all when max <= 0).
void rank_candidates(std::vector<Candidate>& c, int max, float nms_iou = 0.0f) {
    auto better = [](const Candidate& a, const Candidate& b) {
        return a.score > b.score || (a.score == b.score && a.row < b.row);
    };
    if (nms_iou > 0.0f) {
        std::sort(c.begin(), c.end(), better);
        std::vector<Candidate> kept;
        kept.reserve(c.size());
        for (const auto& cand : c) {
            bool suppressed = false;
            for (const auto& k : kept)
                if (k.cls == cand.cls && iou(k, cand) > nms_iou) {
                    suppressed = true;
                    break;
                }
            if (!suppressed) {
                kept.push_back(cand);
                if (max > 0 && kept.size() == static_cast<size_t>(max)) break;
            }
        }
        c.swap(kept);
    } else if (max > 0 && c.size() > static_cast<size_t>(max)) {
        std::partial_sort(c.begin(), c.begin() + max, c.end(), better);
        c.resize(static_cast<size_t>(max));
    } else {
        std::sort(c.begin(), c.end(), better);
    }
}

template <typename Obj>
void fill_box(const Candidate& c, Obj& o) {
    o.classId = c.cls;
    o.left = c.x1;
    o.top = c.y1;
    o.width = c.x2 - c.x1;
    o.height = c.y2 - c.y1;
    o.detectionConfidence = c.score;
}

bool emit_detections(const char* func, const std::vector<Candidate>& cands,
                     ds::Vector<NvDsInferObjectDetectionInfo>& out) {
    const size_t before = out.size();
    try {
        out.reserve(before + cands.size());
        for (const auto& c : cands) {
            NvDsInferObjectDetectionInfo o{};
            fill_box(c, o);
#if TRTPLUG_DS_HAS_ROTATION_ANGLE
            o.rotation_angle = 0.0f;
#endif
            out.push_back(o);
        }
    } catch (...) {
        out.resize(before);
        return fail(func, "out of memory while adding %zu objects", cands.size());
    }
    return true;
}

const char* const kNonFiniteCandidates = "candidates with NaN or infinite values";
const char* const kNonFiniteDetections = "detections with NaN or infinite values";
const char* const kBadClassDetections = "detections whose class id is not one of nvinfer's classes";

// ------------------------------------------------------------------------------------------
// Dense YOLO-style heads

struct DenseLayout {
    View v;
    size_t n = 0;      // candidates
    size_t attrs = 0;  // values per candidate
    unsigned classes = 0;
    float value(size_t row, size_t a, int transposed) const {
        return transposed ? v.at(a * n + row) : v.at(row * attrs + a);
    }
};

bool dense_layout(const DenseParams& p, const ds::Vector<NvDsInferLayerInfo>& layers, int mask_coeffs,
                  DenseLayout& L) {
    if (!get_layer(p.func_name, layers, p.layer, 0, 2, 2, L.v)) return false;
    L.n = p.transposed ? L.v.dims[1] : L.v.dims[0];
    L.attrs = p.transposed ? L.v.dims[0] : L.v.dims[1];
    const size_t fixed = 4 + (p.objectness ? 1 : 0) + static_cast<size_t>(mask_coeffs);
    const char* shape = p.transposed ? "[4+classes, N]" : "[N, 4+classes]";
    if (p.num_classes > 0) {
        if (L.attrs != fixed + static_cast<size_t>(p.num_classes))
            return fail(p.func_name,
                        "layer '%s' has %zu values per candidate; %zu expected (4 box%s, %d classes%s%s) in %s layout",
                        L.v.name(), L.attrs, fixed + p.num_classes, p.objectness ? ", 1 objectness" : "",
                        p.num_classes, mask_coeffs ? ", mask coefficients: " : "",
                        mask_coeffs ? std::to_string(mask_coeffs).c_str() : "", shape);
        L.classes = static_cast<unsigned>(p.num_classes);
    } else {
        if (L.attrs <= fixed)
            return fail(p.func_name, "layer '%s' has %zu values per candidate: too few for %zu fixed values and a class in %s layout",
                        L.v.name(), L.attrs, fixed, shape);
        L.classes = static_cast<unsigned>(L.attrs - fixed);
    }
    return true;
}

bool dense_candidates(const DenseParams& p, const DenseLayout& L, const NvDsInferNetworkInfo& net,
                      const NvDsInferParseDetectionParams& dp, std::vector<Candidate>& cands) {
    if (!check_class_count(p.func_name, L.v.name(), L.classes, p.num_classes > 0, dp)) return false;
    const size_t cls0 = p.objectness ? 5 : 4;
    SkippedRows nonfinite;
    for (size_t r = 0; r < L.n; ++r) {
        float obj = 1.0f;
        if (p.objectness) {
            obj = activate(p.score_activation, L.value(r, 4, p.transposed));
            if (!std::isfinite(obj)) {
                nonfinite.add("layer '%s' candidate %zu: objectness %g", L.v.name(), r, static_cast<double>(obj));
                continue;
            }
        }
        unsigned best = 0;
        float best_score = -std::numeric_limits<float>::infinity();
        bool bad = false;
        for (unsigned c = 0; c < L.classes; ++c) {
            float s = activate(p.score_activation, L.value(r, cls0 + c, p.transposed));
            if (!std::isfinite(s)) {
                bad = true;
                break;
            }
            if (s > best_score) {
                best_score = s;
                best = c;
            }
        }
        if (bad) {
            nonfinite.add("layer '%s' candidate %zu: a class score", L.v.name(), r);
            continue;
        }
        const float score = obj * best_score;
        if (!std::isfinite(score)) {  // finite factors can overflow: 1e20 * 1e20 is inf
            nonfinite.add("layer '%s' candidate %zu: objectness %g times class score %g overflows", L.v.name(), r,
                          static_cast<double>(obj), static_cast<double>(best_score));
            continue;
        }
        if (!(score >= class_threshold(dp, best, p.default_threshold))) continue;
        Candidate c{best, score, 0, 0, 0, 0, r};
        bool nf = false;
        if (!decode_box(p.box, p.normalized, L.value(r, 0, p.transposed), L.value(r, 1, p.transposed),
                        L.value(r, 2, p.transposed), L.value(r, 3, p.transposed), net, p.min_box_size, c, &nf)) {
            if (nf) nonfinite.add("layer '%s' candidate %zu: a box coordinate", L.v.name(), r);
            continue;
        }
        cands.push_back(c);
    }
    report_skipped(p.func_name, "skipped", kNonFiniteCandidates, nonfinite);
    rank_candidates(cands, p.max_candidates, p.nms_iou);
    return true;
}

bool check_box_layers(const char* func, const View& boxes, const View& other, const char* what) {
    if (other.numel != boxes.dims[0])
        return fail(func, "layer '%s' (%s) has %zu elements but boxes layer '%s' has %zu rows", other.name(), what,
                    other.numel, boxes.name(), boxes.dims[0]);
    return true;
}

// Reads the optional count layer of an NMS-style output; K is the number of rows.
bool read_count(const char* func, const ds::Vector<NvDsInferLayerInfo>& layers, const char* count_layer, size_t k,
                size_t& count) {
    count = k;
    if (!count_layer) return true;
    View cv;
    if (!get_layer(func, layers, count_layer, 0, 1, 1, cv)) return false;
    if (cv.numel < 1) return fail(func, "count layer '%s' is empty", cv.name());
    const float v = cv.at(0);
    if (!std::isfinite(v) || v < 0.0f || v != std::floor(v) || v > static_cast<float>(k))
        return fail(func, "count layer '%s' says %g detections; expected an integer from 0 to %zu (the boxes layer's rows)",
                    cv.name(), static_cast<double>(v), k);
    count = static_cast<size_t>(v);
    return true;
}

// Reads row i's class id; when it is not an integer in [0, num_configured), records why in
// `skipped` and returns false.
bool row_class(const View& classes, size_t i, unsigned num_configured, unsigned& cls, SkippedRows& skipped) {
    const float v = classes.at(i);
    if (!std::isfinite(v) || v < 0.0f || v != std::floor(v) || v >= static_cast<float>(num_configured)) {
        skipped.add("layer '%s' row %zu: class id %g with num-detected-classes=%u", classes.name(), i,
                    static_cast<double>(v), num_configured);
        return false;
    }
    cls = static_cast<unsigned>(v);
    return true;
}

// The lowest pre-cluster threshold of any class: rows scoring below it (e.g. an NMS layer's
// padding) are dropped before their class id is looked at.
float lowest_threshold(const NvDsInferParseDetectionParams& dp, float fallback) {
    const bool all_set =
        dp.numClassesConfigured > 0 && dp.perClassPreclusterThreshold.size() >= dp.numClassesConfigured;
    float lowest = all_set ? std::numeric_limits<float>::max() : fallback;
    for (size_t c = 0; c < dp.perClassPreclusterThreshold.size() && c < dp.numClassesConfigured; ++c)
        lowest = std::min(lowest, dp.perClassPreclusterThreshold[c]);
    return lowest;
}

// Starts row i of NMS-style scores [K] and classes [K] layers as a candidate. False for a row to
// skip: silently for a score below `lowest`, noted in `nonfinite` or `bad_class` for a NaN or
// infinite score or a class id nvinfer does not know.
bool start_candidate(const View& scores, const View& classes, size_t i, float lowest, unsigned num_configured,
                     Candidate& c, SkippedRows& nonfinite, SkippedRows& bad_class) {
    const float s = scores.at(i);
    if (!std::isfinite(s)) {
        nonfinite.add("layer '%s' row %zu: score %g", scores.name(), i, static_cast<double>(s));
        return false;
    }
    if (!(s >= lowest)) return false;
    unsigned cls = 0;
    if (!row_class(classes, i, num_configured, cls, bad_class)) return false;
    c = Candidate{cls, s, 0, 0, 0, 0, i};
    return true;
}

// Decodes row i of a boxes layer [K,4] into c (see decode_box); false for a box to drop, with a
// NaN or infinite coordinate noted in `nonfinite`.
bool decode_row_box(const View& boxes, size_t i, BoxFormat f, int normalized, const NvDsInferNetworkInfo& net,
                    float min_size, Candidate& c, SkippedRows& nonfinite) {
    bool nf = false;
    if (decode_box(f, normalized, boxes.at(i * 4), boxes.at(i * 4 + 1), boxes.at(i * 4 + 2), boxes.at(i * 4 + 3), net,
                   min_size, c, &nf))
        return true;
    if (nf) nonfinite.add("layer '%s' row %zu: a box coordinate", boxes.name(), i);
    return false;
}

#if TRTPLUG_DS_HAS_INSTANCE_MASK
void release_masks(ds::Vector<NvDsInferInstanceMaskInfo>& out, size_t from) {
    for (size_t i = from; i < out.size(); ++i) delete[] out[i].mask;
    out.resize(from);
}
#endif

}  // namespace

// ------------------------------------------------------------------------------------------
// Entry points

bool parse_dense(const DenseParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                 const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                 ds::Vector<NvDsInferObjectDetectionInfo>& out) noexcept {
    try {
        DenseLayout L;
        if (!dense_layout(p, layers, 0, L)) return false;
        std::vector<Candidate> cands;
        if (!dense_candidates(p, L, net, dp, cands)) return false;
        return emit_detections(p.func_name, cands, out);
    } catch (...) {
        return fail(p.func_name, "out of memory");
    }
}

bool parse_nms(const NmsParams& p, const ds::Vector<NvDsInferLayerInfo>& layers, const NvDsInferNetworkInfo& net,
               const NvDsInferParseDetectionParams& dp, ds::Vector<NvDsInferObjectDetectionInfo>& out) noexcept {
    try {
        View boxes, scores, classes;
        if (!get_layer(p.func_name, layers, p.boxes_layer, 0, 2, 2, boxes)) return false;
        if (boxes.dims[1] != 4)
            return fail(p.func_name, "boxes layer '%s' has %zu values per box; expected 4", boxes.name(), boxes.dims[1]);
        if (!get_layer(p.func_name, layers, p.scores_layer, 0, 1, 2, scores) ||
            !get_layer(p.func_name, layers, p.classes_layer, 0, 1, 2, classes))
            return false;
        if (!check_box_layers(p.func_name, boxes, scores, "scores") ||
            !check_box_layers(p.func_name, boxes, classes, "classes"))
            return false;
        size_t count = 0;
        if (!read_count(p.func_name, layers, p.count_layer, boxes.dims[0], count)) return false;
        std::vector<Candidate> cands;
        SkippedRows nonfinite, bad_class;
        const float lowest = lowest_threshold(dp, p.default_threshold);
        for (size_t i = 0; i < count; ++i) {
            Candidate c{};
            if (!start_candidate(scores, classes, i, lowest, dp.numClassesConfigured, c, nonfinite, bad_class)) continue;
            if (!(c.score >= class_threshold(dp, c.cls, p.default_threshold))) continue;
            if (!decode_row_box(boxes, i, p.box, p.normalized, net, p.min_box_size, c, nonfinite)) continue;
            cands.push_back(c);
        }
        report_skipped(p.func_name, "skipped", kNonFiniteDetections, nonfinite);
        report_skipped(p.func_name, "skipped", kBadClassDetections, bad_class);
        return emit_detections(p.func_name, cands, out);
    } catch (...) {
        return fail(p.func_name, "out of memory");
    }
}

bool parse_boxes_scores(const BoxesScoresParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                        const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                        ds::Vector<NvDsInferObjectDetectionInfo>& out) noexcept {
    try {
        View boxes, scores;
        if (!get_layer(p.func_name, layers, p.boxes_layer, 0, 2, 2, boxes)) return false;
        if (boxes.dims[1] != 4)
            return fail(p.func_name, "boxes layer '%s' has %zu values per box; expected 4", boxes.name(), boxes.dims[1]);
        if (!get_layer(p.func_name, layers, p.scores_layer, 0, 2, 2, scores)) return false;
        if (scores.dims[0] != boxes.dims[0])
            return fail(p.func_name, "scores layer '%s' has %zu rows but boxes layer '%s' has %zu", scores.name(),
                        scores.dims[0], boxes.name(), boxes.dims[0]);
        const size_t n = boxes.dims[0], nc = scores.dims[1];
        long bg = p.background_class == kBackgroundLast ? static_cast<long>(nc) - 1 : p.background_class;
        if (bg >= static_cast<long>(nc))
            return fail(p.func_name, "background class %ld is outside the %zu scores of layer '%s'", bg, nc,
                        scores.name());
        const unsigned num_classes = static_cast<unsigned>(bg == static_cast<long>(nc) - 1 ? nc - 1 : nc);
        if (num_classes == 0) return fail(p.func_name, "scores layer '%s' has no class besides the background", scores.name());
        if (p.num_classes > 0 && num_classes != static_cast<unsigned>(p.num_classes))
            return fail(p.func_name,
                        "scores layer '%s' holds %u classes (%zu scores per box%s) but the declaration says %d",
                        scores.name(), num_classes, nc, bg >= 0 ? ", background included" : "", p.num_classes);
        if (!check_class_count(p.func_name, scores.name(), num_classes, p.num_classes > 0, dp)) return false;
        std::vector<float> row(nc);
        std::vector<Candidate> cands;
        SkippedRows nonfinite;
        for (size_t i = 0; i < n; ++i) {
            bool bad = false;
            for (size_t c = 0; c < nc; ++c) {
                row[c] = scores.at(i * nc + c);
                if (!std::isfinite(row[c])) bad = true;
            }
            if (bad) {
                nonfinite.add("layer '%s' row %zu: a score", scores.name(), i);
                continue;
            }
            activate(p.score_activation, row);
            Candidate box{0, 0, 0, 0, 0, 0, i};
            if (!decode_row_box(boxes, i, p.box, p.normalized, net, p.min_box_size, box, nonfinite)) continue;
            long best = -1;
            for (size_t c = 0; c < nc; ++c) {
                if (static_cast<long>(c) == bg) continue;
                if (p.multi_label) {
                    if (row[c] >= class_threshold(dp, static_cast<unsigned>(c), p.default_threshold)) {
                        Candidate k = box;
                        k.cls = static_cast<unsigned>(c);
                        k.score = row[c];
                        cands.push_back(k);
                    }
                } else if (best < 0 || row[c] > row[static_cast<size_t>(best)]) {
                    best = static_cast<long>(c);
                }
            }
            if (!p.multi_label && best >= 0 &&
                row[static_cast<size_t>(best)] >= class_threshold(dp, static_cast<unsigned>(best), p.default_threshold)) {
                box.cls = static_cast<unsigned>(best);
                box.score = row[static_cast<size_t>(best)];
                cands.push_back(box);
            }
        }
        report_skipped(p.func_name, "skipped", kNonFiniteCandidates, nonfinite);
        rank_candidates(cands, p.max_candidates);
        return emit_detections(p.func_name, cands, out);
    } catch (...) {
        return fail(p.func_name, "out of memory");
    }
}

#if TRTPLUG_DS_HAS_INSTANCE_MASK
bool parse_instance_mask(const InstanceMaskParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                         const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                         ds::Vector<NvDsInferInstanceMaskInfo>& out) noexcept {
    const size_t before = out.size();
    try {
        View boxes, scores, classes, masks;
        if (!get_layer(p.func_name, layers, p.boxes_layer, 0, 2, 2, boxes)) return false;
        if (boxes.dims[1] != 4)
            return fail(p.func_name, "boxes layer '%s' has %zu values per box; expected 4", boxes.name(), boxes.dims[1]);
        if (!get_layer(p.func_name, layers, p.scores_layer, 0, 1, 2, scores) ||
            !get_layer(p.func_name, layers, p.classes_layer, 0, 1, 2, classes) ||
            !get_layer(p.func_name, layers, p.masks_layer, 0, 3, 4, masks))
            return false;
        if (!check_box_layers(p.func_name, boxes, scores, "scores") ||
            !check_box_layers(p.func_name, boxes, classes, "classes"))
            return false;
        if (masks.dims[0] != boxes.dims[0])
            return fail(p.func_name, "masks layer '%s' has %zu rows but boxes layer '%s' has %zu", masks.name(),
                        masks.dims[0], boxes.name(), boxes.dims[0]);
        const bool per_class = masks.rank == 4;
        const size_t mask_classes = per_class ? masks.dims[1] : 1;
        const size_t mh = masks.dims[masks.rank - 2], mw = masks.dims[masks.rank - 1];
        if (mh == 0 || mw == 0) return fail(p.func_name, "masks layer '%s' has an empty mask size", masks.name());
        size_t count = 0;
        if (!read_count(p.func_name, layers, p.count_layer, boxes.dims[0], count)) return false;
        SkippedRows nonfinite, bad_class, no_mask, nonfinite_mask;
        const float lowest = lowest_threshold(dp, p.default_threshold);
        for (size_t i = 0; i < count; ++i) {
            Candidate c{};
            if (!start_candidate(scores, classes, i, lowest, dp.numClassesConfigured, c, nonfinite, bad_class)) continue;
            if (per_class && c.cls >= mask_classes) {
                no_mask.add("row %zu: class %u, layer '%s' has %zu masks per object", i, c.cls, masks.name(),
                            mask_classes);
                continue;
            }
            if (!(c.score >= class_threshold(dp, c.cls, p.default_threshold))) continue;
            if (!decode_row_box(boxes, i, p.box, p.normalized, net, p.min_box_size, c, nonfinite)) continue;
            NvDsInferInstanceMaskInfo o{};
            fill_box(c, o);
            o.mask = new (std::nothrow) float[mh * mw];
            if (!o.mask) {
                release_masks(out, before);
                return fail(p.func_name, "out of memory allocating a %zux%zu mask", mw, mh);
            }
            const size_t base = (i * mask_classes + (per_class ? c.cls : 0)) * mh * mw;
            for (size_t k = 0; k < mh * mw; ++k) {
                float v = activate(p.mask_activation, masks.at(base + k));
                if (!std::isfinite(v)) {
                    v = 0.0f;
                    nonfinite_mask.add("layer '%s' row %zu", masks.name(), i);
                }
                o.mask[k] = v;
            }
            o.mask_width = static_cast<unsigned>(mw);
            o.mask_height = static_cast<unsigned>(mh);
            o.mask_size = static_cast<unsigned>(mh * mw * sizeof(float));
            try {
                out.push_back(o);
            } catch (...) {
                delete[] o.mask;
                throw;
            }
        }
        report_skipped(p.func_name, "skipped", kNonFiniteDetections, nonfinite);
        report_skipped(p.func_name, "skipped", kBadClassDetections, bad_class);
        report_skipped(p.func_name, "skipped", "detections whose class has no mask", no_mask);
        report_skipped(p.func_name, "set", "NaN or infinite mask values to 0", nonfinite_mask);
        return true;
    } catch (...) {
        release_masks(out, before);
        return fail(p.func_name, "out of memory");
    }
}

bool parse_yolo_seg(const YoloSegParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                    const NvDsInferNetworkInfo& net, const NvDsInferParseDetectionParams& dp,
                    ds::Vector<NvDsInferInstanceMaskInfo>& out) noexcept {
    const char* func = p.det.func_name;
    const size_t before = out.size();
    try {
        View protos;
        if (!get_layer(func, layers, p.protos_layer, 1, 3, 3, protos)) return false;
        const size_t m = protos.dims[0], ph = protos.dims[1], pw = protos.dims[2];
        if (p.num_mask_coeffs > 0 && m != static_cast<size_t>(p.num_mask_coeffs))
            return fail(func, "prototypes layer '%s' has %zu masks; the declaration says %d", protos.name(), m,
                        p.num_mask_coeffs);
        if (m == 0 || ph == 0 || pw == 0) return fail(func, "prototypes layer '%s' is empty", protos.name());
        if (net.width == 0 || net.height == 0) return fail(func, "network input size is %ux%u", net.width, net.height);
        DenseLayout L;
        if (!dense_layout(p.det, layers, static_cast<int>(m), L)) return false;
        std::vector<Candidate> cands;
        if (!dense_candidates(p.det, L, net, dp, cands)) return false;
        const size_t coeff0 = (p.det.objectness ? 5 : 4) + L.classes;
        const float sx = static_cast<float>(pw) / static_cast<float>(net.width);
        const float sy = static_cast<float>(ph) / static_cast<float>(net.height);
        std::vector<float> coeffs(m);
        SkippedRows bad_coeffs;
        out.reserve(before + cands.size());
        for (const auto& c : cands) {
            bool bad = false;
            for (size_t k = 0; k < m; ++k) {
                coeffs[k] = L.value(c.row, coeff0 + k, p.det.transposed);
                if (!std::isfinite(coeffs[k])) bad = true;
            }
            if (bad) {
                bad_coeffs.add("layer '%s' candidate %zu", L.v.name(), c.row);
                continue;
            }
            // The box's region of the prototype grid; the mask covers the box, as nvinfer expects.
            size_t x0 = static_cast<size_t>(std::clamp(std::floor(c.x1 * sx), 0.0f, static_cast<float>(pw - 1)));
            size_t y0 = static_cast<size_t>(std::clamp(std::floor(c.y1 * sy), 0.0f, static_cast<float>(ph - 1)));
            size_t x1 = static_cast<size_t>(std::clamp(std::ceil(c.x2 * sx), 0.0f, static_cast<float>(pw)));
            size_t y1 = static_cast<size_t>(std::clamp(std::ceil(c.y2 * sy), 0.0f, static_cast<float>(ph)));
            if (x1 <= x0) x1 = x0 + 1;
            if (y1 <= y0) y1 = y0 + 1;
            const size_t mw = x1 - x0, mh = y1 - y0;
            NvDsInferInstanceMaskInfo o{};
            fill_box(c, o);
            o.mask = new (std::nothrow) float[mw * mh];
            if (!o.mask) {
                release_masks(out, before);
                return fail(func, "out of memory allocating a %zux%zu mask", mw, mh);
            }
            for (size_t y = 0; y < mh; ++y)
                for (size_t x = 0; x < mw; ++x) {
                    float acc = 0.0f;
                    for (size_t k = 0; k < m; ++k) acc += coeffs[k] * protos.at((k * ph + y0 + y) * pw + x0 + x);
                    const float v = sigmoid(acc);
                    o.mask[y * mw + x] = std::isfinite(v) ? v : 0.0f;
                }
            o.mask_width = static_cast<unsigned>(mw);
            o.mask_height = static_cast<unsigned>(mh);
            o.mask_size = static_cast<unsigned>(mw * mh * sizeof(float));
            out.push_back(o);  // capacity reserved above
        }
        report_skipped(func, "skipped", "candidates with NaN or infinite mask coefficients", bad_coeffs);
        return true;
    } catch (...) {
        release_masks(out, before);
        return fail(func, "out of memory");
    }
}
#endif

bool parse_classifier(const ClassifierParams& p, const ds::Vector<NvDsInferLayerInfo>& layers,
                      const NvDsInferNetworkInfo&, float classifier_threshold, ds::Vector<NvDsInferAttribute>& out,
                      ds::String& description) noexcept {
    const size_t before = out.size();
    const size_t desc_before = description.size();
    auto rollback = [&]() {
        for (size_t i = before; i < out.size(); ++i) std::free(const_cast<char*>(out[i].attributeLabel));
        out.resize(before);
        description.resize(desc_before);
    };
    try {
        std::vector<float> prob;
        SkippedRows nonfinite;
        for (int h = 0; h < p.num_heads; ++h) {
            const ClassifierHead& head = p.heads[h];
            View v;
            if (!get_score_vector(p.func_name, layers, head.layer, h, v)) {
                rollback();
                return false;
            }
            if (head.num_labels > 0 && v.numel != static_cast<size_t>(head.num_labels)) {
                rollback();
                return fail(p.func_name, "head %d: layer '%s' has %zu scores but %d labels were declared", h, v.name(),
                            v.numel, head.num_labels);
            }
            if (v.numel == 0) {
                rollback();
                return fail(p.func_name, "head %d: layer '%s' is empty", h, v.name());
            }
            prob.resize(v.numel);
            bool bad = false;
            for (size_t c = 0; c < v.numel; ++c) {
                prob[c] = v.at(c);
                if (!std::isfinite(prob[c])) bad = true;
            }
            if (bad) {
                nonfinite.add("head %d, layer '%s'", h, v.name());
                continue;
            }
            activate(head.activation, prob);
            const float thr = head.threshold >= 0.0f ? head.threshold : classifier_threshold;
            auto add = [&](size_t c) -> bool {
                NvDsInferAttribute a{};
                a.attributeIndex = static_cast<unsigned>(h);
                a.attributeValue = static_cast<unsigned>(c);
                a.attributeConfidence = prob[c];
                a.attributeLabel = nullptr;
                if (head.labels) {
                    char* label = strdup(head.labels[c]);
                    if (!label) return false;
                    a.attributeLabel = label;
                    if (!description.empty()) description += ' ';
                    description += head.labels[c];
                }
                try {
                    out.push_back(a);
                } catch (...) {
                    std::free(const_cast<char*>(a.attributeLabel));
                    return false;
                }
                return true;
            };
            if (head.multi_label) {
                for (size_t c = 0; c < prob.size(); ++c)
                    if (prob[c] > thr && !add(c)) {
                        rollback();
                        return fail(p.func_name, "out of memory");
                    }
            } else {
                const size_t best = static_cast<size_t>(std::max_element(prob.begin(), prob.end()) - prob.begin());
                if (prob[best] > thr && !add(best)) {
                    rollback();
                    return fail(p.func_name, "out of memory");
                }
            }
        }
        report_skipped(p.func_name, "skipped", "heads with NaN or infinite scores (no attribute from them)", nonfinite);
        return true;
    } catch (...) {
        rollback();
        return fail(p.func_name, "out of memory");
    }
}

}  // namespace ds
}  // namespace trtplug
