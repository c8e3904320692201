// IPluginV3 implemented once for every trtplug plugin (TensorRT 10 and later).
//
// PluginV3 is the plugin object and its three capability interfaces at once (core, build,
// runtime), as TensorRT expects of IPluginV3OneCore/OneBuild/OneRuntime plugins. Each method
// forwards to the core with the plugin's PluginDesc and attribute values, through the pieces it
// shares with the IPluginV2DynamicExt adapter (trtplug_trt_common.h).
//
// Serialization: getFieldsToSerialize returns one PluginField, kSerializedField of type kUNKNOWN,
// holding the core's serialized attributes (magic, format version, CRC-32, plugin name and
// version, each attribute); the creator restores a plugin from it in TensorRT's runtime phase and
// checks it exactly as deserializePlugin checks a V2 blob. A plugin that declares tactics adds a
// second field, kTacticField (kINT32, one value): the TensorRT tactic id setTactic last received.
//
// Tactics: TensorRT ids are int32 and 0 is its default. getValidTactics offers id i + 1 for the
// plugin's tactic i (1 .. n_tactics); id 0 runs tactic 0, the first declared (or the one implicit
// tactic of a plugin that declares none, which offers no id).
#pragma once

#include <string>
#include <vector>

#include "trtplug_trt_common.h"

#if NV_TENSORRT_MAJOR < 10
#error "trtplug: the IPluginV3 adapter needs TensorRT 10 or newer headers; build with --interface v2 for TensorRT 8.6"
#endif

namespace trtplug {
namespace trt {

// Name of the one field a serialized trtplug V3 plugin consists of.
constexpr const char* kSerializedField = "trtplug_serialized";
// Name of the field holding the chosen TensorRT tactic id (plugins that declare tactics only).
constexpr const char* kTacticField = "trtplug_tactic";

// The core tactic index TensorRT tactic id `id` runs; false when the plugin offers no such id.
bool tactic_of_id(const PluginDesc& desc, int32_t id, int32_t* tactic) noexcept;
// "0 (default), 1 (block256), 2 (block512)": the ids a plugin accepts, for messages. May throw std::bad_alloc.
std::string accepted_tactic_ids(const PluginDesc& desc);

class PluginV3 final : public nvinfer1::IPluginV3,
                       public nvinfer1::IPluginV3OneCore,
                       public nvinfer1::IPluginV3OneBuild,
                       public nvinfer1::IPluginV3OneRuntime {
public:
    // tactic_id: a TensorRT tactic id the plugin accepts (tactic_of_id), e.g. from kTacticField.
    PluginV3(const PluginDesc& desc, AttrValues values, const char* plugin_namespace, int32_t tactic_id = 0);
    ~PluginV3() override = default;
    PluginV3& operator=(const PluginV3&) = delete;

    // IPluginV3
    nvinfer1::IPluginCapability* getCapabilityInterface(nvinfer1::PluginCapabilityType type) noexcept override;
    nvinfer1::IPluginV3* clone() noexcept override;

    // IPluginV3OneCore
    nvinfer1::AsciiChar const* getPluginName() const noexcept override;
    nvinfer1::AsciiChar const* getPluginVersion() const noexcept override;
    nvinfer1::AsciiChar const* getPluginNamespace() const noexcept override;

    // IPluginV3OneBuild
    int32_t configurePlugin(nvinfer1::DynamicPluginTensorDesc const* in, int32_t nb_inputs,
                            nvinfer1::DynamicPluginTensorDesc const* out, int32_t nb_outputs) noexcept override;
    int32_t getOutputDataTypes(nvinfer1::DataType* output_types, int32_t nb_outputs,
                               nvinfer1::DataType const* input_types, int32_t nb_inputs) const noexcept override;
    int32_t getOutputShapes(nvinfer1::DimsExprs const* inputs, int32_t nb_inputs, nvinfer1::DimsExprs const* shape_inputs,
                            int32_t nb_shape_inputs, nvinfer1::DimsExprs* outputs, int32_t nb_outputs,
                            nvinfer1::IExprBuilder& builder) noexcept override;
    bool supportsFormatCombination(int32_t pos, nvinfer1::DynamicPluginTensorDesc const* in_out, int32_t nb_inputs,
                                   int32_t nb_outputs) noexcept override;
    int32_t getNbOutputs() const noexcept override;
    size_t getWorkspaceSize(nvinfer1::DynamicPluginTensorDesc const* inputs, int32_t nb_inputs,
                            nvinfer1::DynamicPluginTensorDesc const* outputs, int32_t nb_outputs) const noexcept override;
    int32_t getValidTactics(int32_t* tactics, int32_t nb_tactics) noexcept override;
    int32_t getNbTactics() noexcept override;
    char const* getTimingCacheID() noexcept override;

    // IPluginV3OneRuntime
    int32_t setTactic(int32_t tactic) noexcept override;
    int32_t onShapeChange(nvinfer1::PluginTensorDesc const* in, int32_t nb_inputs, nvinfer1::PluginTensorDesc const* out,
                          int32_t nb_outputs) noexcept override;
    int32_t enqueue(nvinfer1::PluginTensorDesc const* input_desc, nvinfer1::PluginTensorDesc const* output_desc,
                    void const* const* inputs, void* const* outputs, void* workspace,
                    cudaStream_t stream) noexcept override;
    nvinfer1::IPluginV3* attachToContext(nvinfer1::IPluginResourceContext* context) noexcept override;
    nvinfer1::PluginFieldCollection const* getFieldsToSerialize() noexcept override;

    const PluginDesc& desc() const { return *desc_; }

private:
    // A configured plugin's clone is configured: the copy keeps the configuration and the launch
    // cache's plans, never the buffers getFieldsToSerialize and getTimingCacheID hand out.
    PluginV3(const PluginV3& other);

    void log(const char* method, const std::string& message) const noexcept;

    const PluginDesc* desc_;
    AttrValues values_;
    std::string namespace_;
    Configuration config_;
    LaunchCache launches_;
    int32_t tactic_id_ = 0;  // what setTactic received (TensorRT's id), serialized in kTacticField
    int32_t tactic_ = 0;     // the core tactic index it runs
    // What getFieldsToSerialize and getTimingCacheID return: valid until the next call.
    std::vector<unsigned char> serialized_;
    nvinfer1::PluginField serialized_fields_list_[2]{};
    nvinfer1::PluginFieldCollection serialized_fields_{};
    std::string timing_cache_id_;
};

}  // namespace trt
}  // namespace trtplug
