// Per-context cache of loaded kernel modules and their functions. Private to the core.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cuda_driver.h"
#include "launch_args.h"
#include "trtplug_core.h"

namespace trtplug {
namespace detail {

// The image a device of architecture `sm` (major*10 + minor) loads from `module`: the cubin of
// that sm, else the newest cubin of the same major with a lower minor, else the PTX parts of the
// newest PTX target <= sm (linked together when there are several). Pure function, tested on CPU.
struct ImageChoice {
    int32_t cubin = -1;               // index into module.images, or -1
    std::vector<int32_t> ptx_parts;   // indices into module.images
};
ImageChoice choose_images(const ModuleDesc& module, int32_t sm);
// "cubin sm_80, sm_90; PTX sm_75 (2 parts)", for messages.
std::string describe_images(const ModuleDesc& module);

// The CUDA context current on the calling thread, with its id (cuCtxGetId, CUDA 12.0 and newer; 0
// on older drivers): the id tells a new context apart from a destroyed one at the same address.
struct ContextKey {
    cu::Context context = nullptr;
    unsigned long long id = 0;
};
// Fails (kCudaError) when no context is current.
Status current_context(const cu::Api* api, ContextKey* key, Error* err);

// What the driver answers for a module or function handle whose context was destroyed.
bool is_stale_handle(cu::Result r);

// get_function in the context `key` (the current one, from current_context).
Status find_function(const cu::Api* api, const ModuleDesc& module, const char* entry, uint32_t shared_bytes,
                     const ContextKey& key, cu::Function* out, Error* err);

// Forgets (without unloading) every module cached for `context`: the driver rejected one of its
// handles, so the context that loaded them is gone and a new one has its address.
void forget_context(cu::Context context);

// cuLaunchKernel, or cuLaunchCooperativeKernel for a cooperative launch: the driver's answer.
cu::Result launch_function(const cu::Api* api, cu::Function f, const LaunchDesc& launch, const LaunchDims& dims,
                           void* stream, void** params);
// The message of a failed launch: "launching 'NAME' (grid .., block .., N bytes shared) failed: ..".
Status launch_failed(const cu::Api* api, cu::Result r, const LaunchDesc& launch, const char* name,
                     const LaunchDims& dims, Error* err);

// Finds (loading on first use) `entry` of `module` in the calling thread's current context and
// raises its dynamic shared memory limit to `shared_bytes` when above the 48 KiB default.
// Thread-safe; once loaded, a lookup takes only shared locks.
Status get_function(const cu::Api* api, const ModuleDesc& module, const char* entry, uint32_t shared_bytes,
                    cu::Function* out, Error* err);

// Finds the function of `launch` (as get_function does) and launches it on `stream` with `dims`.
// When the driver rejects a cached handle as invalid or of a destroyed context (a new context at
// the address of a destroyed one, which drivers without cuCtxGetId cannot tell apart), forgets
// the modules cached for the current context, loads again and launches once more. `name` is the
// launch's name for messages.
Status launch_kernel(const cu::Api* api, const ModuleDesc& module, const LaunchDesc& launch, const char* name,
                     const LaunchDims& dims, void* stream, void** params, Error* err);

}  // namespace detail
}  // namespace trtplug
