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

#include "native_bench.h"

namespace {

using namespace bench;

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
    if (!bind_api(lib, api)) return 1;
    char err[512] = {};
    void* inst = api.instance_create(api.plugin_index(argv[2], nullptr), nullptr, 0, err, sizeof err);
    if (!inst) {
        std::fprintf(stderr, "instance: %s\n", err);
        return 1;
    }
    const int32_t types[2] = {dtype, dtype};
    const int32_t variant = api.find_variant(inst, types);
    ElementwiseTensors t;
    if (!t.allocate(d, dtype, n)) return 1;
    auto enqueue = [&] {
        if (api.enqueue(inst, variant, 1, &t.rank, t.dims, t.inputs, 1, &t.rank, t.dims, t.outputs, nullptr, 0, stream,
                        err, sizeof err) == 0) {
            return true;
        }
        std::fprintf(stderr, "enqueue: %s\n", err);
        return false;
    };
    double gpu_us = 0, host_us = 0;
    if (!time_calls(d, stream, start, stop, iterations, enqueue, &gpu_us, &host_us)) return 1;
    std::printf("%lld %.3f %.3f\n", static_cast<long long>(n), gpu_us, host_us);

    // The same launch without trtplug: the cubin, entry, dimensions and packed arguments it would use.
    BareLaunch launch;
    if (!launch.describe(d, api, dev, inst, variant, t, nullptr, 0, err, sizeof err) ||
        launch.n_launches != 1) {
        std::fprintf(stderr, "no bare launch to compare with (%s)\n", launch.image ? err : "no cubin for this device");
        return 0;
    }
    Handle module = nullptr, function = nullptr;
    if (d.cuModuleLoadData(&module, launch.image) || d.cuModuleGetFunction(&function, module, launch.entry)) {
        std::fprintf(stderr, "cannot load the kernel %s\n", launch.entry);
        return 1;
    }
    auto bare = [&] { return launch.launch(d, function, stream) == 0; };
    if (!time_calls(d, stream, start, stop, iterations, bare, &gpu_us, &host_us)) return 1;
    std::printf("bare %lld %.3f %.3f\n", static_cast<long long>(n), gpu_us, host_us);
    double enqueue_us = 0, bare_us = 0;
    time_batched(d, stream, iterations, enqueue, bare, &enqueue_us, &bare_us);
    std::printf("batched %.3f %.3f %.3f\n", enqueue_us, bare_us, enqueue_us / bare_us);
    time_context_queries(d);
    return 0;
}
