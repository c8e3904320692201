// A trtplug library opened with dlopen and used through its C API (trtplug_library.h), and the
// device buffers of one call: what the stress program (stress_main.cpp) drives.
#pragma once

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "stress_driver.h"

namespace stress {

constexpr int kMaxRank = 8;

struct Library {
    void* handle = nullptr;
    std::string path;
    int32_t (*plugin_index)(const char*, const char*) = nullptr;
    void* (*instance_create)(int32_t, const void*, size_t, char*, size_t) = nullptr;
    void (*instance_destroy)(void*) = nullptr;
    int32_t (*instance_serialize)(void*, void*, size_t, size_t*, char*, size_t) = nullptr;
    int32_t (*output_shape)(void*, int32_t, const int32_t*, const int64_t*, int32_t, int32_t*, int64_t*, char*,
                            size_t) = nullptr;
    int32_t (*workspace_size)(void*, int32_t, int32_t, const int32_t*, const int64_t*, size_t*, char*,
                              size_t) = nullptr;
    int32_t (*enqueue)(void*, int32_t, int32_t, const int32_t*, const int64_t*, const void* const*, int32_t,
                       const int32_t*, const int64_t*, void* const*, void*, size_t, void*, char*, size_t) = nullptr;

    // Opens `path` (RTLD_NOW | RTLD_LOCAL, as TensorRT and nvinfer do); false with `error` set.
    bool open(const std::string& library_path, std::string* error) {
        path = library_path;
        handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* why = dlerror();
            *error = "dlopen " + path + ": " + (why ? why : "?");
            return false;
        }
        bool ok = true;
        auto get = [&](const char* name, auto* fn) {
            *fn = reinterpret_cast<std::remove_pointer_t<decltype(fn)>>(dlsym(handle, name));
            if (!*fn) {
                ok = false;
                *error = path + " has no " + name + " (not a trtplug library?)";
            }
        };
        get("trtplug_plugin_index", &plugin_index);
        get("trtplug_instance_create", &instance_create);
        get("trtplug_instance_destroy", &instance_destroy);
        get("trtplug_instance_serialize", &instance_serialize);
        get("trtplug_output_shape", &output_shape);
        get("trtplug_workspace_size", &workspace_size);
        get("trtplug_enqueue", &enqueue);
        return ok;
    }

    // dlclose; true when the library is gone from the process afterwards.
    bool close() {
        if (!handle) return true;
        dlclose(handle);
        handle = nullptr;
        void* still = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
        if (still) dlclose(still);
        return still == nullptr;
    }

    // The serialized attributes of `instance` (the bytes a clone is made from).
    std::vector<unsigned char> serialized(void* instance) const {
        size_t n = 0;
        char err[512];
        if (instance_serialize(instance, nullptr, 0, &n, err, sizeof err) != 0) return {};
        std::vector<unsigned char> blob(n);
        if (instance_serialize(instance, blob.data(), blob.size(), &n, err, sizeof err) != 0) return {};
        return blob;
    }
};

// "NAME" or "NAME:VERSION".
struct PluginRef {
    std::string name, version;
    static PluginRef parse(const std::string& text) {
        const size_t colon = text.find(':');
        if (colon == std::string::npos) return {text, ""};
        return {text.substr(0, colon), text.substr(colon + 1)};
    }
    int32_t index_in(const Library& lib) const {
        return lib.plugin_index(name.c_str(), version.empty() ? nullptr : version.c_str());
    }
};

// Input shapes "37x45,45": one shape per input, dims separated by 'x'.
inline bool parse_shapes(const std::string& text, std::vector<std::vector<int64_t>>* shapes) {
    shapes->clear();
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const std::string one = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        std::vector<int64_t> dims;
        size_t at = 0;
        while (at < one.size()) {
            const size_t x = one.find('x', at);
            const std::string d = one.substr(at, x == std::string::npos ? std::string::npos : x - at);
            if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos) return false;
            dims.push_back(std::stoll(d));
            at = x == std::string::npos ? one.size() : x + 1;
        }
        if (dims.empty() || dims.size() > kMaxRank) return false;
        shapes->push_back(dims);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return !shapes->empty();
}

