// One plugin of a trtplug library as a TensorRT 7 IPluginExt (see trtplug_trt7_plugin.h).
#include "trtplug_trt7_plugin.h"

#include <cstdarg>
#include <string>
#include <utility>
#include <vector>

#include "trtplug_library.h"
#include "trtplug_trt7_bytes.h"
#include "trtplug_trt_log.h"
#include "trtplug_trt_modules.h"
#include "trtplug_util.h"

namespace trtplug {
namespace trt7 {

namespace {

using detail::dtype_name;
using detail::shape_from_dims;
using detail::shape_text;
using detail::strf;

// `sample` (per-sample dims of every input) with `batch` prepended; false (with why) when a rank
// does not fit.
bool with_batch(const PluginDesc& desc, const Shape* sample, int64_t batch, Shape* shapes, std::string* why) {
    for (int32_t i = 0; i < desc.n_inputs; ++i) {
        const Shape& s = sample[i];
        if (s.rank < 0 || s.rank + 1 > kMaxRank) {
            *why = strf("input '%s' has %d dimensions besides the batch; at most %d are supported", desc.io_names[i],
                        s.rank, kMaxRank - 1);
            return false;
        }
        shapes[i].rank = s.rank + 1;
        shapes[i].dims[0] = batch;
        for (int32_t a = 0; a < s.rank; ++a) shapes[i].dims[a + 1] = s.dims[a];
    }
    return true;
}

}  // namespace

Trt7Plugin::Trt7Plugin(const PluginDesc& desc, AttrValues values, const char* layer_name)
    : desc_(&desc), values_(std::move(values)),
      log_head_("layer '" + std::string(layer_name ? layer_name : "") + "': ") {}

void Trt7Plugin::log(Severity severity, const char* message) const noexcept {
    trt::log_format(severity, library().plugin_namespace, desc_->name, log_head_.c_str(), "%s", message);
}

void Trt7Plugin::log(Severity severity, const char* prefix, const std::string& message) const noexcept {
    trt::log_format(severity, library().plugin_namespace, desc_->name, log_head_.c_str(), "%s%s", prefix,
                    message.c_str());
}

void Trt7Plugin::logf(Severity severity, const char* fmt, ...) const noexcept {
    va_list ap;
    va_start(ap, fmt);
    trt::log_vformat(severity, library().plugin_namespace, desc_->name, log_head_.c_str(), fmt, ap);
    va_end(ap);
}

int32_t Trt7Plugin::uniform_variant(DType type) const noexcept {
    for (int32_t v = 0; v < desc_->n_variants; ++v) {
        bool all = true;
        for (int32_t i = 0; all && i < desc_->n_inputs + desc_->n_outputs; ++i) {
            all = desc_->variants[v].io_types[i] == type;
        }
        if (all) return v;
    }
    return -1;
}

bool Trt7Plugin::batched_inputs(int64_t batch, Shape* shapes, std::string* why) const {
    if (sample_inputs_.size() != static_cast<size_t>(desc_->n_inputs)) {
        *why = "the plugin holds no input dims";
        return false;
    }
    return with_batch(*desc_, sample_inputs_.data(), batch, shapes, why);
}

bool Trt7Plugin::sample_output(const Shape* sample_inputs, int32_t index, Shape* out, std::string* why) const {
    // Evaluated for two batch sizes: an output whose leading dimension is not the batch (or whose
    // other dimensions depend on it) cannot be a TensorRT 7 implicit-batch layer.
    Shape per_batch[2];
    for (int64_t batch = 1; batch <= 2; ++batch) {
        Shape shapes[kMaxInputs];
        if (desc_->n_inputs > kMaxInputs) {
            *why = strf("the plugin has %d inputs; a TensorRT 7 legacy layer here takes at most %d", desc_->n_inputs,
                        kMaxInputs);
            return false;
        }
        if (!with_batch(*desc_, sample_inputs, batch, shapes, why)) return false;
        Error err;
        if (check_inputs(*desc_, shapes, desc_->n_inputs, &err) != Status::kOk ||
            output_shape(*desc_, values_, shapes, index, &per_batch[batch - 1], &err) != Status::kOk) {
            *why = err.message;
            return false;
        }
        const Shape& full = per_batch[batch - 1];
        if (full.rank < 1 || full.dims[0] != batch) {
            *why = strf("output '%s' has shape %s for a batch of %lld: its first dimension is not the batch, "
                        "which a TensorRT 7 legacy layer needs",
                        desc_->io_names[desc_->n_inputs + index], shape_text(full).c_str(),
                        static_cast<long long>(batch));
            return false;
        }
    }
    out->rank = per_batch[0].rank - 1;
    for (int32_t a = 0; a < out->rank; ++a) {
        out->dims[a] = per_batch[0].dims[a + 1];
        if (per_batch[1].dims[a + 1] != out->dims[a]) {
            *why = strf("dimension %d of output '%s' changes with the batch size; a TensorRT 7 legacy layer needs "
                        "per-sample shapes that do not", a + 1, desc_->io_names[desc_->n_inputs + index]);
            return false;
        }
    }
    return true;
}

int32_t Trt7Plugin::getNbOutputs() const noexcept { return desc_->n_outputs; }

nvinfer1::Dims Trt7Plugin::getOutputDimensions(int32_t index, const nvinfer1::Dims* inputs,
                                                 int32_t nb_inputs) noexcept {
    nvinfer1::Dims result{};
    result.nbDims = -1;  // what TensorRT receives when the shape cannot be computed (the cause is logged)
    if (index < 0 || index >= desc_->n_outputs) {
        logf(Severity::kError, "getOutputDimensions: output index %d out of range (%d outputs)", index,
             desc_->n_outputs);
        return result;
    }
    if (nb_inputs != desc_->n_inputs || (nb_inputs > 0 && inputs == nullptr) || nb_inputs > kMaxInputs) {
        logf(Severity::kError, "getOutputDimensions: got %d inputs, the plugin takes %d", nb_inputs,
             desc_->n_inputs);
        return result;
    }
    try {
        Shape sample[kMaxInputs];
        for (int32_t i = 0; i < nb_inputs; ++i) sample[i] = shape_from_dims(inputs[i]);
        Shape out;
        std::string why;
        if (!sample_output(sample, index, &out, &why)) {
            log(Severity::kError, "getOutputDimensions: ", why);
            return result;
        }
        result.nbDims = out.rank;
        for (int32_t a = 0; a < out.rank; ++a) {
            if (out.dims[a] > INT32_MAX) {
                log(Severity::kError, "getOutputDimensions: a dimension does not fit TensorRT 7's 32-bit dims");
                result.nbDims = -1;
                return result;
            }
            result.d[a] = static_cast<int32_t>(out.dims[a]);
        }
        return result;
    } catch (...) {
        log(Severity::kError, "getOutputDimensions: out of memory");
        result.nbDims = -1;
        return result;
    }
}

bool Trt7Plugin::supportsFormat(nvinfer1::DataType type, nvinfer1::PluginFormat format) const noexcept {
    DType t;
    return format == nvinfer1::PluginFormat::kLINEAR && detail::dtype_from_trt(type, &t) && uniform_variant(t) >= 0;
}

void Trt7Plugin::configureWithFormat(const nvinfer1::Dims* input_dims, int32_t nb_inputs,
                                       const nvinfer1::Dims* output_dims, int32_t nb_outputs,
                                       nvinfer1::DataType type, nvinfer1::PluginFormat format,
                                       int32_t max_batch_size) noexcept {
    configured_ = false;
    if (nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || (nb_inputs && !input_dims)) {
        logf(Severity::kError, "configureWithFormat: got %d inputs and %d outputs, the plugin has %d and %d",
             nb_inputs, nb_outputs, desc_->n_inputs, desc_->n_outputs);
        return;
    }
    DType t;
    if (format != nvinfer1::PluginFormat::kLINEAR || !detail::dtype_from_trt(type, &t)) {
        logf(Severity::kError, "configureWithFormat: data type %d / format %d is not supported (linear layout of "
             "float32, float16, int8, int32 or bool only)", static_cast<int>(type), static_cast<int>(format));
        return;
    }
    const int32_t variant = uniform_variant(t);
    if (variant < 0) {
        logf(Severity::kError, "configureWithFormat: no dtype combination of this plugin has every tensor in %s, "
             "and a TensorRT 7 legacy layer uses one data type for all", dtype_name(t));
        return;
    }
    if (max_batch_size < 1) {
        logf(Severity::kError, "configureWithFormat: max batch size %d", max_batch_size);
        return;
    }
    try {
        std::vector<Shape> sample(static_cast<size_t>(nb_inputs));
        for (int32_t i = 0; i < nb_inputs; ++i) sample[static_cast<size_t>(i)] = shape_from_dims(input_dims[i]);
        for (int32_t o = 0; o < nb_outputs; ++o) {
            Shape out;
            std::string why;
            if (!sample_output(sample.data(), o, &out, &why)) {
                log(Severity::kError, "configureWithFormat: ", why);
                return;
            }
            if (output_dims != nullptr) {
                const Shape given = shape_from_dims(output_dims[o]);
                bool same = given.rank == out.rank;
                for (int32_t a = 0; same && a < out.rank; ++a) same = given.dims[a] == out.dims[a];
                if (!same) {
                    log(Severity::kError, "configureWithFormat: ",
                        strf("TensorRT gives output '%s' the dims %s, the plugin computes %s",
                             desc_->io_names[desc_->n_inputs + o], shape_text(given).c_str(),
                             shape_text(out).c_str()));
                    return;
                }
            }
        }
        sample_inputs_ = std::move(sample);
    } catch (...) {
        log(Severity::kError, "configureWithFormat: out of memory");
        return;
    }
    type_ = t;
    variant_ = variant;
    max_batch_ = max_batch_size;
    configured_ = true;
}

int32_t Trt7Plugin::initialize() noexcept {
    return trt::initialize_modules(*desc_, library().plugin_namespace, log_head_.c_str());
}

void Trt7Plugin::terminate() noexcept {}

bool Trt7Plugin::workspace_for_batch(int64_t batch, size_t* bytes, std::string* why) const {
    Shape shapes[kMaxInputs];
    if (desc_->n_inputs > kMaxInputs || !batched_inputs(batch, shapes, why)) {
        if (why->empty()) *why = "too many inputs";
        return false;
    }
    Error err;
    if (workspace_size(*desc_, values_, variant_, shapes, bytes, &err) != Status::kOk) {
        *why = err.message;
        return false;
    }
    return true;
}

size_t Trt7Plugin::getWorkspaceSize(int32_t max_batch_size) const noexcept {
    if (!configured_) {
        log(Severity::kError, "getWorkspaceSize: the plugin was not configured (configureWithFormat)");
        return 0;
    }
    try {
        size_t bytes = 0;
        std::string why;
        if (!workspace_for_batch(max_batch_size, &bytes, &why)) {
            log(Severity::kError, "getWorkspaceSize: ", why);
            return 0;
        }
        return bytes;
    } catch (...) {
        log(Severity::kError, "getWorkspaceSize: out of memory");
        return 0;
    }
}

int32_t Trt7Plugin::enqueue(int32_t batch_size, const void* const* inputs, void** outputs, void* workspace,
                              cudaStream_t stream) noexcept {
    if (!configured_) {
        log(Severity::kError, "enqueue: the plugin was not configured (configureWithFormat), and its serialized "
                              "form held no configuration");
        return 1;
    }
    if (batch_size < 1 || batch_size > max_batch_) {
        logf(Severity::kError, "enqueue: batch size %d outside 1..%d (the max batch size it was built for)",
             batch_size, max_batch_);
        return 1;
    }
    if ((desc_->n_inputs && !inputs) || (desc_->n_outputs && !outputs) || desc_->n_inputs > kMaxInputs ||
        desc_->n_outputs > kMaxInputs) {
        log(Severity::kError, "enqueue: missing tensor pointers");
        return 1;
    }
    try {
        Shape in_shapes[kMaxInputs];
        Shape out_shapes[kMaxInputs];
        std::string why;
        if (!batched_inputs(batch_size, in_shapes, &why)) {
            log(Severity::kError, "enqueue: ", why);
            return 1;
        }
        Error err;
        for (int32_t o = 0; o < desc_->n_outputs; ++o) {
            if (output_shape(*desc_, values_, in_shapes, o, &out_shapes[o], &err) != Status::kOk) {
                log(Severity::kError, "enqueue: ", err.message);
                return 1;
            }
        }
        // TensorRT allocated getWorkspaceSize(max batch): that is the capacity, whatever this batch needs.
        size_t needed = 0, capacity = 0;
        if (!workspace_for_batch(batch_size, &needed, &why) || !workspace_for_batch(max_batch_, &capacity, &why)) {
            log(Severity::kError, "enqueue: ", why);
            return 1;
        }
        if (needed > capacity) {
            logf(Severity::kError, "enqueue: the workspace needs %zu bytes for a batch of %d, but TensorRT allocated "
                 "%zu (the size for the max batch %d): the workspace shapes must not need more for a smaller batch",
                 needed, batch_size, capacity, max_batch_);
            return 1;
        }
        TensorArgs args{in_shapes, out_shapes, inputs, outputs, workspace, capacity};
        if (trtplug::enqueue(*desc_, values_, variant_, args, static_cast<void*>(stream), &err) != Status::kOk) {
            log(Severity::kError, "enqueue: ", err.message);
            return 1;
        }
        return 0;
    } catch (...) {
        log(Severity::kError, "enqueue: out of memory");
        return 1;
    }
}

size_t Trt7Plugin::trailer_size() const noexcept {
    size_t n = 4 + 2 + 2 + 4 + 4 + 4;
    if (configured_) {
        for (const Shape& s : sample_inputs_) n += 4 + 4 * static_cast<size_t>(s.rank);
    }
    return n;
}

size_t Trt7Plugin::getSerializationSize() noexcept { return serialized_size(*desc_, values_) + trailer_size(); }

void Trt7Plugin::serialize(void* buffer) noexcept {
    if (buffer == nullptr) {
        log(Severity::kError, "serialize: null buffer");
        return;
    }
    const size_t core = serialized_size(*desc_, values_);
    Error err;
    if (trtplug::serialize(*desc_, values_, buffer, core, &err) != Status::kOk) {
        log(Severity::kError, "serialize: ", err.message);
        return;
    }
    unsigned char* p = static_cast<unsigned char*>(buffer) + core;
    write_u32(p, kTrailerMagic);
    write_u16(p, kTrailerVersion);
    write_u16(p, configured_ ? 1 : 0);
    write_i32(p, configured_ ? static_cast<int32_t>(type_) : 0);
    write_i32(p, configured_ ? max_batch_ : 0);
    write_i32(p, configured_ ? desc_->n_inputs : 0);
    if (!configured_) return;
    for (const Shape& s : sample_inputs_) {
        write_i32(p, s.rank);
        for (int32_t a = 0; a < s.rank; ++a) write_i32(p, static_cast<int32_t>(s.dims[a]));
    }
}

bool Trt7Plugin::restore_configuration(const unsigned char* data, size_t length, std::string* why) noexcept {
    configured_ = false;
    try {
        return restore(data, length, why);
    } catch (...) {
        try {
            *why = "out of memory";
        } catch (...) {
        }
        return false;
    }
}

bool Trt7Plugin::restore(const unsigned char* data, size_t length, std::string* why) {
    if (length == 0) return true;  // a plain plugin blob: configureWithFormat comes later
    if (length < 20 || read_u32(data) != kTrailerMagic) {
        *why = strf("%zu bytes follow the plugin's attributes, but they are not a trtplug layer configuration",
                    length);
        return false;
    }
    if (read_u16(data + 4) != kTrailerVersion) {
        *why = strf("layer configuration format %u, this library reads %u", read_u16(data + 4), kTrailerVersion);
        return false;
    }
    const uint16_t configured = read_u16(data + 6);
    const int32_t type = read_i32(data + 8);
    const int32_t max_batch = read_i32(data + 12);
    const int32_t n_inputs = read_i32(data + 16);
    size_t pos = 20;
    if (configured == 0) {
        if (length != pos || n_inputs != 0) {
            *why = "unconfigured layer configuration with trailing bytes";
            return false;
        }
        return true;
    }
    if (configured != 1 || n_inputs != desc_->n_inputs || max_batch < 1 || type < 0 || type > 4) {
        *why = strf("layer configuration is inconsistent with the plugin (configured %u, %d inputs for %d, max "
                    "batch %d, data type %d)", configured, n_inputs, desc_->n_inputs, max_batch, type);
        return false;
    }
    std::vector<Shape> sample(static_cast<size_t>(n_inputs));
    for (size_t i = 0; i < sample.size(); ++i) {
        Shape& s = sample[i];
        if (length - pos < 4) {
            *why = strf("layer configuration truncated: %zu bytes, the dims of input %zu of %d are missing", length,
                        i, n_inputs);
            return false;
        }
        s.rank = read_i32(data + pos);
        pos += 4;
        if (s.rank < 0 || s.rank + 1 > kMaxRank) {
            *why = strf("layer configuration: bad input rank %d", s.rank);
            return false;
        }
        if (length - pos < 4 * static_cast<size_t>(s.rank)) {
            *why = strf("layer configuration truncated: %zu bytes, input %zu of rank %d needs %zu more", length, i,
                        s.rank, 4 * static_cast<size_t>(s.rank) - (length - pos));
            return false;
        }
        for (int32_t a = 0; a < s.rank; ++a, pos += 4) {
            s.dims[a] = read_i32(data + pos);
            if (s.dims[a] < 0) {
                *why = "layer configuration: negative dimension";
                return false;
            }
        }
    }
    if (pos != length) {
        *why = strf("layer configuration: %zu bytes expected, %zu present", pos, length);
        return false;
    }
    for (int32_t o = 0; o < desc_->n_outputs; ++o) {
        Shape out;
        if (!sample_output(sample.data(), o, &out, why)) return false;
    }
    const DType dtype = static_cast<DType>(type);
    const int32_t variant = uniform_variant(dtype);
    if (variant < 0) {
        *why = strf("layer configuration: no dtype combination with every tensor in %s", dtype_name(dtype));
        return false;
    }
    sample_inputs_ = std::move(sample);
    type_ = dtype;
    variant_ = variant;
    max_batch_ = max_batch;
    configured_ = true;
    return true;
}

}  // namespace trt7
}  // namespace trtplug
