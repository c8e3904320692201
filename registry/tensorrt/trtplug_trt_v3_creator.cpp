// IPluginCreatorV3One implemented once, by forwarding to the core.
#include "trtplug_trt_v3_creator.h"

#include <cstring>
#include <utility>

namespace trtplug {
namespace trt {

CreatorV3::CreatorV3(const PluginDesc& desc, const char* plugin_namespace) noexcept
    : desc_(&desc), field_names_(desc, plugin_namespace) {
    try {
        namespace_ = plugin_namespace ? plugin_namespace : "";
    } catch (...) {
        log_line(Severity::kError, plugin_namespace, desc.name, "out of memory while keeping the plugin namespace");
    }
}

nvinfer1::AsciiChar const* CreatorV3::getPluginName() const noexcept { return desc_->name; }

nvinfer1::AsciiChar const* CreatorV3::getPluginVersion() const noexcept { return desc_->version; }

nvinfer1::AsciiChar const* CreatorV3::getPluginNamespace() const noexcept { return namespace_.c_str(); }

nvinfer1::PluginFieldCollection const* CreatorV3::getFieldNames() noexcept { return field_names_.collection(); }

bool CreatorV3::serialized_field(const nvinfer1::PluginFieldCollection* fields, const nvinfer1::PluginField** found,
                                 std::string* error) const {
    *found = nullptr;
    if (fields == nullptr || fields->nbFields <= 0 || fields->fields == nullptr) return true;
    int32_t tactic_fields = 0;
    for (int32_t i = 0; i < fields->nbFields; ++i) {
        const nvinfer1::PluginField& f = fields->fields[i];
        if (f.name != nullptr && std::strcmp(f.name, kSerializedField) == 0) *found = &f;
        if (f.name != nullptr && std::strcmp(f.name, kTacticField) == 0) ++tactic_fields;
    }
    if (*found == nullptr) {
        if (tactic_fields > 0) {
            *error = std::string("field '") + kTacticField + "' comes without field '" + kSerializedField + "'";
            return false;
        }
        return true;
    }
    if (fields->nbFields != 1 + (tactic_fields == 1 ? 1 : 0)) {
        *error = std::string("field '") + kSerializedField + "' comes with " + std::to_string(fields->nbFields - 1) +
                 " other field(s); a serialized plugin is that field alone, or with one field '" + kTacticField + "'";
        return false;
    }
    if ((*found)->type != nvinfer1::PluginFieldType::kUNKNOWN) {
        *error = std::string("field '") + kSerializedField + "' has PluginFieldType " +
                 field_type_name(static_cast<int32_t>((*found)->type)) + ", expected kUNKNOWN (raw bytes)";
        return false;
    }
    if ((*found)->length < 0 || ((*found)->length > 0 && (*found)->data == nullptr)) {
        *error = std::string("field '") + kSerializedField + "' has length " + std::to_string((*found)->length) +
                 ((*found)->data ? "" : " and no data");
        return false;
    }
    return true;
}

bool CreatorV3::serialized_tactic(const nvinfer1::PluginFieldCollection* fields, int32_t* tactic_id,
                                  std::string* error) const {
    *tactic_id = 0;
    const nvinfer1::PluginField* found = nullptr;
    for (int32_t i = 0; fields != nullptr && fields->fields != nullptr && i < fields->nbFields; ++i) {
        const nvinfer1::PluginField& f = fields->fields[i];
        if (f.name != nullptr && std::strcmp(f.name, kTacticField) == 0) found = &f;
    }
    if (found == nullptr) return true;  // engines of plugins without tactics, and TensorRT's default
    if (found->type != nvinfer1::PluginFieldType::kINT32 || found->length != 1 || found->data == nullptr) {
        *error = std::string("field '") + kTacticField + "' has PluginFieldType " +
                 field_type_name(static_cast<int32_t>(found->type)) + " and length " + std::to_string(found->length) +
                 ", expected one kINT32";
        return false;
    }
    int32_t id = 0;
    std::memcpy(&id, found->data, sizeof id);
    int32_t index = 0;
    if (!tactic_of_id(*desc_, id, &index)) {
        *error = std::string("field '") + kTacticField + "' holds tactic " + std::to_string(id) +
                 ", which the plugin does not offer (it accepts " + accepted_tactic_ids(*desc_) +
                 "); the engine was built with other tactic declarations: rebuild it with this library";
        return false;
    }
    *tactic_id = id;
    return true;
}

nvinfer1::IPluginV3* CreatorV3::createPlugin(nvinfer1::AsciiChar const* name,
                                             nvinfer1::PluginFieldCollection const* fields,
                                             nvinfer1::TensorRTPhase phase) noexcept {
    const bool runtime = phase == nvinfer1::TensorRTPhase::kRUNTIME;
    const char* layer = name ? name : "";
    try {
        const std::string where = std::string("createPlugin(layer '") + layer + "', " +
                                  (runtime ? "runtime" : "build") + " phase)";
        AttrValues values;
        std::string error;
        int32_t tactic_id = 0;
        const nvinfer1::PluginField* blob = nullptr;
        if (!serialized_field(fields, &blob, &error)) {
            log_pluginf(Severity::kError, namespace_, *desc_, "%s: %s", where.c_str(), error.c_str());
            return nullptr;
        }
        if (blob != nullptr) {
            Error err;
            if (deserialize(*desc_, blob->data, static_cast<size_t>(blob->length), &values, &err) != Status::kOk) {
                log_pluginf(Severity::kError, namespace_, *desc_, "%s: field '%s': %s", where.c_str(),
                            kSerializedField, err.message.c_str());
                return nullptr;
            }
            if (!serialized_tactic(fields, &tactic_id, &error)) {
                log_pluginf(Severity::kError, namespace_, *desc_, "%s: %s", where.c_str(), error.c_str());
                return nullptr;
            }
        } else if (runtime) {
            // An engine holding a V2 trtplug layer, or fields not written by getFieldsToSerialize.
            log_pluginf(Severity::kError, namespace_, *desc_,
                        "%s: no field '%s' among the %d given; the engine was not built with this plugin's "
                        "IPluginV3 (an engine built with an IPluginV2 library needs that library, or a rebuild)",
                        where.c_str(), kSerializedField, fields ? fields->nbFields : 0);
            return nullptr;
        } else if (!attrs_from_fields(*desc_, fields, &values, &error)) {
            log_pluginf(Severity::kError, namespace_, *desc_, "%s: %s", where.c_str(), error.c_str());
            return nullptr;
        }
        return new PluginV3(*desc_, std::move(values), namespace_.c_str(), tactic_id);
    } catch (...) {
        log_pluginf(Severity::kError, namespace_, *desc_, "createPlugin(layer '%s'): out of memory", layer);
        return nullptr;
    }
}

}  // namespace trt
}  // namespace trtplug
