// IPluginCreatorV3One implemented once for every trtplug plugin (TensorRT 10 and later).
//
// createPlugin builds a PluginV3 in both of TensorRT's phases:
//   * build (kBUILD, also what a user or an ONNX importer calls): the fields are the plugin's
//     attributes, checked by the core exactly as the V2 creator checks them (name, type, length,
//     range); absent fields keep their defaults;
//   * runtime (kRUNTIME, while an engine is deserialized): the fields are those the plugin's
//     getFieldsToSerialize returned, i.e. the one kSerializedField; its bytes are checked by the
//     core like a V2 blob (magic, format version, size, CRC-32, plugin name and version, values).
// Every refusal is one log line naming the layer and returns nullptr.
#pragma once

#include <string>
#include <vector>

#include "trtplug_trt_v3_plugin.h"

namespace trtplug {
namespace trt {

class CreatorV3 final : public nvinfer1::IPluginCreatorV3One {
public:
    CreatorV3(const PluginDesc& desc, const char* plugin_namespace) noexcept;
    ~CreatorV3() override = default;
    CreatorV3(const CreatorV3&) = delete;
    CreatorV3& operator=(const CreatorV3&) = delete;

    nvinfer1::IPluginV3* createPlugin(nvinfer1::AsciiChar const* name, nvinfer1::PluginFieldCollection const* fields,
                                      nvinfer1::TensorRTPhase phase) noexcept override;
    nvinfer1::PluginFieldCollection const* getFieldNames() noexcept override;
    nvinfer1::AsciiChar const* getPluginName() const noexcept override;
    nvinfer1::AsciiChar const* getPluginVersion() const noexcept override;
    nvinfer1::AsciiChar const* getPluginNamespace() const noexcept override;

    const PluginDesc& desc() const { return *desc_; }

private:
    // The serialized field among `fields`, or null when there is none; false (with *error) when
    // it is there but not of type kUNKNOWN, or comes with a field other than the tactic.
    bool serialized_field(const nvinfer1::PluginFieldCollection* fields, const nvinfer1::PluginField** found,
                          std::string* error) const;
    // The TensorRT tactic id the serialized fields hold (0 when they hold none); false (with
    // *error) when the tactic field is malformed or names a tactic the plugin does not offer.
    bool serialized_tactic(const nvinfer1::PluginFieldCollection* fields, int32_t* tactic_id,
                           std::string* error) const;

    const PluginDesc* desc_;
    std::string namespace_;
    FieldNames field_names_;
};

}  // namespace trt
}  // namespace trtplug
