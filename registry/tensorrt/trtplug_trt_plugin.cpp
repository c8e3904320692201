// IPluginV2DynamicExt implemented once, by forwarding to the core runtime.
#include "trtplug_trt_plugin.h"

#include <cstdarg>
#include <string>
#include <utility>

#include "trtplug_trt_log.h"
#include "trtplug_trt_modules.h"

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
    return initialize_modules(*desc_, namespace_.c_str(), "");
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
    if (desc_->n_variants == 0 || index < 0 || index >= desc_->n_outputs) {
        logf(Severity::kError, "getOutputDataType: output index %d out of range (%d outputs)", index,
             desc_->n_outputs);
        return nvinfer1::DataType::kFLOAT;
    }
    return output_type_for(*desc_, index, input_types, nb_inputs);
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
        // Constraints and output dims that the constant input dims decide fail the build now;
        // the rest are checked against the profile in configurePlugin and at every enqueue.
        std::string error;
        if (!output_dims_exprs(*desc_, values_, output_index, inputs, nb_inputs, builder, &result, &error)) {
            log(Severity::kError, "getOutputDimensions: ", error);
        }
        return result;
    } catch (...) {
        log(Severity::kError, "getOutputDimensions: out of memory");
        return result;
    }
}

bool PluginAdapter::supportsFormatCombination(int32_t pos, nvinfer1::PluginTensorDesc const* in_out,
                                              int32_t nb_inputs, int32_t nb_outputs) TRTPLUG_TRT_NOEXCEPT {
    if (!format_query_valid(*desc_, in_out, pos, nb_inputs, nb_outputs)) return false;
    nvinfer1::DataType types[kMaxTensors];
    for (int32_t i = 0; i <= pos; ++i) types[i] = in_out[i].type;
    return format_supported(*desc_, pos, types, in_out[pos].format);
}

void PluginAdapter::configurePlugin(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs,
                                    nvinfer1::DynamicPluginTensorDesc const* out,
                                    int32_t nb_outputs) TRTPLUG_TRT_NOEXCEPT {
    // Records what getWorkspaceSize answers for the max shapes, i.e. what TensorRT allocates, and
    // whether the profile's shapes were refused; enqueue respects both.
    std::string error;
    if (!configure_for(*desc_, values_, in, nb_inputs, out, nb_outputs, &config_, &error)) {
        log(Severity::kError, "configurePlugin: ", error);
    }
}

size_t PluginAdapter::getWorkspaceSize(nvinfer1::PluginTensorDesc const* inputs, int32_t nb_inputs,
                                       nvinfer1::PluginTensorDesc const* outputs,
                                       int32_t nb_outputs) const TRTPLUG_TRT_NOEXCEPT {
    if (nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || (nb_inputs && !inputs) ||
        (nb_outputs && !outputs) || nb_inputs > kMaxTensors) {
        log(Severity::kError, "getWorkspaceSize: unexpected number of tensors");
        return 0;
    }
    try {
        std::string error;
        const int32_t variant = variant_for_types(*desc_, inputs, outputs, &error);
        if (variant < 0) {
            log(Severity::kError, "getWorkspaceSize: ", error);
            return 0;
        }
        Shape shapes[kMaxTensors];
        for (int32_t i = 0; i < nb_inputs; ++i) shapes[i] = detail::shape_from_dims(inputs[i].dims);
        size_t bytes = 0;
        Error err;
        if (workspace_size(*desc_, values_, variant, shapes, &bytes, &err) != Status::kOk) {
            log(Severity::kError, "getWorkspaceSize: ", err.message);
            return 0;
        }
        return bytes;
    } catch (...) {
        log(Severity::kError, "getWorkspaceSize: out of memory");
        return 0;
    }
}

int32_t PluginAdapter::enqueue(nvinfer1::PluginTensorDesc const* input_desc,
                               nvinfer1::PluginTensorDesc const* output_desc, void const* const* inputs,
                               void* const* outputs, void* workspace, cudaStream_t stream) TRTPLUG_TRT_NOEXCEPT {
    // Without a configuration (TensorRT configures before every first enqueue), the workspace size
    // for the current shapes is all that is known.
    // IPluginV2 has no tactics: the plugin's first (default) one runs.
    std::string error;
    if (!enqueue_planned(*desc_, values_, kDefaultTactic, launches_, config_, input_desc, output_desc, inputs, outputs,
                         workspace, stream, &error)) {
        log(Severity::kError, "enqueue: ", error);
        return 1;
    }
    return 0;
}

}  // namespace trt
}  // namespace trtplug

TRTPLUG_TRT_V2_END
