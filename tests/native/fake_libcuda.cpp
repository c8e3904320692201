// A stand-in for libcuda.so.1 on a machine without a GPU: every entry point the core and
// benchmarks/native_launch.cpp resolve, answering at once. Loaded through TRTPLUG_LIBCUDA, it lets
// the whole host path of an enqueue (C API, launch cache, context lookup, argument packing) run
// and be timed on the CPU, with the driver's own cost taken out.
//
//   g++ -O2 -std=c++17 -shared -fPIC tests/native/fake_libcuda.cpp -o libcuda_fake.so
//
// One device (sm_90), one primary context per process (current once set, per thread); memory is
// host memory; launches read their first parameter and count.
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
thread_local Handle t_current = nullptr;
std::atomic<unsigned long long> g_launches{0};

constexpr CUresult kSuccess = 0;
constexpr CUresult kInvalidValue = 1;
constexpr CUresult kOutOfMemory = 2;

}  // namespace

#define FAKE extern "C" __attribute__((visibility("default"))) CUresult

FAKE cuInit(unsigned) { return kSuccess; }
FAKE cuDriverGetVersion(int* v) {
    *v = 12080;
    return kSuccess;
}
FAKE cuGetErrorName(CUresult, const char** s) {
    *s = "CUDA_ERROR_FAKE";
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
    t_current = c;
    return kSuccess;
}
FAKE cuCtxPopCurrent_v2(Handle* c) {
    *c = t_current;
    t_current = nullptr;
    return kSuccess;
}
FAKE cuCtxGetId(Handle c, unsigned long long* id) {
    *id = c ? 1 : 0;
    return c ? kSuccess : kInvalidValue;
}
FAKE cuModuleLoadData(Handle* m, const void*) {
    *m = &g_module_object;
    return kSuccess;
}
FAKE cuModuleLoadDataEx(Handle* m, const void* image, unsigned, int*, void**) { return cuModuleLoadData(m, image); }
FAKE cuModuleUnload(Handle) { return kSuccess; }
FAKE cuModuleGetFunction(Handle* f, Handle, const char*) {
    *f = &g_function_object;
    return kSuccess;
}
FAKE cuLinkCreate_v2(unsigned, int*, void**, Handle*) { return kInvalidValue; }
FAKE cuLinkAddData_v2(Handle, int, void*, size_t, const char*, unsigned, int*, void**) { return kInvalidValue; }
FAKE cuLinkComplete(Handle, void**, size_t*) { return kInvalidValue; }
FAKE cuLinkDestroy(Handle) { return kSuccess; }
FAKE cuFuncSetAttribute(Handle, int, int) { return kSuccess; }
FAKE cuLaunchKernel(Handle f, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, Handle, void** params,
                    void**) {
    if (!f || !params || !params[0]) return kInvalidValue;
    g_launches.fetch_add(*static_cast<const uint64_t*>(params[0]) & 1u, std::memory_order_relaxed);
    return kSuccess;
}
FAKE cuLaunchCooperativeKernel(Handle f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                               unsigned shared, Handle stream, void** params) {
    return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, stream, params, nullptr);
}
FAKE cuMemAlloc_v2(unsigned long long* p, size_t bytes) {
    void* m = std::calloc(1, bytes ? bytes : 1);
    if (!m) return kOutOfMemory;
    *p = reinterpret_cast<uintptr_t>(m);
    return kSuccess;
}
FAKE cuMemFree_v2(unsigned long long p) {
    std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
    return kSuccess;
}
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
