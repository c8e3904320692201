// What the C++ benchmarks (native_launch.cpp, native_startup.cpp) share: the CUDA driver and the
// trtplug C API, both reached through dlopen, and the bare launch of the cubin trtplug would load
// (read from trtplug_bench_describe_launch) they time trtplug against.
//
// Included by path next to the programs, so each still builds with one command, e.g.
//   g++ -O2 -std=c++17 benchmarks/native_launch.cpp -o native_launch -ldl
#pragma once

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace bench {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using Handle = void*;

// The driver entry points the benchmarks call.
struct Driver {
    CUresult (*cuInit)(unsigned);
    CUresult (*cuDeviceGet)(CUdevice*, int);
    CUresult (*cuDevicePrimaryCtxRetain)(Handle*, CUdevice);
    CUresult (*cuCtxSetCurrent)(Handle);
    CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
    CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
    CUresult (*cuStreamCreate)(Handle*, unsigned);
    CUresult (*cuStreamSynchronize)(Handle);
    CUresult (*cuEventCreate)(Handle*, unsigned);
    CUresult (*cuEventRecord)(Handle, Handle);
    CUresult (*cuEventSynchronize)(Handle);
    CUresult (*cuEventElapsedTime)(float*, Handle, Handle);
    CUresult (*cuDeviceGetAttribute)(int*, int, CUdevice);
    CUresult (*cuModuleLoadData)(Handle*, const void*);
    CUresult (*cuModuleGetFunction)(Handle*, Handle, const char*);
    CUresult (*cuLaunchKernel)(Handle, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, Handle,
                               void**, void**);
    CUresult (*cuCtxGetCurrent)(Handle*);
    CUresult (*cuCtxGetId)(Handle, unsigned long long*);  // CUDA 12.0 and newer; may be null
};

template <class T>
bool bind(void* lib, T& fn, const char* name) {
    fn = reinterpret_cast<T>(dlsym(lib, name));
    if (!fn) std::fprintf(stderr, "no symbol %s\n", name);
    return fn != nullptr;
}

// libcuda.so.1, or the file TRTPLUG_LIBCUDA names (a fake driver times the host path alone).
inline bool load_driver(Driver& d) {
    const char* override_path = std::getenv("TRTPLUG_LIBCUDA");
    const char* path = override_path && *override_path ? override_path : "libcuda.so.1";
    void* lib = dlopen(path, RTLD_NOW);
    if (!lib) {
        std::fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
        return false;
    }
    d.cuCtxGetId = reinterpret_cast<decltype(d.cuCtxGetId)>(dlsym(lib, "cuCtxGetId"));
    return bind(lib, d.cuInit, "cuInit") && bind(lib, d.cuDeviceGet, "cuDeviceGet") &&
           bind(lib, d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
           bind(lib, d.cuCtxSetCurrent, "cuCtxSetCurrent") && bind(lib, d.cuMemAlloc, "cuMemAlloc_v2") &&
           bind(lib, d.cuMemsetD8, "cuMemsetD8_v2") && bind(lib, d.cuStreamCreate, "cuStreamCreate") &&
           bind(lib, d.cuStreamSynchronize, "cuStreamSynchronize") && bind(lib, d.cuEventCreate, "cuEventCreate") &&
           bind(lib, d.cuEventRecord, "cuEventRecord") && bind(lib, d.cuEventSynchronize, "cuEventSynchronize") &&
           bind(lib, d.cuEventElapsedTime, "cuEventElapsedTime") &&
           bind(lib, d.cuDeviceGetAttribute, "cuDeviceGetAttribute") &&
           bind(lib, d.cuModuleLoadData, "cuModuleLoadData") &&
           bind(lib, d.cuModuleGetFunction, "cuModuleGetFunction") && bind(lib, d.cuLaunchKernel, "cuLaunchKernel") &&
           bind(lib, d.cuCtxGetCurrent, "cuCtxGetCurrent");
}

// The trtplug C API calls the benchmarks make (registry/core/c_api.cpp).
struct Api {
    int32_t (*plugin_index)(const char*, const char*);
    void* (*instance_create)(int32_t, const void*, size_t, char*, size_t);
    int32_t (*find_variant)(void*, const int32_t*);
    int32_t (*device_info)(int32_t*, int32_t*, int32_t*, char*, size_t);
    int32_t (*enqueue)(void*, int32_t, int32_t, const int32_t*, const int64_t*, const void* const*, int32_t,
                       const int32_t*, const int64_t*, void* const*, void*, size_t, void*, char*, size_t);
    int32_t (*describe_launch)(void*, int32_t, int32_t, int32_t, const int32_t*, const int64_t*, const void* const*,
                               const int32_t*, const int64_t*, void* const*, void*, size_t, int32_t, int32_t*,
                               const char**, int64_t*, uint64_t*, int32_t, int32_t*, const void**, size_t*, char*,
                               size_t);
};

inline bool bind_api(void* lib, Api& api) {
    return bind(lib, api.plugin_index, "trtplug_plugin_index") &&
           bind(lib, api.instance_create, "trtplug_instance_create") &&
           bind(lib, api.find_variant, "trtplug_find_variant") && bind(lib, api.enqueue, "trtplug_enqueue") &&
           bind(lib, api.device_info, "trtplug_device_info") &&
           bind(lib, api.describe_launch, "trtplug_bench_describe_launch");
}

// The tensors of an elementwise plugin: one input and one output of `n` elements of `dtype` (0
// float32, 1 float16), the input zeroed, and the rank-1 description every C API call takes.
struct ElementwiseTensors {
    int32_t rank = 1;
    int64_t dims[8] = {};
    CUdeviceptr x = 0, y = 0;
    const void* inputs[1] = {};
    void* outputs[1] = {};

    bool allocate(const Driver& d, int32_t dtype, int64_t n) {
        const size_t bytes = static_cast<size_t>(n) * (dtype == 1 ? 2 : 4);
        if (d.cuMemAlloc(&x, bytes) || d.cuMemAlloc(&y, bytes) || d.cuMemsetD8(x, 0, bytes)) {
            std::fprintf(stderr, "allocation of %zu bytes failed\n", bytes);
            return false;
        }
        dims[0] = n;
        inputs[0] = reinterpret_cast<const void*>(x);
        outputs[0] = reinterpret_cast<void*>(y);
        return true;
    }
};

// The launch trtplug's enqueue of an elementwise plugin (one input, one output of its shape, rank 1)
// would make: the cubin, its entry, the grid and block, and the packed arguments.
struct BareLaunch {
    int32_t n_launches = 0;
    int32_t n_slots = 0;
    const char* entry = nullptr;
    int64_t dims[8] = {};
    uint64_t slots[64] = {};
    void* params[64] = {};
    const void* image = nullptr;
    size_t image_size = 0;

    // Reads the launch from `api` for device `dev`; false (with `err`) when there is none.
    bool describe(const Driver& d, const Api& api, CUdevice dev, void* instance, int32_t variant,
                  const ElementwiseTensors& t, void* workspace, size_t workspace_bytes, char* err, size_t err_size) {
        int major = 0, minor = 0;
        d.cuDeviceGetAttribute(&major, 75, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
        d.cuDeviceGetAttribute(&minor, 76, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
        if (api.describe_launch(instance, variant, 0, 1, &t.rank, t.dims, t.inputs, &t.rank, t.dims, t.outputs,
                                workspace, workspace_bytes, major * 10 + minor, &n_launches, &entry, dims, slots, 64,
                                &n_slots, &image, &image_size, err, err_size) != 0 || !image) {
            return false;
        }
        for (int32_t i = 0; i < n_slots; ++i) params[i] = &slots[i];
        return true;
    }

    CUresult launch(const Driver& d, Handle function, Handle stream) {
        return d.cuLaunchKernel(function, static_cast<unsigned>(dims[0]), static_cast<unsigned>(dims[1]),
                                static_cast<unsigned>(dims[2]), static_cast<unsigned>(dims[3]),
                                static_cast<unsigned>(dims[4]), static_cast<unsigned>(dims[5]),
                                static_cast<unsigned>(dims[6]), stream, params, nullptr);
    }
};

}  // namespace bench
