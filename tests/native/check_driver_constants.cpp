// Compiled (not run) by tests/test_core_native.py against the real cuda.h from the NVIDIA CUDA
// wheels: every driver constant and entry-point signature trtplug declares for itself must agree
// with NVIDIA's header.
#include <cuda.h>

#include <type_traits>

#include "cuda_driver.h"

namespace cu = trtplug::cu;

static_assert(cu::kSuccess == CUDA_SUCCESS, "");
static_assert(cu::kErrorInvalidValue == CUDA_ERROR_INVALID_VALUE, "");
static_assert(cu::kErrorOutOfMemory == CUDA_ERROR_OUT_OF_MEMORY, "");
static_assert(cu::kErrorNotInitialized == CUDA_ERROR_NOT_INITIALIZED, "");
static_assert(cu::kErrorDeinitialized == CUDA_ERROR_DEINITIALIZED, "");
static_assert(cu::kErrorNoDevice == CUDA_ERROR_NO_DEVICE, "");
static_assert(cu::kErrorInvalidContext == CUDA_ERROR_INVALID_CONTEXT, "");
static_assert(cu::kErrorNoBinaryForGpu == CUDA_ERROR_NO_BINARY_FOR_GPU, "");
static_assert(cu::kErrorInvalidPtx == CUDA_ERROR_INVALID_PTX, "");
static_assert(cu::kErrorUnsupportedPtxVersion == CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "");
static_assert(cu::kErrorInvalidHandle == CUDA_ERROR_INVALID_HANDLE, "");
static_assert(cu::kErrorNotFound == CUDA_ERROR_NOT_FOUND, "");
static_assert(cu::kErrorContextIsDestroyed == CUDA_ERROR_CONTEXT_IS_DESTROYED, "");
static_assert(cu::kJitWallTime == CU_JIT_WALL_TIME, "");
static_assert(cu::kJitInfoLogBuffer == CU_JIT_INFO_LOG_BUFFER, "");
static_assert(cu::kJitInfoLogBufferSizeBytes == CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, "");
static_assert(cu::kJitErrorLogBuffer == CU_JIT_ERROR_LOG_BUFFER, "");
static_assert(cu::kJitErrorLogBufferSizeBytes == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, "");
static_assert(cu::kJitLogVerbose == CU_JIT_LOG_VERBOSE, "");
static_assert(cu::kJitInputCubin == CU_JIT_INPUT_CUBIN, "");
static_assert(cu::kJitInputPtx == CU_JIT_INPUT_PTX, "");
static_assert(cu::kDevAttrComputeCapabilityMajor == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "");
static_assert(cu::kDevAttrComputeCapabilityMinor == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "");
static_assert(cu::kFuncAttrMaxDynamicSharedSizeBytes == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, "");

static_assert(sizeof(cu::Result) == sizeof(CUresult), "");
static_assert(sizeof(cu::Device) == sizeof(CUdevice), "");
static_assert(std::is_same<cu::DevicePtr, CUdeviceptr>::value, "");
static_assert(sizeof(int32_t) == sizeof(CUjit_option) && sizeof(int32_t) == sizeof(CUdevice_attribute), "");

// Signatures: the same parameter count and sizes, with trtplug's opaque handles in place of
// NVIDIA's. The macros of cuda.h map e.g. cuLinkCreate to cuLinkCreate_v2, which is the symbol
// the loader resolves.
template <class A, class B>
struct SameShape : std::false_type {};
template <class RA, class... A, class RB, class... B>
struct SameShape<RA (*)(A...), RB (*)(B...)>
    : std::integral_constant<bool, sizeof...(A) == sizeof...(B) && sizeof(RA) == sizeof(RB) &&
                                       (true && ... && (sizeof(A) == sizeof(B)))> {};
#define SAME(field, real) static_assert(SameShape<decltype(cu::Api::field), decltype(&real)>::value, #field)
SAME(cuInit, cuInit);
SAME(cuDriverGetVersion, cuDriverGetVersion);
SAME(cuGetErrorName, cuGetErrorName);
SAME(cuGetErrorString, cuGetErrorString);
SAME(cuCtxGetCurrent, cuCtxGetCurrent);
SAME(cuCtxGetDevice, cuCtxGetDevice);
SAME(cuCtxPushCurrent, cuCtxPushCurrent);
SAME(cuCtxPopCurrent, cuCtxPopCurrent);
SAME(cuCtxGetId, cuCtxGetId);
SAME(cuDeviceGetAttribute, cuDeviceGetAttribute);
SAME(cuModuleLoadDataEx, cuModuleLoadDataEx);
SAME(cuModuleUnload, cuModuleUnload);
SAME(cuModuleGetFunction, cuModuleGetFunction);
SAME(cuLinkCreate, cuLinkCreate);
SAME(cuLinkAddData, cuLinkAddData);
SAME(cuLinkComplete, cuLinkComplete);
SAME(cuLinkDestroy, cuLinkDestroy);
SAME(cuLaunchKernel, cuLaunchKernel);
SAME(cuLaunchCooperativeKernel, cuLaunchCooperativeKernel);
SAME(cuFuncSetAttribute, cuFuncSetAttribute);
SAME(cuDeviceGet, cuDeviceGet);
SAME(cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRetain);
SAME(cuDevicePrimaryCtxRelease, cuDevicePrimaryCtxRelease);
SAME(cuCtxSetCurrent, cuCtxSetCurrent);
SAME(cuMemAlloc, cuMemAlloc);
SAME(cuMemFree, cuMemFree);
SAME(cuMemcpyHtoD, cuMemcpyHtoD);
SAME(cuMemcpyDtoH, cuMemcpyDtoH);
SAME(cuMemsetD8, cuMemsetD8);
SAME(cuStreamSynchronize, cuStreamSynchronize);
