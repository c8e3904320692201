// The TensorRT 7 plugin factory (see trtplug_trt7_factory.h).
#include "trtplug_trt7_factory.h"

#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "trtplug_library.h"
#include "trtplug_trt7_bytes.h"
#include "trtplug_trt7_plugin.h"
#include "trtplug_util.h"

namespace trtplug {
namespace trt7 {

namespace {

using detail::strf;

void factory_log(Severity severity, const char* message) noexcept {
    log_line(severity, library().plugin_namespace, nullptr, message);
}

// The factory nvinfer passes to IRuntime::deserializeCudaEngine; it owns every plugin it made.
class Trt7Factory : public nvinfer1::IPluginFactory {
public:
    nvinfer1::IPlugin* createPlugin(const char* layer_name, const void* serial_data,
                                    size_t serial_length) noexcept override {
        try {
            return create(layer_name ? layer_name : "(unnamed)", static_cast<const unsigned char*>(serial_data),
                          serial_length);
        } catch (...) {
            factory_log(Severity::kError, "plugin factory: out of memory while recreating a plugin");
            return nullptr;
        }
    }

private:
    // Called inside createPlugin's try: building the line may throw.
    nvinfer1::IPlugin* fail(const std::string& layer, const std::string& message) {
        factory_log(Severity::kError, ("plugin factory: layer '" + layer + "': " + message).c_str());
        return nullptr;
    }

    nvinfer1::IPlugin* create(const std::string& layer, const unsigned char* data, size_t length) {
        if (data == nullptr || length < 16) {
            return fail(layer, strf("the serialized data is %zu bytes, too short for a trtplug plugin (at least 16)",
                                    data ? length : 0));
        }
        if (read_u32(data) != kSerialMagic) {
            return fail(layer, "the serialized data is not a trtplug plugin's (no 'TPLG' header): the layer was "
                               "written by another plugin library, which has to provide its own factory");
        }
        const size_t total = read_u32(data + 8);
        if (total < 20 || total > length) {
            return fail(layer, strf("the plugin header says %zu bytes, but TensorRT passed %zu", total, length));
        }
        const size_t name_len = read_u16(data + 16);
        if (18 + name_len + 2 > total) return fail(layer, "the plugin name runs past the serialized data");
        const std::string name(reinterpret_cast<const char*>(data + 18), name_len);
        const size_t version_len = read_u16(data + 18 + name_len);
        if (20 + name_len + version_len > total) return fail(layer, "the plugin version runs past the serialized data");
        const std::string version(reinterpret_cast<const char*>(data + 20 + name_len), version_len);

        const LibraryDesc& lib = library();
        const PluginDesc* desc = nullptr;
        std::string have;
        for (int32_t i = 0; i < lib.n_plugins; ++i) {
            const PluginDesc* p = lib.plugins[i];
            have += (i ? ", " : "") + std::string(p->name) + " v" + p->version;
            if (name == p->name && version == p->version) desc = p;
        }
        if (desc == nullptr) {
            return fail(layer, "the engine holds plugin '" + name + "' version '" + version +
                                   "', which this library does not contain (it has: " +
                                   (have.empty() ? "no plugins" : have) + ")");
        }
        AttrValues values;
        Error err;
        if (deserialize(*desc, data, total, &values, &err) != Status::kOk) return fail(layer, err.message);
        std::unique_ptr<Trt7Plugin> plugin(new Trt7Plugin(*desc, std::move(values), layer.c_str()));
        std::string why;
        if (!plugin->restore_configuration(data + total, length - total, &why)) return fail(layer, why);
        std::lock_guard<std::mutex> lock(mutex_);
        plugins_.push_back(std::move(plugin));
        return plugins_.back().get();
    }

    std::mutex mutex_;
    std::vector<std::unique_ptr<Trt7Plugin>> plugins_;
};

// Every factory create_factory made and destroy_factory has not deleted yet.
std::mutex g_factories_mutex;
std::set<const nvinfer1::IPluginFactory*>& live_factories() {
    static std::set<const nvinfer1::IPluginFactory*> factories;
    return factories;
}

}  // namespace

nvinfer1::IPluginFactory* create_factory() noexcept {
    Trt7Factory* factory = new (std::nothrow) Trt7Factory();
    if (factory == nullptr) return nullptr;
    try {
        std::lock_guard<std::mutex> lock(g_factories_mutex);
        live_factories().insert(factory);
    } catch (...) {
        delete factory;
        return nullptr;
    }
    return factory;
}

bool destroy_factory(nvinfer1::IPluginFactory* factory) noexcept {
    if (factory == nullptr) return false;
    {
        std::lock_guard<std::mutex> lock(g_factories_mutex);
        if (live_factories().erase(factory) == 0) return false;
    }
    delete static_cast<Trt7Factory*>(factory);
    return true;
}

}  // namespace trt7
}  // namespace trtplug
