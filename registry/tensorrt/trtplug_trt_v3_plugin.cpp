// IPluginV3 (core, build and runtime capabilities) implemented once, by forwarding to the core.
#include "trtplug_trt_v3_plugin.h"

#include <cstdio>
#include <new>
#include <utility>

namespace trtplug {
namespace trt {

bool tactic_of_id(const PluginDesc& desc, int32_t id, int32_t* tactic) noexcept {
    if (id < 0 || id > desc.n_tactics) return false;
    *tactic = id == 0 ? 0 : id - 1;
    return true;
}

std::string accepted_tactic_ids(const PluginDesc& desc) {
    std::string text = "0 (default)";
    for (int32_t t = 0; t < desc.n_tactics; ++t) {
        text += ", " + std::to_string(t + 1) + " (" + tactic_name(desc, t) + ")";
    }
    return text;
}

PluginV3::PluginV3(const PluginDesc& desc, AttrValues values, const char* plugin_namespace, int32_t tactic_id)
    : desc_(&desc), values_(std::move(values)), namespace_(plugin_namespace ? plugin_namespace : "") {
    if (tactic_of_id(desc, tactic_id, &tactic_)) tactic_id_ = tactic_id;  // the creator checked it
}

PluginV3::PluginV3(const PluginV3& other)
    : nvinfer1::IPluginV3(other),
      nvinfer1::IPluginV3OneCore(other),
      nvinfer1::IPluginV3OneBuild(other),
      nvinfer1::IPluginV3OneRuntime(other),
      desc_(other.desc_),
      values_(other.values_),
      namespace_(other.namespace_),
      config_(other.config_),
      launches_(other.launches_),
      tactic_id_(other.tactic_id_),
      tactic_(other.tactic_) {}

void PluginV3::log(const char* method, const std::string& message) const noexcept {
    log_pluginf(Severity::kError, namespace_, *desc_, "%s: %s", method, message.c_str());
}

// ---------------------------------------------------------------------------- IPluginV3
nvinfer1::IPluginCapability* PluginV3::getCapabilityInterface(nvinfer1::PluginCapabilityType type) noexcept {
    switch (type) {
        case nvinfer1::PluginCapabilityType::kCORE: return static_cast<nvinfer1::IPluginV3OneCore*>(this);
        case nvinfer1::PluginCapabilityType::kBUILD: return static_cast<nvinfer1::IPluginV3OneBuild*>(this);
        case nvinfer1::PluginCapabilityType::kRUNTIME: return static_cast<nvinfer1::IPluginV3OneRuntime*>(this);
    }
    log_pluginf(Severity::kError, namespace_, *desc_, "getCapabilityInterface: unknown capability type %d",
                static_cast<int32_t>(type));
    return nullptr;
}

nvinfer1::IPluginV3* PluginV3::clone() noexcept {
    try {
        return new PluginV3(*this);
    } catch (...) {
        log("clone", "out of memory");
        return nullptr;
    }
}

// --------------------------------------------------------------------- IPluginV3OneCore
nvinfer1::AsciiChar const* PluginV3::getPluginName() const noexcept { return desc_->name; }

nvinfer1::AsciiChar const* PluginV3::getPluginVersion() const noexcept { return desc_->version; }

nvinfer1::AsciiChar const* PluginV3::getPluginNamespace() const noexcept { return namespace_.c_str(); }

// -------------------------------------------------------------------- IPluginV3OneBuild
int32_t PluginV3::configurePlugin(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs,
                                  nvinfer1::DynamicPluginTensorDesc const* out, int32_t nb_outputs) noexcept {
    std::string error;
    if (!configure_for(*desc_, values_, in, nb_inputs, out, nb_outputs, &config_, &error)) {
        log("configurePlugin", error);
        return 1;  // TensorRT stops the build: shapes or types the plugin refuses never reach enqueue
    }
    return 0;
}

int32_t PluginV3::getOutputDataTypes(nvinfer1::DataType* output_types, int32_t nb_outputs,
                                     nvinfer1::DataType const* input_types, int32_t nb_inputs) const noexcept {
    if (output_types == nullptr || nb_outputs != desc_->n_outputs || nb_inputs != desc_->n_inputs ||
        (nb_inputs > 0 && input_types == nullptr) || desc_->n_variants == 0) {
        log_pluginf(Severity::kError, namespace_, *desc_,
                    "getOutputDataTypes: asked for %d outputs from %d inputs, the plugin has %d and %d", nb_outputs,
                    nb_inputs, desc_->n_outputs, desc_->n_inputs);
        return 1;
    }
    for (int32_t k = 0; k < nb_outputs; ++k) output_types[k] = output_type_for(*desc_, k, input_types, nb_inputs);
    return 0;
}

int32_t PluginV3::getOutputShapes(nvinfer1::DimsExprs const* inputs, int32_t nb_inputs,
                                  nvinfer1::DimsExprs const*, int32_t nb_shape_inputs, nvinfer1::DimsExprs* outputs,
                                  int32_t nb_outputs, nvinfer1::IExprBuilder& builder) noexcept {
    try {
        if (nb_shape_inputs != 0) {
            log("getOutputShapes", "got " + std::to_string(nb_shape_inputs) +
                                       " shape inputs; trtplug plugins take none (add the layer without shape inputs)");
            return 1;
        }
        if (outputs == nullptr || nb_outputs != desc_->n_outputs) {
            log("getOutputShapes", "asked for " + std::to_string(nb_outputs) + " outputs, the plugin has " +
                                       std::to_string(desc_->n_outputs));
            return 1;
        }
        for (int32_t k = 0; k < nb_outputs; ++k) {
            std::string error;
            if (!output_dims_exprs(*desc_, values_, k, inputs, nb_inputs, builder, &outputs[k], &error)) {
                log("getOutputShapes", error);
                return 1;
            }
        }
        std::string error;
        if (!declare_size_tensors(*desc_, outputs, nb_outputs, builder, &error)) {
            log("getOutputShapes", error);
            return 1;
        }
        return 0;
    } catch (...) {
        log("getOutputShapes", "out of memory");
        return 1;
    }
}

bool PluginV3::supportsFormatCombination(int32_t pos, nvinfer1::DynamicPluginTensorDesc const* in_out,
                                         int32_t nb_inputs, int32_t nb_outputs) noexcept {
    if (!format_query_valid(*desc_, in_out, pos, nb_inputs, nb_outputs)) return false;
    nvinfer1::DataType types[kMaxTensors];
    for (int32_t i = 0; i <= pos; ++i) types[i] = in_out[i].desc.type;
    return format_supported(*desc_, pos, types, in_out[pos].desc.format);
}

int32_t PluginV3::getNbOutputs() const noexcept { return desc_->n_outputs; }

size_t PluginV3::getWorkspaceSize(nvinfer1::DynamicPluginTensorDesc const* inputs, int32_t nb_inputs,
                                  nvinfer1::DynamicPluginTensorDesc const* outputs,
                                  int32_t nb_outputs) const noexcept {
    try {
        if (nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || (nb_inputs && !inputs) ||
            (nb_outputs && !outputs) || nb_inputs > kMaxTensors || nb_outputs > kMaxTensors) {
            log("getWorkspaceSize", "unexpected number of tensors");
            return 0;
        }
        // The size for the profile's max shapes: what enqueue may need for any shapes of the profile.
        nvinfer1::PluginTensorDesc ins[kMaxTensors];
        nvinfer1::PluginTensorDesc outs[kMaxTensors];
        Shape shapes[kMaxTensors];
        for (int32_t i = 0; i < nb_inputs; ++i) {
            ins[i] = inputs[i].desc;
            if (!capacity_shape(inputs[i], &shapes[i])) {
                log("getWorkspaceSize", "input " + std::to_string(i) + " has no concrete max shape");
                return 0;
            }
        }
        for (int32_t i = 0; i < nb_outputs; ++i) outs[i] = outputs[i].desc;
        std::string error;
        const int32_t variant = variant_for_types(*desc_, ins, outs, &error);
        if (variant < 0) {
            log("getWorkspaceSize", error);
            return 0;
        }
        size_t bytes = 0;
        Error err;
        if (workspace_size(*desc_, values_, variant, shapes, &bytes, &err) != Status::kOk) {
            log("getWorkspaceSize", err.message);
            return 0;
        }
        return bytes;
    } catch (...) {
        log("getWorkspaceSize", "out of memory");
        return 0;
    }
}

int32_t PluginV3::getValidTactics(int32_t* tactics, int32_t nb_tactics) noexcept {
    if (nb_tactics != desc_->n_tactics || (nb_tactics > 0 && tactics == nullptr)) {
        log_pluginf(Severity::kError, namespace_, *desc_, "getValidTactics: asked for %d tactics%s, the plugin has %d",
                    nb_tactics, tactics ? "" : " into no buffer", desc_->n_tactics);
        return 1;
    }
    for (int32_t t = 0; t < nb_tactics; ++t) tactics[t] = t + 1;  // 0 is TensorRT's default
    return 0;
}

int32_t PluginV3::getNbTactics() noexcept { return desc_->n_tactics; }

char const* PluginV3::getTimingCacheID() noexcept {
    // The attribute values decide what the plugin computes, so they are part of the ID (the shapes
    // and formats TensorRT adds itself); FNV-1a of the serialized attributes keeps it short.
    try {
        const size_t size = serialized_size(*desc_, values_);
        std::vector<unsigned char> bytes(size);
        Error err;
        if (serialize(*desc_, values_, bytes.data(), size, &err) != Status::kOk) return nullptr;
        uint64_t h = 1469598103934665603ull;
        for (unsigned char b : bytes) h = (h ^ b) * 1099511628211ull;
        // A timed tactic id is cached: other tactic declarations must not find it.
        for (int32_t t = 0; t < desc_->n_tactics; ++t) {
            for (const char* c = tactic_name(*desc_, t); *c; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
            h = (h ^ 0xffu) * 1099511628211ull;
        }
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
        timing_cache_id_ = std::string(desc_->name) + "/" + desc_->version + "/" + hex;
        return timing_cache_id_.c_str();
    } catch (...) {
        return nullptr;  // no timing cache for this plugin: slower builds, same engine
    }
}

// ------------------------------------------------------------------ IPluginV3OneRuntime
int32_t PluginV3::setTactic(int32_t tactic) noexcept {
    int32_t index = 0;
    if (!tactic_of_id(*desc_, tactic, &index)) {
        try {
            log("setTactic", "tactic " + std::to_string(tactic) + " was never offered; the plugin accepts " +
                                 accepted_tactic_ids(*desc_));
        } catch (...) {
            log("setTactic", "tactic was never offered");
        }
        return 1;
    }
    tactic_id_ = tactic;
    tactic_ = index;
    return 0;
}

int32_t PluginV3::onShapeChange(nvinfer1::PluginTensorDesc const* in, int32_t nb_inputs,
                                nvinfer1::PluginTensorDesc const* out, int32_t nb_outputs) noexcept {
    // The launch plan for the new shapes is built now, so that shapes the plugin refuses are
    // reported here (when the context's shapes are set) and enqueue finds the plan cached.
    if (nb_inputs != desc_->n_inputs || nb_outputs != desc_->n_outputs || (nb_inputs && !in) || (nb_outputs && !out) ||
        nb_inputs > kMaxTensors) {
        log_pluginf(Severity::kError, namespace_, *desc_,
                    "onShapeChange: got %d inputs and %d outputs, the plugin has %d and %d", nb_inputs, nb_outputs,
                    desc_->n_inputs, desc_->n_outputs);
        return 1;
    }
    std::string error;
    const int32_t variant = variant_for_types(*desc_, in, out, &error);
    if (variant < 0) {
        log("onShapeChange", error);
        return 1;
    }
    TensorShapes shapes(in, nb_inputs);
    LaunchPlanRef plan;
    Error err;
    if (launches_.plan(*desc_, values_, variant, tactic_, shapes, &plan, &err) != Status::kOk) {
        log("onShapeChange", err.message);
        return 1;
    }
    return 0;
}

int32_t PluginV3::enqueue(nvinfer1::PluginTensorDesc const* input_desc, nvinfer1::PluginTensorDesc const* output_desc,
                          void const* const* inputs, void* const* outputs, void* workspace,
                          cudaStream_t stream) noexcept {
    std::string error;
    if (!enqueue_planned(*desc_, values_, tactic_, launches_, config_, input_desc, output_desc, inputs, outputs, workspace,
                         stream, &error)) {
        log("enqueue", error);
        return 1;
    }
    return 0;
}

nvinfer1::IPluginV3* PluginV3::attachToContext(nvinfer1::IPluginResourceContext*) noexcept {
    // trtplug plugins use no per-context resource: the module cache already follows the CUDA context.
    return clone();
}

nvinfer1::PluginFieldCollection const* PluginV3::getFieldsToSerialize() noexcept {
    serialized_fields_.nbFields = 0;
    serialized_fields_.fields = nullptr;
    try {
        const size_t size = serialized_size(*desc_, values_);
        if (size > static_cast<size_t>(INT32_MAX)) {
            log("getFieldsToSerialize", "the serialized attributes exceed 2 GiB");
            return &serialized_fields_;
        }
        serialized_.assign(size, 0);
        Error err;
        if (serialize(*desc_, values_, serialized_.data(), size, &err) != Status::kOk) {
            log("getFieldsToSerialize", err.message);
            return &serialized_fields_;
        }
        serialized_fields_list_[0] = nvinfer1::PluginField(kSerializedField, serialized_.data(),
                                                           nvinfer1::PluginFieldType::kUNKNOWN, static_cast<int32_t>(size));
        // The tactic TensorRT chose; a plugin without tactics writes its one field as before.
        serialized_fields_list_[1] = nvinfer1::PluginField(kTacticField, &tactic_id_, nvinfer1::PluginFieldType::kINT32, 1);
        serialized_fields_.nbFields = desc_->n_tactics > 0 ? 2 : 1;
        serialized_fields_.fields = serialized_fields_list_;
    } catch (...) {
        log("getFieldsToSerialize", "out of memory");
    }
    // With no field, the engine records none, and restoring the plugin says why (see the creator).
    return &serialized_fields_;
}

}  // namespace trt
}  // namespace trtplug
