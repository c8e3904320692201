// nvinfer's allocator for the views of trtplug_libstdcxx.h (nothing to do under libstdc++).
#include "trtplug_libstdcxx.h"

#if !defined(__GLIBCXX__) || defined(TRTPLUG_DS_LIBSTDCXX_VIEWS)

#include <dlfcn.h>

#include <cstdlib>

namespace trtplug {
namespace ds {
namespace {

using AllocateFn = void* (*)(std::size_t, const std::nothrow_t&) noexcept;
using FreeFn = void (*)(void*) noexcept;

struct NvinferAllocator {
    AllocateFn allocate = nullptr;
    FreeFn free = nullptr;
};

// Mangled names of ::operator new(std::size_t, const std::nothrow_t&) and ::operator delete(void*).
constexpr const char* kNothrowNew = sizeof(std::size_t) == 8 ? "_ZnwmRKSt9nothrow_t" : "_ZnwjRKSt9nothrow_t";
constexpr const char* kDelete = "_ZdlPv";

// The pair nvinfer's own calls resolve to: the process's global scope first (a replacement in the
// program, or a libstdc++ loaded globally), then the libstdc++ already loaded by nvinfer (GStreamer
// opens its plugins with RTLD_LOCAL, so it may not be global). Both or neither: never a new from
// one allocator with a delete from another.
NvinferAllocator lookup(void* scope) noexcept {
    auto allocate = reinterpret_cast<AllocateFn>(dlsym(scope, kNothrowNew));
    auto release = reinterpret_cast<FreeFn>(dlsym(scope, kDelete));
    if (allocate == nullptr || release == nullptr) return {};
    return {allocate, release};
}

NvinferAllocator find_allocator() noexcept {
    NvinferAllocator found = lookup(RTLD_DEFAULT);
    if (found.allocate != nullptr) return found;
    if (void* libstdcxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_NOLOAD)) {
        found = lookup(libstdcxx);
        dlclose(libstdcxx);  // RTLD_NOLOAD took a reference; nvinfer's keeps it loaded
    }
    return found;
}

const NvinferAllocator& allocator() noexcept {
    static const NvinferAllocator instance = find_allocator();
    return instance;
}

}  // namespace

void* nvinfer_allocate(std::size_t bytes) noexcept {
    const NvinferAllocator& a = allocator();
    return a.allocate ? a.allocate(bytes, std::nothrow) : std::malloc(bytes);
}

void nvinfer_free(void* p) noexcept {
    if (p == nullptr) return;
    const NvinferAllocator& a = allocator();
    if (a.free) {
        a.free(p);
    } else {
        std::free(p);
    }
}

}  // namespace ds
}  // namespace trtplug

#endif
