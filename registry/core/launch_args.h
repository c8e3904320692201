// Launch preparation that needs no GPU: workspace layout, launch dimensions and the packing of
// kernel arguments in Numba's calling convention. Private to the core (tested directly).
#pragma once

#include <cstdint>
#include <vector>

#include "trtplug_core.h"

namespace trtplug {
namespace detail {

// Workspace buffers are carved from one allocation in declaration order, each starting at a
// multiple of kWorkspaceAlignment (256) bytes.
struct WorkspaceLayout {
    std::vector<size_t> offsets;
    std::vector<size_t> sizes;  // numel * itemsize of each buffer
    size_t total = 0;
};
Status workspace_layout(const PluginDesc& desc, const AttrValues& values, int32_t variant, const Shape* inputs,
                        WorkspaceLayout* layout, Error* err);

// output_shape for inputs already checked (check_inputs, check_constraints): no repeated checks.
Status computed_output_shape(const PluginDesc& desc, const AttrValues& values, const Shape* inputs,
                             int32_t output_index, Shape* out, Error* err);

struct LaunchDims {
    uint32_t grid[3];
    uint32_t block[3];
    uint32_t shared_bytes;
    bool empty;  // some grid dimension is 0: nothing to launch
};
// The name messages give a launch: its kernel's (module) name when the descriptor has one, else
// the entry symbol.
const char* launch_name(const LaunchDesc& launch, const PluginDesc* desc);

// Evaluates grid, block and dynamic shared memory and checks them against CUDA's limits (grid.x
// < 2^31, grid.y/z <= 65535, block.x/y <= 1024, block.z <= 64, at most 1024 threads per block).
Status launch_dims(const LaunchDesc& launch, const EvalEnv& env, LaunchDims* dims, Error* err);

// One 8-byte slot per kernel .param, and the slot addresses passed as kernelParams. Each array
// argument takes 5 + 2*ndim slots: meminfo (0), parent (0), nitems, itemsize, data pointer,
// shape[ndim], strides[ndim] (bytes, C-contiguous). A scalar takes one slot holding its exact
// PTX type in the low bytes (little-endian), the rest zero.
struct PackedArgs {
    std::vector<uint64_t> slots;
    std::vector<void*> pointers;
};
Status pack_args(const PluginDesc& desc, int32_t variant, const LaunchDesc& launch, const EvalEnv& env,
                 const TensorArgs& tensors, const WorkspaceLayout& workspace, PackedArgs* packed, Error* err);

// pack_args in two steps, so that the part decided by the shapes is computed once per shape set:
// pack_template evaluates and checks every slot but the data pointers (which change on every
// call), and fill_pointers writes those into a copy of the template.
struct PointerSlot {
    uint32_t slot;        // index into ArgTemplate::slots
    int32_t arg;          // the launch argument, for messages
    int32_t tensor;       // io index (inputs first), or -1 for a workspace buffer
    int32_t buffer;       // workspace buffer index (tensor == -1)
    size_t offset;        // workspace buffer's byte offset in the workspace (tensor == -1)
    bool has_elements;    // a null pointer is an error only for a view with elements
};
struct ArgTemplate {
    std::vector<uint64_t> slots;  // data pointer slots hold 0
    std::vector<PointerSlot> pointers;
};
// shapes: the input and output shapes (the outputs' as the launch will see them).
Status pack_template(const PluginDesc& desc, int32_t variant, const LaunchDesc& launch, const EvalEnv& env,
                     const Shape* input_shapes, const Shape* output_shapes, const WorkspaceLayout& workspace,
                     ArgTemplate* packed, Error* err);
// Copies the template into slots[0..template.slots.size()) with the data pointers of `tensors`.
Status fill_pointers(const PluginDesc& desc, const LaunchDesc& launch, const ArgTemplate& packed,
                     const TensorArgs& tensors, uint64_t* slots, Error* err);

// Converts a scalar to its PTX representation in the low bytes of a slot.
Status scalar_from_int(ScalarType type, int64_t v, uint64_t* slot, std::string* why);
Status scalar_from_double(ScalarType type, double v, uint64_t* slot, std::string* why);

}  // namespace detail
}  // namespace trtplug
