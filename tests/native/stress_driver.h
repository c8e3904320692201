// The CUDA driver entry points the stress program (stress_main.cpp) calls itself: contexts,
// streams, memory. Resolved from the library the trtplug core loads (TRTPLUG_LIBCUDA, default
// libcuda.so.1), so that both use one driver: the real one, the fake (fake_libcuda.cpp) or the
// counting shim (counting_libcuda.cpp), whose trtplug_driver_modules_live() is read through here.
#pragma once

#include <dlfcn.h>

#include <cstddef>
#include <cstdlib>
#include <string>
#include <type_traits>

namespace stress {

using CUresult = int;
using Handle = void*;
using DevicePtr = unsigned long long;

struct Driver {
    CUresult (*cuInit)(unsigned) = nullptr;
    CUresult (*cuGetErrorName)(CUresult, const char**) = nullptr;
    CUresult (*cuDeviceGet)(int*, int) = nullptr;
    CUresult (*cuDevicePrimaryCtxRetain)(Handle*, int) = nullptr;
    CUresult (*cuDevicePrimaryCtxRelease)(int) = nullptr;
    CUresult (*cuDevicePrimaryCtxReset)(int) = nullptr;
    CUresult (*cuCtxSetCurrent)(Handle) = nullptr;
    CUresult (*cuCtxSynchronize)() = nullptr;
    CUresult (*cuStreamCreate)(Handle*, unsigned) = nullptr;
    CUresult (*cuStreamDestroy)(Handle) = nullptr;
    CUresult (*cuStreamSynchronize)(Handle) = nullptr;
    CUresult (*cuMemAlloc)(DevicePtr*, size_t) = nullptr;
    CUresult (*cuMemFree)(DevicePtr) = nullptr;
    CUresult (*cuMemGetInfo)(size_t*, size_t*) = nullptr;
    CUresult (*cuMemcpyHtoD)(DevicePtr, const void*, size_t) = nullptr;
    CUresult (*cuMemcpyDtoH)(void*, DevicePtr, size_t) = nullptr;
    CUresult (*cuMemsetD8)(DevicePtr, unsigned char, size_t) = nullptr;
    long long (*modules_live)() = nullptr;  // only the fake driver and the counting shim have it
    bool runs_kernels = true;               // false for the fake driver: outputs are never written

    std::string path;
    std::string error;  // why load() failed

    bool load() {
        const char* override_path = std::getenv("TRTPLUG_LIBCUDA");
        path = override_path && *override_path ? override_path : "libcuda.so.1";
        void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* why = dlerror();
            error = "cannot load " + path + ": " + (why ? why : "?");
            return false;
        }
        bool ok = true;
        auto get = [&](const char* name, auto* fn) {
            *fn = reinterpret_cast<std::remove_pointer_t<decltype(fn)>>(dlsym(lib, name));
            if (!*fn) {
                ok = false;
                error += std::string(error.empty() ? "" : ", ") + "no " + name;
            }
        };
        get("cuInit", &cuInit);
        get("cuGetErrorName", &cuGetErrorName);
        get("cuDeviceGet", &cuDeviceGet);
        get("cuDevicePrimaryCtxRetain", &cuDevicePrimaryCtxRetain);
        get("cuDevicePrimaryCtxRelease_v2", &cuDevicePrimaryCtxRelease);
        get("cuDevicePrimaryCtxReset_v2", &cuDevicePrimaryCtxReset);
        get("cuCtxSetCurrent", &cuCtxSetCurrent);
        get("cuCtxSynchronize", &cuCtxSynchronize);
        get("cuStreamCreate", &cuStreamCreate);
        get("cuStreamDestroy_v2", &cuStreamDestroy);
        get("cuStreamSynchronize", &cuStreamSynchronize);
        get("cuMemAlloc_v2", &cuMemAlloc);
        get("cuMemFree_v2", &cuMemFree);
        get("cuMemGetInfo_v2", &cuMemGetInfo);
        get("cuMemcpyHtoD_v2", &cuMemcpyHtoD);
        get("cuMemcpyDtoH_v2", &cuMemcpyDtoH);
        get("cuMemsetD8_v2", &cuMemsetD8);
        auto kernels = reinterpret_cast<int (*)()>(dlsym(lib, "trtplug_driver_runs_kernels"));
        runs_kernels = kernels == nullptr || kernels() != 0;
        modules_live = reinterpret_cast<long long (*)()>(dlsym(lib, "trtplug_driver_modules_live"));
        return ok;
    }

    std::string name(CUresult r) const {
        const char* s = nullptr;
        if (cuGetErrorName(r, &s) != 0 || !s) s = "CUDA_ERROR_UNKNOWN_CODE";
        return std::string(s) + " (" + std::to_string(r) + ")";
    }

    // Device memory not in use, in bytes (0 when the driver does not answer).
    size_t free_bytes() const {
        size_t free_b = 0, total = 0;
        return cuMemGetInfo(&free_b, &total) == 0 ? free_b : 0;
    }
};

}  // namespace stress
