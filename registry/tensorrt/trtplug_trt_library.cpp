// Registration at load time, the loader entry points, and log routing to TensorRT's logger.
//
// Two ways a library reaches TensorRT, and both must work:
//   * plain dlopen (trtexec --plugins / --staticPlugins, DeepStream custom-lib-path, ctypes): the
//     static registrar below registers every creator with getPluginRegistry() of the libnvinfer
//     already in the process;
//   * IPluginRegistry::loadLibrary (trtexec --dynamicPlugins, version-compatible engines): TensorRT
//     dlopens the library, then asks getCreators/getPluginCreators and registers what they return.
//     loadLibrary fails when a creator is already registered, so the creators registered by the
//     static registrar are withdrawn first: the caller of the entry point owns registration.
// getPluginRegistry is referenced weakly: without a libnvinfer in the process (trtplug inspect,
// the C API, a loader that only uses the entry points) the library still loads.
#include "trtplug_trt_library.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

extern "C" nvinfer1::IPluginRegistry* getPluginRegistry() noexcept __attribute__((weak));

TRTPLUG_TRT_V2_BEGIN

namespace trtplug {
namespace trt {

CreatorAdapter* const* library_creators(int32_t* count) noexcept {
    struct Creators {
        std::vector<std::unique_ptr<CreatorAdapter>> owned;
        std::vector<CreatorAdapter*> list;
        Creators() noexcept {
            const LibraryDesc& lib = library();
            try {
                for (int32_t i = 0; i < lib.n_plugins; ++i) {
                    owned.emplace_back(new CreatorAdapter(*lib.plugins[i], lib.plugin_namespace));
                    list.push_back(owned.back().get());
                }
            } catch (...) {
                list.clear();
                owned.clear();
                log_line(Severity::kError, lib.plugin_namespace, nullptr, "out of memory while making the plugin creators");
            }
        }
    };
    static Creators creators;
    *count = static_cast<int32_t>(creators.list.size());
    return creators.list.empty() ? nullptr : creators.list.data();
}

namespace {

nvinfer1::IPluginRegistry* process_registry() noexcept {
    return getPluginRegistry != nullptr ? getPluginRegistry() : nullptr;
}

bool register_with(nvinfer1::IPluginRegistry& registry, CreatorAdapter& creator) noexcept {
#if NV_TENSORRT_MAJOR >= 10
    return registry.registerCreator(static_cast<nvinfer1::IPluginCreatorInterface&>(creator),
                                    creator.getPluginNamespace());
#else
    return registry.registerCreator(creator, creator.getPluginNamespace());
#endif
}

void deregister_from(nvinfer1::IPluginRegistry& registry, const CreatorAdapter& creator) noexcept {
#if NV_TENSORRT_MAJOR >= 10
    registry.deregisterCreator(static_cast<const nvinfer1::IPluginCreatorInterface&>(creator));
#else
    registry.deregisterCreator(creator);
#endif
}

void log_creator(Severity severity, const CreatorAdapter& creator, const char* message) noexcept {
    log_line(severity, creator.getPluginNamespace(), creator.getPluginName(), message);
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
        int32_t n = 0;
        CreatorAdapter* const* creators = library_creators(&n);
        for (int32_t i = 0; i < n && i < static_cast<int32_t>(registered_.size()); ++i) {
            if (registered_[static_cast<size_t>(i)]) deregister_from(*registry, *creators[i]);
        }
        registered_.clear();
    }

private:
    void register_all() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        nvinfer1::IPluginRegistry* registry = process_registry();
        int32_t n = 0;
        CreatorAdapter* const* creators = library_creators(&n);
        if (registry == nullptr) {
            log_line(Severity::kVerbose, nullptr, nullptr,
                     "no TensorRT plugin registry in this process; plugins are registered only by a loader that "
                     "calls the library's creator entry point");
            return;
        }
        try {
            registered_.assign(static_cast<size_t>(n), 0);
        } catch (...) {
            log_line(Severity::kError, nullptr, nullptr, "out of memory while registering plugins");
            return;
        }
        registry_ = registry;
        for (int32_t i = 0; i < n; ++i) {
            if (register_with(*registry, *creators[i])) {
                registered_[static_cast<size_t>(i)] = 1;
            } else {
                log_creator(Severity::kWarning, *creators[i],
                            "not registered: the plugin registry already holds a creator with this name, version "
                            "and namespace (is another copy of this library loaded?)");
            }
        }
    }

    std::mutex mutex_;
    nvinfer1::IPluginRegistry* registry_ = nullptr;
    std::vector<char> registered_;
};

StaticRegistration g_static_registration;

// The creators as the entry point's interface type, built once.
template <class Entry>
Entry* const* creator_entries(int32_t* count) noexcept {
    struct Entries {
        std::vector<Entry*> list;
        Entries() noexcept {
            int32_t n = 0;
            CreatorAdapter* const* creators = library_creators(&n);
            try {
                for (int32_t i = 0; i < n; ++i) list.push_back(creators[i]);
            } catch (...) {
                list.clear();
                log_line(Severity::kError, nullptr, nullptr, "out of memory while listing the plugin creators");
            }
        }
    };
    static Entries entries;
    *count = static_cast<int32_t>(entries.list.size());
    return entries.list.empty() ? nullptr : entries.list.data();
}

}  // namespace
}  // namespace trt
}  // namespace trtplug

#if NV_TENSORRT_MAJOR >= 10
nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) noexcept {
    trtplug::trt::g_static_registration.withdraw();
    return trtplug::trt::creator_entries<nvinfer1::IPluginCreatorInterface>(&nbCreators);
}
#else
nvinfer1::IPluginCreator* const* getPluginCreators(int32_t& nbCreators) noexcept {
    trtplug::trt::g_static_registration.withdraw();
    return trtplug::trt::creator_entries<nvinfer1::IPluginCreator>(&nbCreators);
}
#endif

TRTPLUG_TRT_V2_END
