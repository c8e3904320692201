// A stand-in for libcuda.so.1 on a machine without a GPU: every entry point the core and
// benchmarks/native_launch.cpp resolve, answering at once. Loaded through TRTPLUG_LIBCUDA, it lets
// the whole host path of an enqueue (C API, launch cache, context lookup, argument packing) run
// and be timed on the CPU, with the driver's own cost taken out.
//
//   g++ -O2 -std=c++17 -shared -fPIC tests/native/fake_libcuda.cpp -o libcuda_fake.so
//
// One device (sm_90), one primary context per process (current once set, per thread); memory is
// host memory; launches read their first parameter and count.
//
// It also answers the way a real driver fails, for the fault tests (tests/test_stress_native.py):
// a PTX image of ISA 9.0 or newer is refused (CUDA_ERROR_UNSUPPORTED_PTX_VERSION, as a 12.8 driver
// does), a kernel whose name starts with "trtplug_trap" fails to launch (CUDA_ERROR_LAUNCH_FAILED),
// and an allocation above 1 GiB fails (CUDA_ERROR_OUT_OF_MEMORY). trtplug_driver_modules_live()
// counts modules loaded and not yet unloaded, as tests/native/counting_libcuda.cpp does for a real
// driver.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

using CUresult = int;
using Handle = void*;

int g_context_object;     // the primary context's address
int g_module_object;
int g_function_object;
int g_trap_function_object;
thread_local Handle t_current = nullptr;
// Contexts pushed over the current one (cuCtxPushCurrent), restored by cuCtxPopCurrent.
constexpr int kStackDepth = 16;
thread_local Handle t_pushed[kStackDepth];
thread_local int t_depth = 0;
std::atomic<unsigned long long> g_launches{0};
std::atomic<long long> g_modules_live{0};
std::atomic<unsigned long long> g_context_id{1};
std::atomic<unsigned long long> g_bytes_live{0};

constexpr CUresult kSuccess = 0;
constexpr CUresult kInvalidValue = 1;
constexpr CUresult kOutOfMemory = 2;
constexpr CUresult kUnsupportedPtxVersion = 222;
constexpr CUresult kLaunchFailed = 719;
constexpr size_t kMaxAllocation = size_t{1} << 30;
constexpr size_t kTotalMemory = size_t{8} << 30;

// A PTX image (text starting with comments or directives) whose ".version" is 9.0 or newer.
bool ptx_too_new(const void* image) {
    const char* text = static_cast<const char*>(image);
    if (text[0] != '/' && text[0] != '.') return false;
    const char* v = std::strstr(text, ".version ");
    return v && std::atoi(v + 9) >= 9;
}

// Device allocations carry their size in front, so that cuMemGetInfo can say what is in use.
constexpr size_t kHeader = 16;

}  // namespace

// Tells a test program that kernels do not run here (their outputs are never written).
extern "C" __attribute__((visibility("default"))) int trtplug_driver_runs_kernels() { return 0; }

extern "C" __attribute__((visibility("default"))) long long trtplug_driver_modules_live() {
    return g_modules_live.load();
}

namespace {

}  // namespace

#define FAKE extern "C" __attribute__((visibility("default"))) CUresult

