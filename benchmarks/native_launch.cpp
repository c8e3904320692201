// Times a trtplug plugin enqueued from C++, the way TensorRT calls it: dlopen the library, create an
// instance, then N back-to-back trtplug_enqueue calls on one stream between two CUDA events.
//
//   g++ -O2 -std=c++17 benchmarks/native_launch.cpp -o native_launch -ldl
//   ./native_launch LIB PLUGIN DTYPE ELEMENTS ITERATIONS
//
// Prints: elements, GPU microseconds per launch (events), host microseconds per enqueue call.
// Needs only the driver (libcuda.so.1), reached through dlopen like the library itself.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using Handle = void*;

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
};

template <class T>
bool bind(void* lib, T& fn, const char* name) {
    fn = reinterpret_cast<T>(dlsym(lib, name));
    if (!fn) std::fprintf(stderr, "libcuda.so.1 has no %s\n", name);
    return fn != nullptr;
}

bool load_driver(Driver& d) {
    void* lib = dlopen("libcuda.so.1", RTLD_NOW);
    if (!lib) {
        std::fprintf(stderr, "cannot load libcuda.so.1: %s\n", dlerror());
        return false;
    }
    return bind(lib, d.cuInit, "cuInit") && bind(lib, d.cuDeviceGet, "cuDeviceGet") &&
           bind(lib, d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
           bind(lib, d.cuCtxSetCurrent, "cuCtxSetCurrent") && bind(lib, d.cuMemAlloc, "cuMemAlloc_v2") &&
           bind(lib, d.cuMemsetD8, "cuMemsetD8_v2") && bind(lib, d.cuStreamCreate, "cuStreamCreate") &&
           bind(lib, d.cuStreamSynchronize, "cuStreamSynchronize") && bind(lib, d.cuEventCreate, "cuEventCreate") &&
           bind(lib, d.cuEventRecord, "cuEventRecord") && bind(lib, d.cuEventSynchronize, "cuEventSynchronize") &&
           bind(lib, d.cuEventElapsedTime, "cuEventElapsedTime");
}

struct Api {
    int32_t (*plugin_index)(const char*, const char*);
    void* (*instance_create)(int32_t, const void*, size_t, char*, size_t);
    int32_t (*find_variant)(void*, const int32_t*);
    int32_t (*enqueue)(void*, int32_t, int32_t, const int32_t*, const int64_t*, const void* const*, int32_t,
                       const int32_t*, const int64_t*, void* const*, void*, size_t, void*, char*, size_t);
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s LIB PLUGIN DTYPE(float32|float16) ELEMENTS ITERATIONS\n", argv[0]);
        return 2;
    }
    const int32_t dtype = std::strcmp(argv[3], "float16") == 0 ? 1 : 0;
    const int64_t n = std::atoll(argv[4]);
    const int iterations = std::atoi(argv[5]);
    Driver d{};
    if (!load_driver(d)) return 1;
    CUdevice dev = 0;
    Handle ctx = nullptr, stream = nullptr, start = nullptr, stop = nullptr;
    if (d.cuInit(0) || d.cuDeviceGet(&dev, 0) || d.cuDevicePrimaryCtxRetain(&ctx, dev) || d.cuCtxSetCurrent(ctx) ||
        d.cuStreamCreate(&stream, 0) || d.cuEventCreate(&start, 0) || d.cuEventCreate(&stop, 0)) {
        std::fprintf(stderr, "CUDA setup failed\n");
        return 1;
    }
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    Api api{};
    if (!bind(lib, api.plugin_index, "trtplug_plugin_index") || !bind(lib, api.instance_create, "trtplug_instance_create") ||
        !bind(lib, api.find_variant, "trtplug_find_variant") || !bind(lib, api.enqueue, "trtplug_enqueue")) {
        return 1;
    }
    char err[512] = {};
    void* inst = api.instance_create(api.plugin_index(argv[2], nullptr), nullptr, 0, err, sizeof err);
    if (!inst) {
        std::fprintf(stderr, "instance: %s\n", err);
        return 1;
    }
    const int32_t types[2] = {dtype, dtype};
    const int32_t variant = api.find_variant(inst, types);
    const size_t bytes = static_cast<size_t>(n) * (dtype == 1 ? 2 : 4);
    CUdeviceptr x = 0, y = 0;
    if (d.cuMemAlloc(&x, bytes) || d.cuMemAlloc(&y, bytes) || d.cuMemsetD8(x, 0, bytes)) {
        std::fprintf(stderr, "allocation of %zu bytes failed\n", bytes);
        return 1;
    }
    const int32_t rank = 1;
    int64_t dims[8] = {n};
    const void* inputs[1] = {reinterpret_cast<const void*>(x)};
    void* outputs[1] = {reinterpret_cast<void*>(y)};
    auto launch = [&] {
        return api.enqueue(inst, variant, 1, &rank, dims, inputs, 1, &rank, dims, outputs, nullptr, 0, stream, err,
                           sizeof err);
    };
    for (int i = 0; i < 20; ++i) {
        if (launch() != 0) {
            std::fprintf(stderr, "enqueue: %s\n", err);
            return 1;
        }
    }
    d.cuStreamSynchronize(stream);
    d.cuEventRecord(start, stream);
    const auto host_start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) launch();
    const auto host_end = std::chrono::steady_clock::now();
    d.cuEventRecord(stop, stream);
    d.cuEventSynchronize(stop);
    float ms = 0.0f;
    d.cuEventElapsedTime(&ms, start, stop);
    const double host_us = std::chrono::duration<double, std::micro>(host_end - host_start).count() / iterations;
    std::printf("%lld %.3f %.3f\n", static_cast<long long>(n), ms * 1000.0 / iterations, host_us);
    return 0;
}
