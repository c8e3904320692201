// The slice of the CUDA driver API the core uses, declared by trtplug itself and reached through
// dlopen("libcuda.so.1"): a trtplug library has no link-time CUDA dependency and needs no CUDA
// headers to build. Values equal those of cuda.h (tests/native/check_driver_constants.cpp checks
// them against the real header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "trtplug_core.h"

namespace trtplug {
namespace cu {

using Result = int32_t;  // CUresult
using Device = int32_t;  // CUdevice
using DevicePtr = unsigned long long;  // CUdeviceptr
struct CtxSt;
struct ModSt;
struct FuncSt;
struct StreamSt;
struct LinkSt;
using Context = CtxSt*;
using Module = ModSt*;
using Function = FuncSt*;
using Stream = StreamSt*;
using LinkState = LinkSt*;

// CUresult values the core reacts to.
constexpr Result kSuccess = 0;
constexpr Result kErrorInvalidValue = 1;
constexpr Result kErrorOutOfMemory = 2;
constexpr Result kErrorNotInitialized = 3;
constexpr Result kErrorDeinitialized = 4;
constexpr Result kErrorNoDevice = 100;
constexpr Result kErrorInvalidContext = 201;
constexpr Result kErrorNoBinaryForGpu = 209;
constexpr Result kErrorInvalidPtx = 218;
constexpr Result kErrorUnsupportedPtxVersion = 222;
constexpr Result kErrorInvalidHandle = 400;
constexpr Result kErrorNotFound = 500;
constexpr Result kErrorContextIsDestroyed = 709;

// CUjit_option
constexpr int32_t kJitWallTime = 2;
constexpr int32_t kJitInfoLogBuffer = 3;
constexpr int32_t kJitInfoLogBufferSizeBytes = 4;
constexpr int32_t kJitErrorLogBuffer = 5;
constexpr int32_t kJitErrorLogBufferSizeBytes = 6;
constexpr int32_t kJitLogVerbose = 12;

// CUjitInputType
constexpr int32_t kJitInputCubin = 0;
constexpr int32_t kJitInputPtx = 1;

// CUdevice_attribute
constexpr int32_t kDevAttrComputeCapabilityMajor = 75;
constexpr int32_t kDevAttrComputeCapabilityMinor = 76;

// CUfunction_attribute
constexpr int32_t kFuncAttrMaxDynamicSharedSizeBytes = 8;

struct Api {
    Result (*cuInit)(unsigned int flags);
    Result (*cuDriverGetVersion)(int* version);
    Result (*cuGetErrorName)(Result error, const char** name);
    Result (*cuGetErrorString)(Result error, const char** text);
    Result (*cuCtxGetCurrent)(Context* ctx);
    Result (*cuCtxGetDevice)(Device* device);
    Result (*cuCtxPushCurrent)(Context ctx);   // cuCtxPushCurrent_v2
    Result (*cuCtxPopCurrent)(Context* ctx);   // cuCtxPopCurrent_v2
    Result (*cuCtxGetId)(Context ctx, unsigned long long* id);  // CUDA >= 12.0; may be null
    Result (*cuDeviceGetAttribute)(int* value, int32_t attribute, Device device);
    Result (*cuModuleLoadDataEx)(Module* module, const void* image, unsigned int n_options, int32_t* options,
                                 void** values);
    Result (*cuModuleUnload)(Module module);
    Result (*cuModuleGetFunction)(Function* function, Module module, const char* name);
    Result (*cuLinkCreate)(unsigned int n_options, int32_t* options, void** values, LinkState* state);  // _v2
    Result (*cuLinkAddData)(LinkState state, int32_t type, void* data, size_t size, const char* name,
                            unsigned int n_options, int32_t* options, void** values);  // _v2
    Result (*cuLinkComplete)(LinkState state, void** cubin, size_t* size);
    Result (*cuLinkDestroy)(LinkState state);
    Result (*cuLaunchKernel)(Function f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                             unsigned int by, unsigned int bz, unsigned int shared_bytes, Stream stream,
                             void** params, void** extra);
    Result (*cuLaunchCooperativeKernel)(Function f, unsigned int gx, unsigned int gy, unsigned int gz,
                                        unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared_bytes,
                                        Stream stream, void** params);
    Result (*cuFuncSetAttribute)(Function f, int32_t attribute, int value);
    // Used by tests and tools that run a plugin outside TensorRT.
    Result (*cuDeviceGet)(Device* device, int ordinal);
    Result (*cuDevicePrimaryCtxRetain)(Context* ctx, Device device);
    Result (*cuDevicePrimaryCtxRelease)(Device device);  // _v2
    Result (*cuCtxSetCurrent)(Context ctx);
    Result (*cuMemAlloc)(DevicePtr* ptr, size_t bytes);              // _v2
    Result (*cuMemFree)(DevicePtr ptr);                              // _v2
    Result (*cuMemcpyHtoD)(DevicePtr dst, const void* src, size_t bytes);  // _v2
    Result (*cuMemcpyDtoH)(void* dst, DevicePtr src, size_t bytes);        // _v2
    Result (*cuMemsetD8)(DevicePtr dst, unsigned char value, size_t count);  // _v2
    Result (*cuStreamSynchronize)(Stream stream);

    int32_t driver_version;  // from cuDriverGetVersion, e.g. 12040
};

// The loaded driver, or null with err filled (kDriverMissing when libcuda.so.1 or one of its
// symbols is missing, kCudaError when cuInit fails). Loads once per process, thread-safe.
// The environment variable TRTPLUG_LIBCUDA names another file to load instead of libcuda.so.1.
const Api* driver(Error* err);

// True when libcuda.so.1 and its symbols loaded (even if cuInit failed); sets *version.
bool driver_library_version(int32_t* version);

// Frees what driver() loaded (not the libcuda handle: the process's CUDA contexts need the driver).
// Called once, by the module cache as the library unloads, after its last driver call: without it
// every dlopen/dlclose cycle of a trtplug library would leave its copy behind.
void release_driver() noexcept;

// "CUDA_ERROR_X (n): description" for a CUresult.
std::string result_text(const Api* api, Result r);

// Fills err with "<what> failed: <result_text>" and returns kCudaError.
Status cuda_fail(const Api* api, Result r, const char* what, Error* err);

}  // namespace cu
}  // namespace trtplug
