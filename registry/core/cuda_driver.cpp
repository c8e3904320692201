// Loads libcuda.so.1 once per process and resolves the driver entry points the core uses.
#include "cuda_driver.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core_internal.h"

namespace trtplug {
namespace cu {
namespace {

struct Loaded {
    Api api{};
    bool library_loaded = false;
    Status status = Status::kInternal;
    char message[768] = "CUDA driver not loaded";
};

template <class Fn>
bool resolve(void* lib, const char* name, Fn* fn) {
    void* p = dlsym(lib, name);
    *fn = reinterpret_cast<Fn>(p);
    return p != nullptr;
}

Loaded* load() {
    // Freed by release_driver, after the module cache's last call into the driver at unload.
    Loaded* l = new (std::nothrow) Loaded();
    if (!l) return nullptr;
    const char* override_path = std::getenv("TRTPLUG_LIBCUDA");
    const char* path = override_path && *override_path ? override_path : "libcuda.so.1";
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = dlerror();
        l->status = Status::kDriverMissing;
        std::snprintf(l->message, sizeof l->message,
                      "cannot load the CUDA driver (%s): %s; trtplug kernels need an NVIDIA GPU and its driver", path,
                      why ? why : "unknown dlopen error");
        return l;
    }
    Api& a = l->api;
    struct Required {
        const char* name;
        bool ok;
    };
    const Required required[] = {
        {"cuInit", resolve(lib, "cuInit", &a.cuInit)},
        {"cuDriverGetVersion", resolve(lib, "cuDriverGetVersion", &a.cuDriverGetVersion)},
        {"cuGetErrorName", resolve(lib, "cuGetErrorName", &a.cuGetErrorName)},
        {"cuGetErrorString", resolve(lib, "cuGetErrorString", &a.cuGetErrorString)},
        {"cuCtxGetCurrent", resolve(lib, "cuCtxGetCurrent", &a.cuCtxGetCurrent)},
        {"cuCtxGetDevice", resolve(lib, "cuCtxGetDevice", &a.cuCtxGetDevice)},
        {"cuCtxPushCurrent_v2", resolve(lib, "cuCtxPushCurrent_v2", &a.cuCtxPushCurrent)},
        {"cuCtxPopCurrent_v2", resolve(lib, "cuCtxPopCurrent_v2", &a.cuCtxPopCurrent)},
        {"cuDeviceGetAttribute", resolve(lib, "cuDeviceGetAttribute", &a.cuDeviceGetAttribute)},
        {"cuModuleLoadDataEx", resolve(lib, "cuModuleLoadDataEx", &a.cuModuleLoadDataEx)},
        {"cuModuleUnload", resolve(lib, "cuModuleUnload", &a.cuModuleUnload)},
        {"cuModuleGetFunction", resolve(lib, "cuModuleGetFunction", &a.cuModuleGetFunction)},
        {"cuLinkCreate_v2", resolve(lib, "cuLinkCreate_v2", &a.cuLinkCreate)},
        {"cuLinkAddData_v2", resolve(lib, "cuLinkAddData_v2", &a.cuLinkAddData)},
        {"cuLinkComplete", resolve(lib, "cuLinkComplete", &a.cuLinkComplete)},
        {"cuLinkDestroy", resolve(lib, "cuLinkDestroy", &a.cuLinkDestroy)},
        {"cuLaunchKernel", resolve(lib, "cuLaunchKernel", &a.cuLaunchKernel)},
        {"cuLaunchCooperativeKernel", resolve(lib, "cuLaunchCooperativeKernel", &a.cuLaunchCooperativeKernel)},
        {"cuFuncSetAttribute", resolve(lib, "cuFuncSetAttribute", &a.cuFuncSetAttribute)},
        {"cuDeviceGet", resolve(lib, "cuDeviceGet", &a.cuDeviceGet)},
        {"cuDevicePrimaryCtxRetain", resolve(lib, "cuDevicePrimaryCtxRetain", &a.cuDevicePrimaryCtxRetain)},
        {"cuDevicePrimaryCtxRelease_v2", resolve(lib, "cuDevicePrimaryCtxRelease_v2", &a.cuDevicePrimaryCtxRelease)},
        {"cuCtxSetCurrent", resolve(lib, "cuCtxSetCurrent", &a.cuCtxSetCurrent)},
        {"cuMemAlloc_v2", resolve(lib, "cuMemAlloc_v2", &a.cuMemAlloc)},
        {"cuMemFree_v2", resolve(lib, "cuMemFree_v2", &a.cuMemFree)},
        {"cuMemcpyHtoD_v2", resolve(lib, "cuMemcpyHtoD_v2", &a.cuMemcpyHtoD)},
        {"cuMemcpyDtoH_v2", resolve(lib, "cuMemcpyDtoH_v2", &a.cuMemcpyDtoH)},
        {"cuMemsetD8_v2", resolve(lib, "cuMemsetD8_v2", &a.cuMemsetD8)},
        {"cuStreamSynchronize", resolve(lib, "cuStreamSynchronize", &a.cuStreamSynchronize)},
    };
    resolve(lib, "cuCtxGetId", &a.cuCtxGetId);  // optional: CUDA 12.0 and newer
    for (const Required& r : required) {
        if (!r.ok) {
            l->status = Status::kDriverMissing;
            std::snprintf(l->message, sizeof l->message,
                          "the CUDA driver %s has no %s (driver too old or not an NVIDIA driver)", path, r.name);
            return l;  // the handle stays open: harmless, and never dlclosed
        }
    }
    l->library_loaded = true;
    a.cuDriverGetVersion(&a.driver_version);
    const Result init = a.cuInit(0);
    if (init != kSuccess) {
        l->status = Status::kCudaError;
        std::snprintf(l->message, sizeof l->message, "cuInit failed: %s", result_text(&a, init).c_str());
        return l;
    }
    l->status = Status::kOk;
    l->message[0] = '\0';
    return l;
}

std::atomic<Loaded*> g_loaded{nullptr};  // what release_driver frees

Loaded* loaded() {
    static Loaded* l = g_loaded = load();  // C++11 guarantees one thread-safe initialization
    return l;
}

}  // namespace

const Api* driver(Error* err) {
    Loaded* l = loaded();
    if (!l) {
        detail::fail(err, Status::kInternal, "out of memory while loading the CUDA driver");
        return nullptr;
    }
    if (l->status != Status::kOk) {
        detail::fail(err, l->status, l->message);
        return nullptr;
    }
    return &l->api;
}

void release_driver() noexcept { delete g_loaded.exchange(nullptr); }

bool driver_library_version(int32_t* version) {
    Loaded* l = loaded();
    if (!l || !l->library_loaded) return false;
    *version = l->api.driver_version;
    return true;
}

std::string result_text(const Api* api, Result r) {
    const char* name = nullptr;
    const char* text = nullptr;
    if (api) {
        if (api->cuGetErrorName(r, &name) != kSuccess) name = nullptr;
        if (api->cuGetErrorString(r, &text) != kSuccess) text = nullptr;
    }
    return detail::strf("%s (%d): %s", name ? name : "CUDA_ERROR_UNKNOWN_CODE", r, text ? text : "no description");
}

Status cuda_fail(const Api* api, Result r, const char* what, Error* err) {
    return detail::fail(err, Status::kCudaError, detail::strf("%s failed: %s", what, result_text(api, r).c_str()));
}

}  // namespace cu
}  // namespace trtplug
