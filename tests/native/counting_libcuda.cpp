// Stands between the trtplug core and the real CUDA driver and counts modules, so that a test can
// tell whether a library unloads every module it loaded (the driver has no call that lists them).
// Loaded through TRTPLUG_LIBCUDA; forwards every entry point the core resolves to the driver named
// by TRTPLUG_REAL_LIBCUDA (default libcuda.so.1).
//
//   trtplug_driver_modules_live()  modules loaded (cuModuleLoadDataEx) and not yet unloaded
//   trtplug_driver_runs_kernels()  what the driver behind says (the fake one: 0), else 1
//
// The same counter is exported by tests/native/fake_libcuda.cpp, so a test program reads it the
// same way on a machine with a GPU and without.
#include <dlfcn.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

namespace {

using CUresult = int;
using Handle = void*;
using DevicePtr = unsigned long long;

std::atomic<long long> g_modules_live{0};

void* real_driver() {
    static void* handle = [] {
        const char* path = std::getenv("TRTPLUG_REAL_LIBCUDA");
        void* h = dlopen(path && *path ? path : "libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!h) std::fprintf(stderr, "counting_libcuda: cannot load the CUDA driver: %s\n", dlerror());
        return h;
    }();
    return handle;
}

template <class Fn>
Fn real(const char* name) {
    void* driver = real_driver();
    return reinterpret_cast<Fn>(driver ? dlsym(driver, name) : nullptr);
}

constexpr CUresult kNotFound = 500;  // CUDA_ERROR_NOT_FOUND

}  // namespace

// FORWARD(name, (parameters), (arguments)): the entry point `name`, calling the real driver's.
#define FORWARD(name, params, args)                                                     \
    extern "C" __attribute__((visibility("default"))) CUresult name params {            \
        using Fn = CUresult(*) params;                                                   \
        static const Fn fn = real<Fn>(#name);                                            \
        return fn ? fn args : kNotFound;                                                 \
    }

FORWARD(cuInit, (unsigned a), (a))
FORWARD(cuDriverGetVersion, (int* v), (v))
FORWARD(cuGetErrorName, (CUresult r, const char** s), (r, s))
FORWARD(cuGetErrorString, (CUresult r, const char** s), (r, s))
FORWARD(cuDeviceGet, (int* d, int ordinal), (d, ordinal))
FORWARD(cuDeviceGetAttribute, (int* v, int attribute, int d), (v, attribute, d))
FORWARD(cuDevicePrimaryCtxRetain, (Handle* c, int d), (c, d))
FORWARD(cuDevicePrimaryCtxRelease_v2, (int d), (d))
FORWARD(cuDevicePrimaryCtxReset_v2, (int d), (d))
FORWARD(cuCtxSetCurrent, (Handle c), (c))
FORWARD(cuCtxGetCurrent, (Handle* c), (c))
FORWARD(cuCtxGetDevice, (int* d), (d))
FORWARD(cuCtxPushCurrent_v2, (Handle c), (c))
FORWARD(cuCtxPopCurrent_v2, (Handle* c), (c))
FORWARD(cuCtxGetId, (Handle c, unsigned long long* id), (c, id))
FORWARD(cuCtxSynchronize, (), ())
FORWARD(cuModuleGetFunction, (Handle* f, Handle m, const char* name), (f, m, name))
FORWARD(cuLinkCreate_v2, (unsigned n, int* o, void** v, Handle* s), (n, o, v, s))
FORWARD(cuLinkAddData_v2, (Handle s, int t, void* d, size_t n, const char* name, unsigned no, int* o, void** v),
        (s, t, d, n, name, no, o, v))
FORWARD(cuLinkComplete, (Handle s, void** cubin, size_t* n), (s, cubin, n))
FORWARD(cuLinkDestroy, (Handle s), (s))
FORWARD(cuFuncSetAttribute, (Handle f, int a, int v), (f, a, v))
FORWARD(cuLaunchKernel,
        (Handle f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shared,
         Handle stream, void** params, void** extra),
        (f, gx, gy, gz, bx, by, bz, shared, stream, params, extra))
FORWARD(cuLaunchCooperativeKernel,
        (Handle f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shared,
         Handle stream, void** params),
        (f, gx, gy, gz, bx, by, bz, shared, stream, params))
FORWARD(cuMemAlloc_v2, (DevicePtr* p, size_t n), (p, n))
FORWARD(cuMemFree_v2, (DevicePtr p), (p))
FORWARD(cuMemGetInfo_v2, (size_t* free_bytes, size_t* total_bytes), (free_bytes, total_bytes))
FORWARD(cuMemcpyHtoD_v2, (DevicePtr d, const void* s, size_t n), (d, s, n))
FORWARD(cuMemcpyDtoH_v2, (void* d, DevicePtr s, size_t n), (d, s, n))
FORWARD(cuMemsetD8_v2, (DevicePtr d, unsigned char v, size_t n), (d, v, n))
FORWARD(cuStreamCreate, (Handle* s, unsigned flags), (s, flags))
FORWARD(cuStreamDestroy_v2, (Handle s), (s))
FORWARD(cuStreamSynchronize, (Handle s), (s))

extern "C" __attribute__((visibility("default"))) CUresult cuModuleLoadDataEx(Handle* m, const void* image,
                                                                               unsigned n, int* options,
                                                                               void** values) {
    using Fn = CUresult (*)(Handle*, const void*, unsigned, int*, void**);
    static const Fn fn = real<Fn>("cuModuleLoadDataEx");
    const CUresult r = fn ? fn(m, image, n, options, values) : kNotFound;
    if (r == 0) g_modules_live.fetch_add(1);
    return r;
}

extern "C" __attribute__((visibility("default"))) CUresult cuModuleUnload(Handle m) {
    using Fn = CUresult (*)(Handle);
    static const Fn fn = real<Fn>("cuModuleUnload");
    const CUresult r = fn ? fn(m) : kNotFound;
    if (r == 0) g_modules_live.fetch_sub(1);
    return r;
}

// 0 in front of the fake driver (whose kernels never run), 1 in front of a real one.
extern "C" __attribute__((visibility("default"))) int trtplug_driver_runs_kernels() {
    using Fn = int (*)();
    static const Fn fn = real<Fn>("trtplug_driver_runs_kernels");
    return fn ? fn() : 1;
}

extern "C" __attribute__((visibility("default"))) long long trtplug_driver_modules_live() {
    return g_modules_live.load();
}
