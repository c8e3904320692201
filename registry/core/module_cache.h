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
