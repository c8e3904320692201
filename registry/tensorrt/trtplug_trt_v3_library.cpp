// IPluginV3 creators from the library's plugin table, registered at load time; getCreators.
//
// As for the IPluginV2 adapter (trtplug_trt_library.cpp), both ways a library reaches TensorRT
// work: plain dlopen (a static registrar registers every creator with getPluginRegistry() of the
// libnvinfer in the process, and withdraws exactly those at unload) and IPluginRegistry::loadLibrary
// (getCreators first withdraws what the registrar registered, then hands the creators over).
// getPluginRegistry is referenced weakly: without libnvinfer the library still loads.
#include "trtplug_trt_v3_library.h"

#include <memory>
#include <mutex>
#include <vector>

extern "C" nvinfer1::IPluginRegistry* getPluginRegistry() noexcept __attribute__((weak));

namespace trtplug {
namespace trt {
namespace {

// The creators and the same pointers as the entry point's interface type.
struct Creators {
    std::vector<std::unique_ptr<CreatorV3>> owned;
    std::vector<CreatorV3*> list;
    std::vector<nvinfer1::IPluginCreatorInterface*> entries;

    Creators() noexcept {
        const LibraryDesc& lib = library();
        try {
            for (int32_t i = 0; i < lib.n_plugins; ++i) {
                owned.push_back(std::unique_ptr<CreatorV3>(new CreatorV3(*lib.plugins[i], lib.plugin_namespace)));
                list.push_back(owned.back().get());
                entries.push_back(owned.back().get());
            }
        } catch (...) {
            entries.clear();
            list.clear();
            owned.clear();
            log_line(Severity::kError, lib.plugin_namespace, nullptr, "out of memory while making the plugin creators");
        }
    }
};

Creators& creators() noexcept {
    static Creators instance;
    return instance;
}

nvinfer1::IPluginRegistry* process_registry() noexcept {
    return getPluginRegistry != nullptr ? getPluginRegistry() : nullptr;
}

// The creators this library registered itself, so that it can withdraw exactly those.
class StaticRegistration {
public:
    StaticRegistration() noexcept { register_all(); }
    ~StaticRegistration() { withdraw(); }

    void withdraw() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        nvinfer1::IPluginRegistry* registry = registry_;
        registry_ = nullptr;
        if (registry == nullptr) return;
        const std::vector<CreatorV3*>& list = creators().list;
        for (size_t i = 0; i < list.size() && i < registered_.size(); ++i) {
            if (registered_[i]) registry->deregisterCreator(static_cast<const nvinfer1::IPluginCreatorInterface&>(*list[i]));
        }
        registered_.clear();
    }

private:
    void register_all() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        nvinfer1::IPluginRegistry* registry = process_registry();
        if (registry == nullptr) {
            log_line(Severity::kVerbose, nullptr, nullptr,
                     "no TensorRT plugin registry in this process; plugins are registered only by a loader that "
                     "calls the library's creator entry point");
            return;
        }
        const std::vector<CreatorV3*>& list = creators().list;
        try {
            registered_.assign(list.size(), 0);
        } catch (...) {
            log_line(Severity::kError, nullptr, nullptr, "out of memory while registering plugins");
            return;
        }
        registry_ = registry;
        for (size_t i = 0; i < list.size(); ++i) {
            CreatorV3& creator = *list[i];
            if (registry->registerCreator(static_cast<nvinfer1::IPluginCreatorInterface&>(creator),
                                          creator.getPluginNamespace())) {
                registered_[i] = 1;
            } else {
                log_line(Severity::kWarning, creator.getPluginNamespace(), creator.getPluginName(),
                         "not registered: the plugin registry already holds a creator with this name, version and "
                         "namespace (is another copy of this library, or its IPluginV2 build, loaded?)");
            }
        }
    }

    std::mutex mutex_;
    nvinfer1::IPluginRegistry* registry_ = nullptr;
    std::vector<char> registered_;
};

StaticRegistration g_static_registration;

}  // namespace

CreatorV3* const* v3_creators(int32_t* count) noexcept {
    Creators& c = creators();
    *count = static_cast<int32_t>(c.list.size());
    return c.list.empty() ? nullptr : c.list.data();
}

}  // namespace trt
}  // namespace trtplug

nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) noexcept {
    trtplug::trt::g_static_registration.withdraw();
    std::vector<nvinfer1::IPluginCreatorInterface*>& entries = trtplug::trt::creators().entries;
    nbCreators = static_cast<int32_t>(entries.size());
    return entries.empty() ? nullptr : entries.data();
}
