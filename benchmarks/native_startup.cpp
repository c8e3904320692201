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

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using Handle = void*;
using Clock = std::chrono::steady_clock;
constexpr size_t kWorkspaceBytes = 1 << 20;

struct Driver {
    CUresult (*cuInit)(unsigned);
    CUresult (*cuDeviceGet)(CUdevice*, int);
    CUresult (*cuDevicePrimaryCtxRetain)(Handle*, CUdevice);
    CUresult (*cuCtxSetCurrent)(Handle);
    CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
    CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
    CUresult (*cuStreamCreate)(Handle*, unsigned);
    CUresult (*cuStreamSynchronize)(Handle);
    CUresult (*cuDeviceGetAttribute)(int*, int, CUdevice);
    CUresult (*cuModuleLoadData)(Handle*, const void*);
    CUresult (*cuModuleGetFunction)(Handle*, Handle, const char*);
    CUresult (*cuLaunchKernel)(Handle, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, Handle,
                               void**, void**);
};

template <class T>
bool bind(void* lib, T& fn, const char* name) {
    fn = reinterpret_cast<T>(dlsym(lib, name));
    if (!fn) std::fprintf(stderr, "no symbol %s\n", name);
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
    return bind(lib, d.cuInit, "cuInit") && bind(lib, d.cuDeviceGet, "cuDeviceGet") &&
           bind(lib, d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
           bind(lib, d.cuCtxSetCurrent, "cuCtxSetCurrent") && bind(lib, d.cuMemAlloc, "cuMemAlloc_v2") &&
           bind(lib, d.cuMemsetD8, "cuMemsetD8_v2") && bind(lib, d.cuStreamCreate, "cuStreamCreate") &&
           bind(lib, d.cuStreamSynchronize, "cuStreamSynchronize") &&
           bind(lib, d.cuDeviceGetAttribute, "cuDeviceGetAttribute") &&
           bind(lib, d.cuModuleLoadData, "cuModuleLoadData") &&
           bind(lib, d.cuModuleGetFunction, "cuModuleGetFunction") && bind(lib, d.cuLaunchKernel, "cuLaunchKernel");
}

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

bool bind_api(void* lib, Api& api) {
    return bind(lib, api.plugin_index, "trtplug_plugin_index") && bind(lib, api.instance_create, "trtplug_instance_create") &&
           bind(lib, api.find_variant, "trtplug_find_variant") && bind(lib, api.enqueue, "trtplug_enqueue") &&
           bind(lib, api.device_info, "trtplug_device_info") &&
           bind(lib, api.describe_launch, "trtplug_bench_describe_launch");
}

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
    const size_t bytes = static_cast<size_t>(n) * (dtype == 1 ? 2 : 4);
    CUdeviceptr x = 0, y = 0, ws = 0;
    if (d.cuMemAlloc(&x, bytes) || d.cuMemAlloc(&y, bytes) || d.cuMemAlloc(&ws, kWorkspaceBytes) ||
        d.cuMemsetD8(x, 0, bytes) ||
        d.cuStreamSynchronize(stream)) {
        std::fprintf(stderr, "allocation of %zu bytes failed\n", bytes);
        return 1;
    }
    const int32_t rank = 1;
    int64_t dims[8] = {n};
    const void* inputs[1] = {reinterpret_cast<const void*>(x)};
    void* outputs[1] = {reinterpret_cast<void*>(y)};
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
        if (api.enqueue(inst, variant, 1, &rank, dims, inputs, 1, &rank, dims, outputs, workspace, kWorkspaceBytes,
                        stream, err, sizeof err) != 0) {
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
    int major = 0, minor = 0;
    d.cuDeviceGetAttribute(&major, 75, dev);
    d.cuDeviceGetAttribute(&minor, 76, dev);
    int32_t n_launches = 0, n_slots = 0;
    const char* entry = nullptr;
    int64_t launch_dims[8] = {};
    uint64_t slots[64] = {};
    const void* image = nullptr;
    size_t image_size = 0;
    if (variant < 0 ||
        api.describe_launch(inst, variant, 0, 1, &rank, dims, inputs, &rank, dims, outputs, workspace, kWorkspaceBytes,
                            major * 10 + minor, &n_launches, &entry, launch_dims, slots, 64, &n_slots, &image,
                            &image_size, err, sizeof err) != 0 ||
        !image) {
        std::fprintf(stderr, "no cubin to launch (%s)\n", err);
        return 1;
    }
    void* params[64];
    for (int32_t i = 0; i < n_slots; ++i) params[i] = &slots[i];
    Handle module = nullptr, function = nullptr;
    const auto t0 = Clock::now();
    if (d.cuModuleLoadData(&module, image)) return 1;
    const auto t1 = Clock::now();
    if (d.cuModuleGetFunction(&function, module, entry)) return 1;
    const auto t2 = Clock::now();
    if (d.cuLaunchKernel(function, static_cast<unsigned>(launch_dims[0]), static_cast<unsigned>(launch_dims[1]),
                         static_cast<unsigned>(launch_dims[2]), static_cast<unsigned>(launch_dims[3]),
                         static_cast<unsigned>(launch_dims[4]), static_cast<unsigned>(launch_dims[5]),
                         static_cast<unsigned>(launch_dims[6]), stream, params, nullptr)) {
        return 1;
    }
    const auto t3 = Clock::now();
    d.cuStreamSynchronize(stream);
    const auto t4 = Clock::now();
    std::printf("bare %.1f %.1f %.1f %.1f %.1f\n", us(t0, t1), us(t1, t2), us(t2, t3), us(t3, t4), us(t0, t4));
    return 0;
}
