// What a generated trtplug library defines about itself, and the C API it exports.
#pragma once

#include <cstddef>
#include <cstdint>

#include "trtplug_core.h"

#define TRTPLUG_EXPORT extern "C" __attribute__((visibility("default")))

namespace trtplug {

struct LibraryDesc {
    const char* name;              // e.g. "mish_plugins"
    const char* plugin_namespace;  // TensorRT plugin namespace ("" for the default)
    const PluginDesc* const* plugins;
    int32_t n_plugins;
    const char* info_json;         // what `trtplug inspect` prints: plugins, dtypes, archs, toolchain
};

// Defined by the generated plugins.cpp of every library.
const LibraryDesc& library();

}  // namespace trtplug

// ---------------------------------------------------------------------------------------------
// C API (stable, no C++ types): used by `trtplug inspect`, `trtplug test`, and anyone who wants to
// run a plugin without TensorRT. Every function returns a Status value (0 = ok) unless noted, and
// writes a one-line message into err/err_capacity on failure.
constexpr int32_t kTrtplugAbiVersion = 1;

TRTPLUG_EXPORT int32_t trtplug_abi_version(void);
TRTPLUG_EXPORT const char* trtplug_library_info(void);  // JSON text, owned by the library
TRTPLUG_EXPORT int32_t trtplug_plugin_count(void);
// Index of the plugin with this name (and version, if not null), or -1.
TRTPLUG_EXPORT int32_t trtplug_plugin_index(const char* name, const char* version);

// An instance = a plugin + attribute values. `serialized` null: default attributes.
TRTPLUG_EXPORT void* trtplug_instance_create(int32_t plugin_index, const void* serialized, size_t length, char* err,
                                             size_t err_capacity);
TRTPLUG_EXPORT void trtplug_instance_destroy(void* instance);
// Sets one attribute from a TensorRT-style PluginField (field_type: trtplug::FieldType values).
TRTPLUG_EXPORT int32_t trtplug_instance_set_field(void* instance, const char* name, int32_t field_type, const void* data,
                                                  int32_t length, char* err, size_t err_capacity);
// Writes the serialized instance; with buffer null, only *length is set.
TRTPLUG_EXPORT int32_t trtplug_instance_serialize(void* instance, void* buffer, size_t capacity, size_t* length,
                                                  char* err, size_t err_capacity);

// Tactics (see trtplug::tactic_count): how many a plugin has (1 without declared tactics; -1 for a
// bad index) and their names (null when out of range). An instance runs tactic 0, the default,
// until trtplug_instance_set_tactic chooses another; trtplug_enqueue runs the instance's tactic.
TRTPLUG_EXPORT int32_t trtplug_plugin_tactic_count(int32_t plugin_index);
TRTPLUG_EXPORT const char* trtplug_plugin_tactic_name(int32_t plugin_index, int32_t tactic);
TRTPLUG_EXPORT int32_t trtplug_instance_set_tactic(void* instance, int32_t tactic, char* err, size_t err_capacity);

// Shapes are passed as rank arrays plus kMaxRank (8) dims per tensor.
TRTPLUG_EXPORT int32_t trtplug_output_shape(void* instance, int32_t n_inputs, const int32_t* input_ranks,
                                            const int64_t* input_dims, int32_t output_index, int32_t* out_rank,
                                            int64_t* out_dims, char* err, size_t err_capacity);
// io_types: n_inputs + n_outputs DType values. Returns the variant index or -1.
TRTPLUG_EXPORT int32_t trtplug_find_variant(void* instance, const int32_t* io_types);
TRTPLUG_EXPORT int32_t trtplug_workspace_size(void* instance, int32_t variant, int32_t n_inputs,
                                              const int32_t* input_ranks, const int64_t* input_dims, size_t* bytes,
                                              char* err, size_t err_capacity);
// Enqueues on `stream` in the calling thread's current CUDA context.
TRTPLUG_EXPORT int32_t trtplug_enqueue(void* instance, int32_t variant, int32_t n_inputs,
                                       const int32_t* input_ranks, const int64_t* input_dims,
                                       const void* const* inputs, int32_t n_outputs, const int32_t* output_ranks,
                                       const int64_t* output_dims, void* const* outputs, void* workspace,
                                       size_t workspace_bytes, void* stream, char* err, size_t err_capacity);
// Loads every module of every plugin in the current context (reports a missing image early).
TRTPLUG_EXPORT int32_t trtplug_prepare(char* err, size_t err_capacity);
// Whether libcuda.so.1 loaded, its version, and the sm of the current context's device (0: none).
// Returns kDriverMissing / kCudaError (with the outputs still filled) when the driver is unusable.
TRTPLUG_EXPORT int32_t trtplug_device_info(int32_t* driver_loaded, int32_t* driver_version, int32_t* sm, char* err,
                                           size_t err_capacity);
