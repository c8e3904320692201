// IPluginV2DynamicExt implemented once, by forwarding to the core runtime.
#include "trtplug_trt_plugin.h"

#include <cstdarg>
#include <cstdio>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "trtplug_expr_symbolic.h"
#include "trtplug_trt_log.h"

TRTPLUG_TRT_V2_BEGIN

namespace trtplug {
namespace trt {

PluginAdapter::PluginAdapter(const PluginDesc& desc, AttrValues values, const char* plugin_namespace)
    : desc_(&desc), values_(std::move(values)), namespace_(plugin_namespace ? plugin_namespace : "") {}

void PluginAdapter::log(Severity severity, const std::string& message) const noexcept {
    log_line(severity, namespace_.c_str(), desc_->name, message.c_str());
}

void PluginAdapter::log(Severity severity, const char* message) const noexcept {
    log_line(severity, namespace_.c_str(), desc_->name, message);
}

void PluginAdapter::log(Severity severity, const char* prefix, const std::string& message) const noexcept {
    log_format(severity, namespace_.c_str(), desc_->name, prefix, "%s", message.c_str());
}

void PluginAdapter::logf(Severity severity, const char* fmt, ...) const noexcept {
    va_list ap;
    va_start(ap, fmt);
    log_vformat(severity, namespace_.c_str(), desc_->name, "", fmt, ap);
    va_end(ap);
}

nvinfer1::AsciiChar const* PluginAdapter::getPluginType() const TRTPLUG_TRT_NOEXCEPT { return desc_->name; }

nvinfer1::AsciiChar const* PluginAdapter::getPluginVersion() const TRTPLUG_TRT_NOEXCEPT { return desc_->version; }

int32_t PluginAdapter::getNbOutputs() const TRTPLUG_TRT_NOEXCEPT { return desc_->n_outputs; }

int32_t PluginAdapter::initialize() TRTPLUG_TRT_NOEXCEPT {
    if (desc_->n_modules == 0) return 0;
    // Loading the kernel images now reports a missing architecture at engine creation, not at
    // the first inference.
    Error err;
    if (prepare_modules(*desc_, &err) != Status::kOk) {
        log(Severity::kError, "initialize: ", err.message);
        return 1;
    }
    return 0;
}

void PluginAdapter::terminate() TRTPLUG_TRT_NOEXCEPT {}

size_t PluginAdapter::getSerializationSize() const TRTPLUG_TRT_NOEXCEPT {
    return serialized_size(*desc_, values_);
}

void PluginAdapter::serialize(void* buffer) const TRTPLUG_TRT_NOEXCEPT {
    Error err;
    if (trtplug::serialize(*desc_, values_, buffer, serialized_size(*desc_, values_), &err) != Status::kOk) {
        log(Severity::kError, "serialize: ", err.message);
    }
}

void PluginAdapter::destroy() TRTPLUG_TRT_NOEXCEPT { delete this; }

nvinfer1::IPluginV2DynamicExt* PluginAdapter::clone() const TRTPLUG_TRT_NOEXCEPT {
    try {
        return new PluginAdapter(*this);
    } catch (...) {
        log(Severity::kError, "clone: out of memory");
        return nullptr;
    }
}

void PluginAdapter::setPluginNamespace(nvinfer1::AsciiChar const* plugin_namespace) TRTPLUG_TRT_NOEXCEPT {
    try {
        namespace_ = plugin_namespace ? plugin_namespace : "";
    } catch (...) {
        log(Severity::kError, "setPluginNamespace: out of memory");
    }
}

nvinfer1::AsciiChar const* PluginAdapter::getPluginNamespace() const TRTPLUG_TRT_NOEXCEPT {
    return namespace_.c_str();
}

nvinfer1::DataType PluginAdapter::getOutputDataType(int32_t index, nvinfer1::DataType const* input_types,
                                                    int32_t nb_inputs) const TRTPLUG_TRT_NOEXCEPT {
    const int32_t n_in = desc_->n_inputs;
    if (desc_->n_variants == 0 || index < 0 || index >= desc_->n_outputs) {
        logf(Severity::kError, "getOutputDataType: output index %d out of range (%d outputs)", index,
             desc_->n_outputs);
        return nvinfer1::DataType::kFLOAT;
    }
    // The variant whose leading input types agree longest with the given ones: an exact match when
    // there is one; otherwise supportsFormatCombination rejects the combination later.
    int32_t best = 0;
    int32_t best_len = -1;
    for (int32_t v = 0; v < desc_->n_variants; ++v) {
        int32_t len = 0;
        for (int32_t i = 0; i < n_in && i < nb_inputs && input_types; ++i, ++len) {
            DType t;
            if (!to_dtype(input_types[i], &t) || t != desc_->variants[v].io_types[i]) break;
        }
        if (len > best_len) {
            best = v;
            best_len = len;
        }
    }
    return static_cast<nvinfer1::DataType>(static_cast<int32_t>(desc_->variants[best].io_types[n_in + index]));
}

void PluginAdapter::attachToContext(cudnnContext*, cublasContext*, nvinfer1::IGpuAllocator*) TRTPLUG_TRT_NOEXCEPT {
}

void PluginAdapter::detachFromContext() TRTPLUG_TRT_NOEXCEPT {}

nvinfer1::DimsExprs PluginAdapter::getOutputDimensions(int32_t output_index, nvinfer1::DimsExprs const* inputs,
                                                       int32_t nb_inputs,
                                                       nvinfer1::IExprBuilder& builder) TRTPLUG_TRT_NOEXCEPT {
    nvinfer1::DimsExprs result{};
    result.nbDims = -1;  // what TensorRT receives when the shape cannot be computed (the cause is logged)
    try {
        if (output_index < 0 || output_index >= desc_->n_outputs) {
            logf(Severity::kError, "getOutputDimensions: output index %d out of range (%d outputs)",
                 output_index, desc_->n_outputs);
            return result;
        }
        if (nb_inputs != desc_->n_inputs || (nb_inputs > 0 && inputs == nullptr)) {
            logf(Severity::kError, "getOutputDimensions: got %d inputs, the plugin takes %d", nb_inputs,
                 desc_->n_inputs);
            return result;
        }
        for (int32_t i = 0; i < nb_inputs; ++i) {
            const int32_t want = desc_->input_ranks ? desc_->input_ranks[i] : -1;
            if (inputs[i].nbDims < 0 || inputs[i].nbDims > kMaxRank || (want >= 0 && inputs[i].nbDims != want)) {
                logf(Severity::kError, "getOutputDimensions: input %d ('%s') has rank %d, expected %s%d", i,
                     desc_->io_names[i], inputs[i].nbDims, want >= 0 ? "" : "at most ",
                     want >= 0 ? want : kMaxRank);
                return result;
            }
        }
        // Constraints and output dims that the constant input dims decide fail the build now;
        // the rest are checked against the profile in configurePlugin and at every enqueue.
        Shape known[kMaxTensors];
        for (int32_t i = 0; i < nb_inputs && i < kMaxTensors; ++i) known[i] = known_dims(inputs[i]);
        Error err;
        if (nb_inputs <= kMaxTensors && check_known_shapes(*desc_, values_, known, output_index, &err) != Status::kOk) {
            log(Severity::kError, "getOutputDimensions: ", err.message);
            return result;
        }
        const OutputDesc& od = desc_->outputs[output_index];
        if (od.copy_input_shape) {
            if (od.input < 0 || od.input >= nb_inputs) {
                logf(Severity::kError, "getOutputDimensions: output %d copies the shape of input %d, which "
                     "does not exist", output_index, od.input);
                return result;
            }
            return inputs[od.input];
        }
        if (od.rank < 0 || od.rank > kMaxRank) {
            logf(Severity::kError, "getOutputDimensions: output %d has rank %d", output_index, od.rank);
            return result;
        }
        DimsExprBuilder walker(inputs, nb_inputs, builder);
        nvinfer1::DimsExprs out{};
        out.nbDims = od.rank;
        for (int32_t a = 0; a < od.rank; ++a) {
            std::string error;
            if (!eval_symbolic(od.shape[a], walker, desc_, &values_, &out.d[a], &error)) {
                logf(Severity::kError, "getOutputDimensions: output '%s' dimension %d: %s",
                     desc_->io_names[desc_->n_inputs + output_index], a, error.c_str());
                return result;
            }
        }
        return out;
    } catch (...) {
        log(Severity::kError, "getOutputDimensions: out of memory");
        return result;
    }
}

bool PluginAdapter::supportsFormatCombination(int32_t pos, nvinfer1::PluginTensorDesc const* in_out,
                                              int32_t nb_inputs, int32_t nb_outputs) TRTPLUG_TRT_NOEXCEPT {
    // Called many times while TensorRT explores formats: rejections are normal and not logged.
    if (in_out == nullptr || nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || pos < 0 ||
        pos >= nb_inputs + nb_outputs) {
        return false;
    }
    if (in_out[pos].format != nvinfer1::TensorFormat::kLINEAR) return false;
    DType types[kMaxTensors];
    if (pos >= static_cast<int32_t>(sizeof types / sizeof types[0])) return false;
    for (int32_t i = 0; i <= pos; ++i) {
        if (!to_dtype(in_out[i].type, &types[i])) return false;
    }
    return variant_prefix_supported(*desc_, types, pos);
}

int32_t PluginAdapter::variant_for(nvinfer1::PluginTensorDesc const* inputs,
                                   nvinfer1::PluginTensorDesc const* outputs, const char* where,
                                   bool report) const noexcept {
    const int32_t n_in = desc_->n_inputs;
    const int32_t n_out = desc_->n_outputs;
    DType types[kMaxTensors];
    bool representable = n_in + n_out <= static_cast<int32_t>(sizeof types / sizeof types[0]);
    for (int32_t i = 0; representable && i < n_in + n_out; ++i) {
        representable = to_dtype(i < n_in ? inputs[i].type : outputs[i - n_in].type, &types[i]);
    }
    const int32_t variant = representable ? find_variant(*desc_, types) : -1;
    if (variant < 0 && report) {
        try {
            logf(Severity::kError, "%s: no variant for the data types (%s); supported: %s", where,
                 describe_types(inputs, n_in, outputs, n_out).c_str(),
                 supported_types(*desc_).c_str());
        } catch (...) {
            logf(Severity::kError, "%s: no variant for these data types", where);
        }
    }
    return variant;
}

bool PluginAdapter::shapes_accepted(nvinfer1::DynamicPluginTensorDesc const* in,
                                    int32_t nb_inputs) const noexcept {
    for (int32_t which = 0; which < kProfileShapeSets; ++which) {
        Shape shapes[kMaxTensors];
        if (nb_inputs > kMaxTensors || !concrete_shapes(in, nb_inputs, which, shapes)) continue;
        Error err;
        Status s = check_constraints(*desc_, values_, shapes, &err);
        for (int32_t o = 0; s == Status::kOk && o < desc_->n_outputs; ++o) {
            Shape ignored;
            s = output_shape(*desc_, values_, shapes, o, &ignored, &err);
        }
        if (s == Status::kOk) continue;
        try {
            std::string given;
            for (int32_t i = 0; i < nb_inputs; ++i) {
                given += (i ? ", " : "") + std::string(desc_->io_names[i]) + " " + detail::shape_text(shapes[i]);
            }
            log(Severity::kError, "configurePlugin: ",
                std::string("the ") + kProfileLabels[which] + " input shapes (" + given + "): " + err.message);
        } catch (...) {
            log(Severity::kError, "configurePlugin: ", err.message);
        }
        return false;
    }
    return true;
}

void PluginAdapter::configurePlugin(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs,
                                    nvinfer1::DynamicPluginTensorDesc const* out,
                                    int32_t nb_outputs) TRTPLUG_TRT_NOEXCEPT {
    workspace_known_ = false;
    shapes_rejected_ = false;
    if (nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || (nb_inputs && !in) ||
        (nb_outputs && !out)) {
        logf(Severity::kError, "configurePlugin: got %d inputs and %d outputs, the plugin has %d and %d", nb_inputs,
             nb_outputs, desc_->n_inputs, desc_->n_outputs);
        return;
    }
    nvinfer1::PluginTensorDesc ins[kMaxTensors];
    nvinfer1::PluginTensorDesc outs[kMaxTensors];
    if (nb_inputs > kMaxTensors || nb_outputs > kMaxTensors) {
        log(Severity::kError, "configurePlugin: too many tensors");
        return;
    }
    Shape shapes[kMaxTensors];
    bool capacity_ok = true;
    for (int32_t i = 0; i < nb_inputs; ++i) {
        ins[i] = in[i].desc;
        capacity_ok = capacity_shape(in[i], &shapes[i]) && capacity_ok;
    }
    for (int32_t i = 0; i < nb_outputs; ++i) outs[i] = out[i].desc;
    const int32_t variant = variant_for(ins, outs, "configurePlugin", true);
    Error err;
    if (check_inputs(*desc_, shapes, nb_inputs, &err) != Status::kOk) {
        log(Severity::kError, "configurePlugin: ", err.message);
        return;
    }
    if (!shapes_accepted(in, nb_inputs)) {
        shapes_rejected_ = true;
        return;
    }
    if (variant < 0 || !capacity_ok) return;
    // What getWorkspaceSize answers for the max shapes, i.e. what TensorRT allocates; enqueue
    // checks the workspace its shapes need against it.
    size_t bytes = 0;
    if (workspace_size(*desc_, values_, variant, shapes, &bytes, &err) != Status::kOk) {
        log(Severity::kError, "configurePlugin: the workspace for the max input shapes: ", err.message);
        return;
    }
    workspace_capacity_ = bytes;
    workspace_known_ = true;
}

size_t PluginAdapter::getWorkspaceSize(nvinfer1::PluginTensorDesc const* inputs, int32_t nb_inputs,
                                       nvinfer1::PluginTensorDesc const* outputs,
                                       int32_t nb_outputs) const TRTPLUG_TRT_NOEXCEPT {
    if (nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || (nb_inputs && !inputs) ||
        (nb_outputs && !outputs)) {
        log(Severity::kError, "getWorkspaceSize: unexpected number of tensors");
        return 0;
    }
    const int32_t variant = variant_for(inputs, outputs, "getWorkspaceSize", true);
    if (variant < 0) return 0;
    Shape shapes[kMaxTensors];
    if (nb_inputs > kMaxTensors) return 0;
    for (int32_t i = 0; i < nb_inputs; ++i) shapes[i] = detail::shape_from_dims(inputs[i].dims);
    size_t bytes = 0;
    Error err;
    if (workspace_size(*desc_, values_, variant, shapes, &bytes, &err) != Status::kOk) {
        log(Severity::kError, "getWorkspaceSize: ", err.message);
        return 0;
    }
    return bytes;
}

int32_t PluginAdapter::enqueue(nvinfer1::PluginTensorDesc const* input_desc,
                               nvinfer1::PluginTensorDesc const* output_desc, void const* const* inputs,
                               void* const* outputs, void* workspace, cudaStream_t stream) TRTPLUG_TRT_NOEXCEPT {
    const int32_t n_in = desc_->n_inputs;
    const int32_t n_out = desc_->n_outputs;
    if ((n_in && (!input_desc || !inputs)) || (n_out && (!output_desc || !outputs)) || n_in > kMaxTensors ||
        n_out > kMaxTensors) {
        log(Severity::kError, "enqueue: missing tensor descriptions or pointers");
        return 1;
    }
    if (shapes_rejected_) {
        log(Severity::kError, "enqueue: not launching: configurePlugin rejected the input shapes (see its error)");
        return 1;
    }
    const int32_t variant = variant_for(input_desc, output_desc, "enqueue", true);
    if (variant < 0) return 1;
    TensorShapes in_shapes(input_desc, n_in);
    TensorShapes out_shapes(output_desc, n_out);
    Error err;
    LaunchPlanRef plan;
    if (launches_.plan(*desc_, values_, variant, in_shapes, &plan, &err) != Status::kOk) {
        log(Severity::kError, "enqueue: ", err.message);
        return 1;
    }
    const size_t needed = plan_workspace_bytes(*plan);
    // Without a configuration (TensorRT configures before every first enqueue), the size for the
    // current shapes is all that is known.
    const size_t capacity = workspace_known_ ? workspace_capacity_ : needed;
    if (needed > capacity) {
        logf(Severity::kError,
             "enqueue: the workspace needs %zu bytes for these input shapes, but TensorRT allocated %zu (the size "
             "for the max input shapes given to configurePlugin): the workspace shapes must not need more for "
             "any input shapes of the profile than for its max shapes", needed, capacity);
        return 1;
    }
    TensorArgs args{in_shapes, out_shapes, inputs, outputs, workspace, capacity};
    if (trtplug::enqueue(*desc_, *plan, args, static_cast<void*>(stream), &err) != Status::kOk) {
        log(Severity::kError, "enqueue: ", err.message);
        return 1;
    }
    return 0;
}

}  // namespace trt
}  // namespace trtplug

TRTPLUG_TRT_V2_END
