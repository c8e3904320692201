// IPluginCreator implemented once, by forwarding to the core runtime.
#include "trtplug_trt_creator.h"

#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>

TRTPLUG_TRT_V2_BEGIN

namespace trtplug {
namespace trt {

PluginAdapter* CreatorAdapter::make(AttrValues values) const {
    return new PluginAdapter(*desc_, std::move(values), namespace_.c_str());
}

CreatorAdapter::CreatorAdapter(const PluginDesc& desc, const char* plugin_namespace) noexcept : desc_(&desc) {
    try {
        namespace_ = plugin_namespace ? plugin_namespace : "";
        for (int32_t i = 0; i < desc_->n_attrs; ++i) {
            const AttrDesc& a = desc_->attrs[i];
            const bool scalar = a.type == AttrType::kInt || a.type == AttrType::kFloat || a.type == AttrType::kBool;
            field_list_.emplace_back(a.name, nullptr, advertised_type(a.type), scalar ? 1 : a.max_length);
        }
    } catch (...) {
        field_list_.clear();
        log_errorf("out of memory while listing the plugin fields");
    }
    field_collection_.nbFields = static_cast<int32_t>(field_list_.size());
    field_collection_.fields = field_list_.empty() ? nullptr : field_list_.data();
}

void CreatorAdapter::log_error(const std::string& message) const noexcept {
    log_line(Severity::kError, namespace_.c_str(), desc_->name, message.c_str());
}

void CreatorAdapter::log_errorf(const char* fmt, ...) const noexcept {
    char line[1024];  // a fixed buffer: usable where allocating could throw
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_line(Severity::kError, namespace_.c_str(), desc_->name, line);
}

nvinfer1::AsciiChar const* CreatorAdapter::getPluginName() const TRTPLUG_TRT_NOEXCEPT { return desc_->name; }

nvinfer1::AsciiChar const* CreatorAdapter::getPluginVersion() const TRTPLUG_TRT_NOEXCEPT { return desc_->version; }

nvinfer1::PluginFieldCollection const* CreatorAdapter::getFieldNames() TRTPLUG_TRT_NOEXCEPT {
    return &field_collection_;
}

nvinfer1::IPluginV2* CreatorAdapter::createPlugin(nvinfer1::AsciiChar const* name,
                                                  nvinfer1::PluginFieldCollection const* fields)
    TRTPLUG_TRT_NOEXCEPT {
    try {
        const std::string where = std::string("createPlugin(layer '") + (name ? name : "") + "')";
        AttrValues values;
        attrs_default(*desc_, &values);
        Error err;
        if (fields != nullptr) {
            if (fields->nbFields < 0 || (fields->nbFields > 0 && fields->fields == nullptr)) {
                log_error(where + ": the PluginFieldCollection holds " + std::to_string(fields->nbFields) +
                          " fields and " + (fields->fields ? "a" : "no") + " field array");
                return nullptr;
            }
            for (int32_t i = 0; i < fields->nbFields; ++i) {
                const nvinfer1::PluginField& f = fields->fields[i];
                if (f.name == nullptr || f.name[0] == '\0') {
                    log_error(where + ": PluginField " + std::to_string(i) + " has no name");
                    return nullptr;
                }
                FieldType type;
                if (!to_field_type(f.type, &type)) {
                    log_error(where + ": field '" + f.name + "' has PluginFieldType " +
                              field_type_name(static_cast<int32_t>(f.type)) +
                              ", which no trtplug attribute accepts");
                    return nullptr;
                }
                if (f.length < 0 || (f.length > 0 && f.data == nullptr)) {
                    log_error(where + ": field '" + f.name + "' has length " + std::to_string(f.length) +
                              (f.data ? "" : " and no data"));
                    return nullptr;
                }
                if (attrs_set_field(*desc_, &values, f.name, type, f.data, f.length, &err) != Status::kOk) {
                    log_error(where + ": " + err.message);
                    return nullptr;
                }
            }
        }
        if (attrs_validate(*desc_, values, &err) != Status::kOk) {
            log_error(where + ": " + err.message);
            return nullptr;
        }
        return make(std::move(values));
    } catch (...) {
        log_errorf("createPlugin(layer '%s'): out of memory", name ? name : "");
        return nullptr;
    }
}

nvinfer1::IPluginV2* CreatorAdapter::deserializePlugin(nvinfer1::AsciiChar const* name, void const* data,
                                                       size_t length) TRTPLUG_TRT_NOEXCEPT {
    try {
        const std::string where = std::string("deserializePlugin(layer '") + (name ? name : "") + "')";
        if (data == nullptr && length > 0) {
            log_error(where + ": no data");
            return nullptr;
        }
        AttrValues values;
        Error err;
        if (deserialize(*desc_, data, length, &values, &err) != Status::kOk) {
            log_error(where + ": " + err.message);
            return nullptr;
        }
        return make(std::move(values));
    } catch (...) {
        log_errorf("deserializePlugin(layer '%s'): out of memory", name ? name : "");
        return nullptr;
    }
}

void CreatorAdapter::setPluginNamespace(nvinfer1::AsciiChar const* plugin_namespace) TRTPLUG_TRT_NOEXCEPT {
    try {
        namespace_ = plugin_namespace ? plugin_namespace : "";
    } catch (...) {
        log_errorf("setPluginNamespace: out of memory");
    }
}

nvinfer1::AsciiChar const* CreatorAdapter::getPluginNamespace() const TRTPLUG_TRT_NOEXCEPT {
    return namespace_.c_str();
}

}  // namespace trt
}  // namespace trtplug

TRTPLUG_TRT_V2_END
