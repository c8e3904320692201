// The creators of a library's plugin table and their registration with TensorRT, once for both
// plugin interfaces (IPluginV2's CreatorAdapter, trtplug_trt_library.cpp; IPluginV3's CreatorV3,
// trtplug_trt_v3_library.cpp).
//
// Both ways a library reaches TensorRT must work:
//   * plain dlopen (trtexec --plugins / --staticPlugins, DeepStream custom-lib-path, ctypes): a
//     static registrar (StaticRegistration) registers every creator with getPluginRegistry() of the
//     libnvinfer already in the process, and withdraws exactly those at unload;
//   * IPluginRegistry::loadLibrary (trtexec --dynamicPlugins, version-compatible engines): TensorRT
//     dlopens the library, then asks its creator entry point (getCreators / getPluginCreators) and
//     registers what it returns. loadLibrary fails when a creator is already registered, so the
//     entry point withdraws what the static registrar registered first: the caller of the entry
//     point owns registration.
// getPluginRegistry is referenced weakly: without a libnvinfer in the process (trtplug inspect, the
// C API, a loader that only uses the entry points) the library still loads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "trtplug_core.h"
#include "trtplug_library.h"
#include "trtplug_trt_compat.h"
#include "trtplug_trt_log.h"

extern "C" nvinfer1::IPluginRegistry* getPluginRegistry() noexcept __attribute__((weak));

namespace trtplug {
namespace trt {

// One `Creator` per plugin of trtplug::library(), in table order, made on first use and alive until
// the library is unloaded; `entries` holds the same pointers as the creator entry point's interface
// type `Entry`. Both lists are empty when the creators could not be made (logged).
template <class Creator, class Entry>
class LibraryCreators {
public:
    static LibraryCreators& instance() noexcept {
        static LibraryCreators creators;
        return creators;
    }

    const std::vector<Creator*>& list() const noexcept { return list_; }
    // What the creator entry point returns: null with *count 0 when there are none.
    Creator* const* creators(int32_t* count) noexcept { return listed(list_, count); }
    Entry* const* entries(int32_t* count) noexcept { return listed(entries_, count); }

    LibraryCreators(const LibraryCreators&) = delete;
    LibraryCreators& operator=(const LibraryCreators&) = delete;

private:
    LibraryCreators() noexcept {
        const LibraryDesc& lib = library();
        try {
            for (int32_t i = 0; i < lib.n_plugins; ++i) {
                owned_.push_back(std::unique_ptr<Creator>(new Creator(*lib.plugins[i], lib.plugin_namespace)));
                list_.push_back(owned_.back().get());
                entries_.push_back(owned_.back().get());
            }
        } catch (...) {
            entries_.clear();
            list_.clear();
            owned_.clear();
            log_line(Severity::kError, lib.plugin_namespace, nullptr, "out of memory while making the plugin creators");
        }
    }

    template <class T>
    static T* const* listed(std::vector<T*>& items, int32_t* count) noexcept {
        *count = static_cast<int32_t>(items.size());
        return items.empty() ? nullptr : items.data();
    }

    std::vector<std::unique_ptr<Creator>> owned_;
    std::vector<Creator*> list_;
    std::vector<Entry*> entries_;
};

// The creators of `Creators` (a LibraryCreators) this library registered itself at load time, so
// that it can withdraw exactly those: at unload, or when the creator entry point hands them over.
template <class Creators>
class StaticRegistration {
public:
    // `duplicate_hint`: what a warning about a creator the registry already holds suggests.
    explicit StaticRegistration(const char* duplicate_hint) noexcept { register_all(duplicate_hint); }
    ~StaticRegistration() { withdraw(); }

    void withdraw() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        nvinfer1::IPluginRegistry* registry = registry_;
        registry_ = nullptr;
        if (registry == nullptr) return;
        int32_t n = 0;
        const auto* entries = Creators::instance().entries(&n);
        for (int32_t i = 0; i < n && i < static_cast<int32_t>(registered_.size()); ++i) {
            if (registered_[static_cast<size_t>(i)]) registry->deregisterCreator(*entries[i]);
        }
        registered_.clear();
    }

    StaticRegistration(const StaticRegistration&) = delete;
    StaticRegistration& operator=(const StaticRegistration&) = delete;

private:
    void register_all(const char* duplicate_hint) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        nvinfer1::IPluginRegistry* registry = getPluginRegistry != nullptr ? getPluginRegistry() : nullptr;
        if (registry == nullptr) {
            log_line(Severity::kVerbose, nullptr, nullptr,
                     "no TensorRT plugin registry in this process; plugins are registered only by a loader that "
                     "calls the library's creator entry point");
            return;
        }
        Creators& creators = Creators::instance();
        int32_t n = 0;
        const auto* entries = creators.entries(&n);
        try {
            registered_.assign(static_cast<size_t>(n), 0);
        } catch (...) {
            log_line(Severity::kError, nullptr, nullptr, "out of memory while registering plugins");
            return;
        }
        registry_ = registry;
        for (int32_t i = 0; i < n; ++i) {
            const auto& creator = *creators.list()[static_cast<size_t>(i)];
            if (registry->registerCreator(*entries[i], creator.getPluginNamespace())) {
                registered_[static_cast<size_t>(i)] = 1;
            } else {
                log_format(Severity::kWarning, creator.getPluginNamespace(), creator.getPluginName(), "",
                           "not registered: the plugin registry already holds a creator with this name, version and "
                           "namespace (is another copy of this library%s loaded?)", duplicate_hint);
            }
        }
    }

    std::mutex mutex_;
    nvinfer1::IPluginRegistry* registry_ = nullptr;
    std::vector<char> registered_;
};

}  // namespace trt
}  // namespace trtplug
