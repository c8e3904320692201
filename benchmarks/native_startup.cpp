// Time from dlopen of a trtplug library to its first finished enqueue, from C++ (as TensorRT would
// load it), split into steps; and the driver's own floor for a first launch of the same cubin.
//
//   g++ -O2 -std=c++17 benchmarks/native_startup.cpp -o native_startup -ldl
//   ./native_startup LIB PLUGIN DTYPE ELEMENTS trtplug   # run each in a fresh process
//   ./native_startup LIB PLUGIN DTYPE ELEMENTS bare
//
// The CUDA context, the stream and the buffers exist before the clock starts. `trtplug` prints
//   "trtplug DLOPEN_US INSTANCE_US ENQUEUE_US SYNC_US TOTAL_US"
// (dlopen, plugin index + instance + variant, the first trtplug_enqueue call, the stream's end).
// `bare` loads the library outside the clock only to read the cubin trtplug would load
// (trtplug_bench_describe_launch), then times what any program launching that cubin pays:
//   "bare LOAD_US GET_FUNCTION_US LAUNCH_US SYNC_US TOTAL_US"
// (cuModuleLoadData, cuModuleGetFunction, the first cuLaunchKernel, the stream's end).
// Elementwise plugins only (one input, one output of the input's shape), with a workspace of up to
// kWorkspaceBytes.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "native_bench.h"

namespace {

using namespace bench;
using Clock = std::chrono::steady_clock;
constexpr size_t kWorkspaceBytes = 1 << 20;

double us(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6 || (std::strcmp(argv[5], "trtplug") != 0 && std::strcmp(argv[5], "bare") != 0)) {
        std::fprintf(stderr, "usage: %s LIB PLUGIN DTYPE(float32|float16) ELEMENTS trtplug|bare\n", argv[0]);
        return 2;
    }
    const int32_t dtype = std::strcmp(argv[3], "float16") == 0 ? 1 : 0;
    const int64_t n = std::atoll(argv[4]);
    Driver d{};
    if (!load_driver(d)) return 1;
    CUdevice dev = 0;
    Handle ctx = nullptr, stream = nullptr;
    if (d.cuInit(0) || d.cuDeviceGet(&dev, 0) || d.cuDevicePrimaryCtxRetain(&ctx, dev) || d.cuCtxSetCurrent(ctx) ||
        d.cuStreamCreate(&stream, 0)) {
        std::fprintf(stderr, "CUDA setup failed\n");
        return 1;
    }
    ElementwiseTensors t;
    CUdeviceptr ws = 0;
    if (!t.allocate(d, dtype, n)) return 1;
    if (d.cuMemAlloc(&ws, kWorkspaceBytes) || d.cuStreamSynchronize(stream)) {
        std::fprintf(stderr, "allocation of the %zu-byte workspace failed\n", kWorkspaceBytes);
        return 1;
    }
    void* workspace = reinterpret_cast<void*>(ws);
    const int32_t types[2] = {dtype, dtype};
    char err[512] = {};
    Api api{};

    if (std::strcmp(argv[5], "trtplug") == 0) {
        const auto t0 = Clock::now();
        void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!lib || !bind_api(lib, api)) {
            std::fprintf(stderr, "cannot load %s: %s\n", argv[1], lib ? "missing symbols" : dlerror());
            return 1;
        }
        const auto t1 = Clock::now();
        void* inst = api.instance_create(api.plugin_index(argv[2], nullptr), nullptr, 0, err, sizeof err);
        const int32_t variant = inst ? api.find_variant(inst, types) : -1;
        if (variant < 0) {
            std::fprintf(stderr, "instance: %s\n", err);
            return 1;
        }
        const auto t2 = Clock::now();
        int32_t loaded = 0, version = 0, sm = 0;
        if (api.device_info(&loaded, &version, &sm, err, sizeof err) != 0) {
            std::fprintf(stderr, "device_info: %s\n", err);
            return 1;
        }
        const auto t2b = Clock::now();
        if (api.enqueue(inst, variant, 1, &t.rank, t.dims, t.inputs, 1, &t.rank, t.dims, t.outputs, workspace,
                        kWorkspaceBytes, stream, err, sizeof err) != 0) {
            std::fprintf(stderr, "enqueue: %s\n", err);
            return 1;
        }
        const auto t3 = Clock::now();
        d.cuStreamSynchronize(stream);
        const auto t4 = Clock::now();
        std::printf("trtplug %.1f %.1f %.1f %.1f %.1f %.1f\n", us(t0, t1), us(t1, t2), us(t2, t2b), us(t2b, t3),
                    us(t3, t4), us(t0, t4));
        return 0;
    }

    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib || !bind_api(lib, api)) {
        std::fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    void* inst = api.instance_create(api.plugin_index(argv[2], nullptr), nullptr, 0, err, sizeof err);
    const int32_t variant = inst ? api.find_variant(inst, types) : -1;
    BareLaunch launch;
    if (variant < 0 || !launch.describe(d, api, dev, inst, variant, t, workspace, kWorkspaceBytes, err, sizeof err)) {
        std::fprintf(stderr, "no cubin to launch (%s)\n", err);
        return 1;
    }
    Handle module = nullptr, function = nullptr;
    const auto t0 = Clock::now();
    if (d.cuModuleLoadData(&module, launch.image)) return 1;
    const auto t1 = Clock::now();
    if (d.cuModuleGetFunction(&function, module, launch.entry)) return 1;
    const auto t2 = Clock::now();
    if (launch.launch(d, function, stream)) return 1;
    const auto t3 = Clock::now();
    d.cuStreamSynchronize(stream);
    const auto t4 = Clock::now();
    std::printf("bare %.1f %.1f %.1f %.1f %.1f\n", us(t0, t1), us(t1, t2), us(t2, t3), us(t3, t4), us(t0, t4));
    return 0;
}