// One enqueue's tensors on the device: inputs filled with a pattern of `seed`, the `n_outputs`
// outputs of the shapes the plugin computes, the workspace it asks for. Buffers hold 4 bytes per
// element, enough for any dtype trtplug supports; variant 0 is run.
class Call {
public:
    Call(const Driver& driver, const Library& lib, void* instance, const std::vector<std::vector<int64_t>>& shapes,
         int32_t n_outputs, uint32_t seed)
        : driver_(driver), lib_(lib) {
        const int32_t n_in = static_cast<int32_t>(shapes.size());
        in_ranks_.assign(shapes.size(), 0);
        in_dims_.assign(shapes.size() * kMaxRank, 0);
        for (size_t i = 0; i < shapes.size(); ++i) {
            in_ranks_[i] = static_cast<int32_t>(shapes[i].size());
            for (size_t a = 0; a < shapes[i].size(); ++a) in_dims_[i * kMaxRank + a] = shapes[i][a];
        }
        for (int32_t o = 0; o < n_outputs; ++o) {
            int32_t rank = 0;
            int64_t dims[kMaxRank] = {};
            char err[1024] = "";
            if (lib.output_shape(instance, n_in, in_ranks_.data(), in_dims_.data(), o, &rank, dims, err, sizeof err) !=
                0) {
                error = "output " + std::to_string(o) + ": " + err;
                return;
            }
            out_ranks_.push_back(rank);
            out_dims_.insert(out_dims_.end(), dims, dims + kMaxRank);
        }
        lib.workspace_size(instance, 0, n_in, in_ranks_.data(), in_dims_.data(), &workspace_bytes_, nullptr, 0);
        for (size_t i = 0; i < shapes.size(); ++i) {
            std::vector<float> host(numel(in_ranks_[i], &in_dims_[i * kMaxRank]));
            for (size_t e = 0; e < host.size(); ++e) {
                const uint32_t h = static_cast<uint32_t>(e) * 2654435761u + seed * 40503u + static_cast<uint32_t>(i);
                host[e] = static_cast<float>(h % 2001u) / 250.0f - 4.0f;
            }
            inputs_.push_back(alloc(host.size() * 4));
            driver.cuMemcpyHtoD(inputs_.back(), host.data(), host.size() * 4);
        }
        for (size_t o = 0; o < out_ranks_.size(); ++o) {
            const size_t bytes = numel(out_ranks_[o], &out_dims_[o * kMaxRank]) * 4;
            output_bytes_.push_back(bytes);
            outputs_.push_back(alloc(bytes));
            driver.cuMemsetD8(outputs_.back(), 0xA5, bytes);
        }
        if (workspace_bytes_ > 0) workspace_ = alloc(workspace_bytes_);
        for (DevicePtr p : inputs_) input_ptrs_.push_back(reinterpret_cast<const void*>(p));
        for (DevicePtr p : outputs_) output_ptrs_.push_back(reinterpret_cast<void*>(p));
    }
    ~Call() {
        for (DevicePtr p : owned_) driver_.cuMemFree(p);
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    // trtplug_enqueue of `instance` with these tensors on `stream`; the status, and *message on failure.
    int32_t enqueue(void* instance, Handle stream, std::string* message = nullptr) const {
        char err[1024] = "";
        const int32_t s = lib_.enqueue(instance, 0, static_cast<int32_t>(in_ranks_.size()), in_ranks_.data(),
                                       in_dims_.data(), input_ptrs_.data(), static_cast<int32_t>(out_ranks_.size()),
                                       out_ranks_.data(), out_dims_.data(), output_ptrs_.data(),
                                       reinterpret_cast<void*>(workspace_), workspace_bytes_, stream, err, sizeof err);
        if (s != 0 && message) *message = err;
        return s;
    }

    // Every output's bytes, copied back after the stream is synchronized by the caller.
    std::vector<unsigned char> outputs() const {
        std::vector<unsigned char> all;
        for (size_t o = 0; o < outputs_.size(); ++o) {
            std::vector<unsigned char> part(output_bytes_[o]);
            driver_.cuMemcpyDtoH(part.data(), outputs_[o], part.size());
            all.insert(all.end(), part.begin(), part.end());
        }
        return all;
    }

    std::vector<int32_t> in_ranks_, out_ranks_;
    std::vector<int64_t> in_dims_, out_dims_;
    std::vector<const void*> input_ptrs_;
    std::vector<void*> output_ptrs_;
    size_t workspace_bytes_ = 0;
    DevicePtr workspace_ = 0;
    std::string error;  // set when the call could not be prepared

private:
    static size_t numel(int32_t rank, const int64_t* dims) {
        size_t n = 1;
        for (int32_t a = 0; a < rank; ++a) n *= static_cast<size_t>(dims[a]);
        return n;
    }
    DevicePtr alloc(size_t bytes) {
        DevicePtr p = 0;
        const CUresult r = driver_.cuMemAlloc(&p, bytes ? bytes : 1);
        if (r != 0) {
            error = "cuMemAlloc of " + std::to_string(bytes) + " bytes: " + driver_.name(r);
            return 0;
        }
        owned_.push_back(p);
        return p;
    }

    const Driver& driver_;
    const Library& lib_;
    std::vector<DevicePtr> inputs_, outputs_, owned_;
    std::vector<size_t> output_bytes_;
};

}  // namespace stress