FAKE cuInit(unsigned) { return kSuccess; }
FAKE cuDriverGetVersion(int* v) {
    *v = 12080;
    return kSuccess;
}
FAKE cuGetErrorName(CUresult r, const char** s) {
    switch (r) {
        case kOutOfMemory: *s = "CUDA_ERROR_OUT_OF_MEMORY"; break;
        case kUnsupportedPtxVersion: *s = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"; break;
        case kLaunchFailed: *s = "CUDA_ERROR_LAUNCH_FAILED"; break;
        default: *s = "CUDA_ERROR_FAKE";
    }
    return kSuccess;
}
FAKE cuGetErrorString(CUresult, const char** s) {
    *s = "fake driver";
    return kSuccess;
}
FAKE cuDeviceGet(int* d, int ordinal) {
    if (ordinal != 0) return kInvalidValue;
    *d = 0;
    return kSuccess;
}
FAKE cuDeviceGetAttribute(int* v, int attribute, int) {
    *v = attribute == 75 ? 9 : 0;  // compute capability 9.0
    return kSuccess;
}
FAKE cuDevicePrimaryCtxRetain(Handle* c, int) {
    *c = &g_context_object;
    return kSuccess;
}
FAKE cuDevicePrimaryCtxRelease_v2(int) { return kSuccess; }
FAKE cuDevicePrimaryCtxReset_v2(int) {
    g_context_id.fetch_add(1);  // the next context at this address is a new one
    return kSuccess;
}
FAKE cuCtxSetCurrent(Handle c) {
    t_current = c;
    return kSuccess;
}
FAKE cuCtxGetCurrent(Handle* c) {
    *c = t_current;
    return kSuccess;
}
FAKE cuCtxGetDevice(int* d) {
    *d = 0;
    return kSuccess;
}
FAKE cuCtxPushCurrent_v2(Handle c) {
    if (t_depth == kStackDepth) return kInvalidValue;
    t_pushed[t_depth++] = t_current;
    t_current = c;
    return kSuccess;
}
FAKE cuCtxPopCurrent_v2(Handle* c) {
    if (c) *c = t_current;
    t_current = t_depth > 0 ? t_pushed[--t_depth] : nullptr;
    return kSuccess;
}
FAKE cuCtxGetId(Handle c, unsigned long long* id) {
    *id = c ? g_context_id.load() : 0;
    return c ? kSuccess : kInvalidValue;
}
FAKE cuModuleLoadData(Handle* m, const void* image) {
    if (!m || !image) return kInvalidValue;
    if (ptx_too_new(image)) return kUnsupportedPtxVersion;
    *m = &g_module_object;
    g_modules_live.fetch_add(1);
    return kSuccess;
}
FAKE cuModuleLoadDataEx(Handle* m, const void* image, unsigned, int*, void**) { return cuModuleLoadData(m, image); }
FAKE cuModuleUnload(Handle m) {
    if (!m) return kInvalidValue;
    g_modules_live.fetch_sub(1);
    return kSuccess;
}
FAKE cuModuleGetFunction(Handle* f, Handle, const char* name) {
    *f = std::strncmp(name, "trtplug_trap", 12) == 0 ? &g_trap_function_object : &g_function_object;
    return kSuccess;
}
FAKE cuLinkCreate_v2(unsigned, int*, void**, Handle*) { return kInvalidValue; }
FAKE cuLinkAddData_v2(Handle, int, void*, size_t, const char*, unsigned, int*, void**) { return kInvalidValue; }
FAKE cuLinkComplete(Handle, void**, size_t*) { return kInvalidValue; }
FAKE cuLinkDestroy(Handle) { return kSuccess; }
FAKE cuFuncSetAttribute(Handle, int, int) { return kSuccess; }
FAKE cuLaunchKernel(Handle f, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, Handle, void** params,
                    void**) {
    if (f == &g_trap_function_object) return kLaunchFailed;
    if (!f || !params || !params[0]) return kInvalidValue;
    g_launches.fetch_add(*static_cast<const uint64_t*>(params[0]) & 1u, std::memory_order_relaxed);
    return kSuccess;
}
FAKE cuLaunchCooperativeKernel(Handle f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                               unsigned shared, Handle stream, void** params) {
    return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, stream, params, nullptr);
}
FAKE cuMemAlloc_v2(unsigned long long* p, size_t bytes) {
    if (bytes > kMaxAllocation) return kOutOfMemory;
    char* m = static_cast<char*>(std::calloc(1, kHeader + (bytes ? bytes : 1)));
    if (!m) return kOutOfMemory;
    std::memcpy(m, &bytes, sizeof bytes);
    g_bytes_live.fetch_add(bytes);
    *p = reinterpret_cast<uintptr_t>(m + kHeader);
    return kSuccess;
}
FAKE cuMemFree_v2(unsigned long long p) {
    if (!p) return kSuccess;
    char* m = reinterpret_cast<char*>(static_cast<uintptr_t>(p)) - kHeader;
    size_t bytes = 0;
    std::memcpy(&bytes, m, sizeof bytes);
    g_bytes_live.fetch_sub(bytes);
    std::free(m);
    return kSuccess;
}
FAKE cuMemGetInfo_v2(size_t* free_bytes, size_t* total_bytes) {
    *total_bytes = kTotalMemory;
    *free_bytes = kTotalMemory - g_bytes_live.load();
    return kSuccess;
}
FAKE cuCtxSynchronize() { return kSuccess; }
FAKE cuMemcpyHtoD_v2(unsigned long long dst, const void* src, size_t bytes) {
    std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), src, bytes);
    return kSuccess;
}
FAKE cuMemcpyDtoH_v2(void* dst, unsigned long long src, size_t bytes) {
    std::memcpy(dst, reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), bytes);
    return kSuccess;
}
FAKE cuMemsetD8_v2(unsigned long long dst, unsigned char value, size_t count) {
    std::memset(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), value, count);
    return kSuccess;
}
FAKE cuStreamCreate(Handle* s, unsigned) {
    *s = nullptr;
    return kSuccess;
}
FAKE cuStreamDestroy_v2(Handle) { return kSuccess; }
FAKE cuStreamSynchronize(Handle) { return kSuccess; }
FAKE cuEventCreate(Handle* e, unsigned) {
    *e = nullptr;
    return kSuccess;
}
FAKE cuEventRecord(Handle, Handle) { return kSuccess; }
FAKE cuEventSynchronize(Handle) { return kSuccess; }
FAKE cuEventElapsedTime(float* ms, Handle, Handle) {
    *ms = 0.0f;
    return kSuccess;
}
