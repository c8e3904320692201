// Times a trtplug plugin enqueued from C++, the way TensorRT calls it: dlopen the library, create an
// instance, then N back-to-back trtplug_enqueue calls on one stream between two CUDA events.
//
//   g++ -O2 -std=c++17 benchmarks/native_launch.cpp -o native_launch -ldl
//   ./native_launch LIB PLUGIN DTYPE ELEMENTS ITERATIONS
//
// Prints: elements, GPU microseconds per launch (events), host microseconds per enqueue call; then
// a line "bare ELEMENTS GPU_US HOST_US" for a bare cuLaunchKernel of the same cubin with the same
// arguments (from trtplug_bench_describe_launch), timed the same way: the floor trtplug's host
// path is measured against. Needs only the driver (libcuda.so.1), reached through dlopen
// (TRTPLUG_LIBCUDA names another file, as for the library: a fake driver times the host path alone).
//
// Back-to-back calls can outrun the GPU: once the launch queue is full, each call waits for a
// kernel to finish and the host time above is the GPU's. The line
//   "batched ENQUEUE_US BARE_US RATIO"
// times the host alone: batches of kBatch calls (far from the queue's depth), the stream drained
// between batches outside the clock, trtplug and bare batches alternating; the median batch of each.
// The line "driver CTX_GET_CURRENT_NS CTX_GET_ID_NS" gives the two driver calls every enqueue makes
// besides the launch.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

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
    if (!fn) std::fprintf(stderr, "libcuda.so.1 has no %s\n", name);
    return fn != nullptr;
}

bool load_driver(Driver& d) {
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

struct Api {
    int32_t (*plugin_index)(const char*, const char*);
    void* (*instance_create)(int32_t, const void*, size_t, char*, size_t);
    int32_t (*find_variant)(void*, const int32_t*);
    int32_t (*enqueue)(void*, int32_t, int32_t, const int32_t*, const int64_t*, const void* const*, int32_t,
                       const int32_t*, const int64_t*, void* const*, void*, size_t, void*, char*, size_t);
    int32_t (*describe_launch)(void*, int32_t, int32_t, int32_t, const int32_t*, const int64_t*, const void* const*,
                               const int32_t*, const int64_t*, void* const*, void*, size_t, int32_t, int32_t*,
                               const char**, int64_t*, uint64_t*, int32_t, int32_t*, const void**, size_t*, char*,
                               size_t);
};

// GPU and host microseconds per call of `launch`, over `iterations` back-to-back calls after a warm-up.
template <class Launch>
bool time_calls(const Driver& d, Handle stream, Handle start, Handle stop, int iterations, Launch launch,
                double* gpu_us, double* host_us) {
    for (int i = 0; i < 20; ++i) {
        if (!launch()) return false;
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
    *gpu_us = ms * 1000.0 / iterations;
    *host_us = std::chrono::duration<double, std::micro>(host_end - host_start).count() / iterations;
    return true;
}

constexpr int kBatch = 100;

// Host microseconds of one batch of kBatch calls, the stream drained before the clock starts.
template <class Launch>
double batch_us(const Driver& d, Handle stream, Launch& launch) {
    d.cuStreamSynchronize(stream);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kBatch; ++i) launch();
    const auto end = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::micro>(end - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// Median host microseconds per call of `a` and of `b`, batches alternating (so drift in clocks or
// load hits both alike).
template <class A, class B>
void time_batched(const Driver& d, Handle stream, int iterations, A& a, B& b, double* a_us, double* b_us) {
    std::vector<double> ta, tb;
    const int rounds = std::max(5, iterations / kBatch);
    for (int r = 0; r < rounds; ++r) {
        ta.push_back(batch_us(d, stream, a) / kBatch);
        tb.push_back(batch_us(d, stream, b) / kBatch);
    }
    d.cuStreamSynchronize(stream);
    *a_us = median(ta);
    *b_us = median(tb);
}

// Nanoseconds per call of the driver calls every enqueue makes besides the launch.
void time_context_queries(const Driver& d) {
    constexpr int kCalls = 100000;
    Handle ctx = nullptr;
    unsigned long long id = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) d.cuCtxGetCurrent(&ctx);
    const double current_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / kCalls;
    double id_ns = -1.0;
    if (d.cuCtxGetId) {
        start = std::chrono::steady_clock::now();
        for (int i = 0; i < kCalls; ++i) d.cuCtxGetId(ctx, &id);
        id_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / kCalls;
    }
    std::printf("driver %.1f %.1f\n", current_ns, id_ns);
}

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
        !bind(lib, api.find_variant, "trtplug_find_variant") || !bind(lib, api.enqueue, "trtplug_enqueue") ||
        !bind(lib, api.describe_launch, "trtplug_bench_describe_launch")) {
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
    auto enqueue = [&] {
        if (api.enqueue(inst, variant, 1, &rank, dims, inputs, 1, &rank, dims, outputs, nullptr, 0, stream, err,
                        sizeof err) == 0) {
            return true;
        }
        std::fprintf(stderr, "enqueue: %s\n", err);
        return false;
    };
    double gpu_us = 0, host_us = 0;
    if (!time_calls(d, stream, start, stop, iterations, enqueue, &gpu_us, &host_us)) return 1;
    std::printf("%lld %.3f %.3f\n", static_cast<long long>(n), gpu_us, host_us);

    // The same launch without trtplug: the cubin, entry, dimensions and packed arguments it would use.
    int major = 0, minor = 0;
    d.cuDeviceGetAttribute(&major, 75, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    d.cuDeviceGetAttribute(&minor, 76, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
    int32_t n_launches = 0, n_slots = 0;
    const char* entry = nullptr;
    int64_t launch_dims[8] = {};
    uint64_t slots[64] = {};
    const void* image = nullptr;
    size_t image_size = 0;
    if (api.describe_launch(inst, variant, 0, 1, &rank, dims, inputs, &rank, dims, outputs, nullptr, 0,
                            major * 10 + minor, &n_launches, &entry, launch_dims, slots, 64, &n_slots, &image,
                            &image_size, err, sizeof err) != 0 || !image || n_launches != 1) {
        std::fprintf(stderr, "no bare launch to compare with (%s)\n", image ? err : "no cubin for this device");
        return 0;
    }
    Handle module = nullptr, function = nullptr;
    if (d.cuModuleLoadData(&module, image) || d.cuModuleGetFunction(&function, module, entry)) {
        std::fprintf(stderr, "cannot load the kernel %s\n", entry);
        return 1;
    }
    void* params[64];
    for (int32_t i = 0; i < n_slots; ++i) params[i] = &slots[i];
    auto bare = [&] {
        return d.cuLaunchKernel(function, static_cast<unsigned>(launch_dims[0]), static_cast<unsigned>(launch_dims[1]),
                                static_cast<unsigned>(launch_dims[2]), static_cast<unsigned>(launch_dims[3]),
                                static_cast<unsigned>(launch_dims[4]), static_cast<unsigned>(launch_dims[5]),
                                static_cast<unsigned>(launch_dims[6]), stream, params, nullptr) == 0;
    };
    if (!time_calls(d, stream, start, stop, iterations, bare, &gpu_us, &host_us)) return 1;
    std::printf("bare %lld %.3f %.3f\n", static_cast<long long>(n), gpu_us, host_us);
    double enqueue_us = 0, bare_us = 0;
    time_batched(d, stream, iterations, enqueue, bare, &enqueue_us, &bare_us);
    std::printf("batched %.3f %.3f %.3f\n", enqueue_us, bare_us, enqueue_us / bare_us);
    time_context_queries(d);
    return 0;
}
