// NvDsInferInitializeInputLayers logic (see trtplug_ds_input_layers.h).
#include "trtplug_ds_input_layers.h"

#include "../core/trtplug_util.h"

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

namespace trtplug {
namespace ds {

namespace {

constexpr const char* kWhere = "NvDsInferInitializeInputLayers";

bool report(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
bool report(const char* fmt, ...) {
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "trtplug deepstream error: %s: %s\n", kWhere, text);
    return false;
}

const char* dtype_name(int t) {
    switch (t) {
        case 0: return "float32";
        case 1: return "float16";
        case 2: return "int8";
        case 3: return "int32";
        case 4: return "int64";
        case 5: return "uint8";
    }
    return "unknown";
}

size_t dtype_size(int t) {
    switch (t) {
        case 0: return 4;
        case 1: return 2;
        case 2: return 1;
        case 3: return 4;
        case 4: return 8;
        case 5: return 1;
    }
    return 0;
}

double term_value(const InputValue& v, NvDsInferNetworkInfo const& net, unsigned batch, unsigned index) {
    switch (v.term) {
        case InputTerm::kConstant: return v.value;
        case InputTerm::kWidth: return v.value * net.width;
        case InputTerm::kHeight: return v.value * net.height;
        case InputTerm::kChannels: return v.value * net.channels;
        case InputTerm::kBatchSize: return v.value * batch;
        case InputTerm::kBatchIndex: return v.value * index;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// Integer types take integral values within their range; floats take finite values within theirs.
bool representable(int dtype, double v) {
    // Beyond the largest finite value a float conversion is undefined (float32) or infinity (float16).
    if (dtype == 0) return std::isfinite(v) && std::fabs(v) <= detail::kFloat32Max;
    if (dtype == 1) return std::isfinite(v) && std::fabs(v) <= detail::kFloat16Max;
    if (!std::isfinite(v) || v != std::floor(v)) return false;
    switch (dtype) {
        case 2: return v >= -128 && v <= 127;
        case 3: return v >= -2147483648.0 && v <= 2147483647.0;
        case 4: return v >= -9.2e18 && v <= 9.2e18;
        case 5: return v >= 0 && v <= 255;
    }
    return false;
}

void store(int dtype, void* buffer, size_t index, double v) {
    unsigned char* p = static_cast<unsigned char*>(buffer);
    switch (dtype) {
        case 0: {
            const float f = static_cast<float>(v);
            std::memcpy(p + 4 * index, &f, 4);
            break;
        }
        case 1: {
            const uint16_t h = detail::float_to_half(static_cast<float>(v));
            std::memcpy(p + 2 * index, &h, 2);
            break;
        }
        case 2: {
            const int8_t i = static_cast<int8_t>(v);
            std::memcpy(p + index, &i, 1);
            break;
        }
        case 3: {
            const int32_t i = static_cast<int32_t>(v);
            std::memcpy(p + 4 * index, &i, 4);
            break;
        }
        case 4: {
            const int64_t i = static_cast<int64_t>(v);
            std::memcpy(p + 8 * index, &i, 8);
            break;
        }
        case 5: {
            const uint8_t i = static_cast<uint8_t>(v);
            std::memcpy(p + index, &i, 1);
            break;
        }
    }
}

std::string dims_text(const unsigned* d, int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}

unsigned long long element_count(const NvDsInferLayerInfo& info) {
    if (info.inferDims.numElements) return info.inferDims.numElements;
    unsigned long long n = info.inferDims.numDims ? 1 : 0;
    for (unsigned i = 0; i < info.inferDims.numDims && i < kNvDsInferMaxDims; ++i) n *= info.inferDims.d[i];
    return n;
}

const NvDsInferLayerInfo* find_layer(ds::Vector<NvDsInferLayerInfo> const& infos, const char* name) {
    for (const NvDsInferLayerInfo& l : infos) {
        if (l.layerName && std::strcmp(l.layerName, name) == 0) return &l;
    }
    return nullptr;
}

bool check(const InputLayerDesc* layers, int n_layers, ds::Vector<NvDsInferLayerInfo> const& infos,
           NvDsInferNetworkInfo const& net, unsigned max_batch) {
    if (max_batch == 0) return report("maxBatchSize is 0");
    std::string engine_inputs;
    for (const NvDsInferLayerInfo& l : infos) {
        engine_inputs += (engine_inputs.empty() ? "" : ", ") + std::string(l.layerName ? l.layerName : "(unnamed)");
    }
    for (int i = 0; i < n_layers; ++i) {
        const InputLayerDesc& d = layers[i];
        const NvDsInferLayerInfo* l = find_layer(infos, d.name);
        if (l == nullptr) {
            return report("input layer '%s' is declared, but the engine has no such non-image input (it has: %s)",
                          d.name, engine_inputs.empty() ? "none" : engine_inputs.c_str());
        }
        if (static_cast<int>(l->dataType) != static_cast<int>(d.dtype)) {
            return report("input layer '%s' is %s in the engine, but was declared %s", d.name,
                          dtype_name(static_cast<int>(l->dataType)), dtype_name(static_cast<int>(d.dtype)));
        }
        const unsigned long long n = element_count(*l);
        if (d.n_dims >= 0) {
            bool same = static_cast<int>(l->inferDims.numDims) == d.n_dims;
            for (int a = 0; same && a < d.n_dims; ++a) same = l->inferDims.d[a] == d.dims[a];
            if (!same) {
                return report("input layer '%s' has dims %s in the engine, declared %s", d.name,
                              dims_text(l->inferDims.d, static_cast<int>(l->inferDims.numDims)).c_str(),
                              dims_text(d.dims, d.n_dims).c_str());
            }
        }
        if (!d.fill && n != static_cast<unsigned long long>(d.n_values)) {
            return report("input layer '%s' has %llu elements per image in the engine (dims %s), but %d values were "
                          "declared", d.name, n, dims_text(l->inferDims.d, static_cast<int>(l->inferDims.numDims)).c_str(),
                          d.n_values);
        }
        if (l->buffer == nullptr && n > 0) return report("input layer '%s': nvinfer passed no buffer", d.name);
        for (unsigned b = 0; b < max_batch; ++b) {
            for (int k = 0; k < d.n_values; ++k) {
                const double v = term_value(d.values[k], net, max_batch, b);
                if (!representable(static_cast<int>(d.dtype), v)) {
                    return report("input layer '%s': value %d is %g for image %u, which %s cannot hold", d.name, k, v,
                                  b, dtype_name(static_cast<int>(d.dtype)));
                }
            }
        }
    }
    for (const NvDsInferLayerInfo& l : infos) {
        bool declared = false;
        for (int i = 0; !declared && i < n_layers; ++i) declared = l.layerName && std::strcmp(l.layerName, layers[i].name) == 0;
        if (!declared) {
            return report("input layer '%s' has no declaration, so it would stay uninitialized; declare it in "
                          "trtplug.deepstream.InputLayers", l.layerName ? l.layerName : "(unnamed)");
        }
    }
    return true;
}

}  // namespace

bool initialize_input_layers(const InputLayerDesc* layers, int n_layers,
                             ds::Vector<NvDsInferLayerInfo> const& inputLayersInfo,
                             NvDsInferNetworkInfo const& networkInfo, unsigned int maxBatchSize) noexcept {
    try {
        if (!check(layers, n_layers, inputLayersInfo, networkInfo, maxBatchSize)) return false;
        for (int i = 0; i < n_layers; ++i) {
            const InputLayerDesc& d = layers[i];
            const NvDsInferLayerInfo& l = *find_layer(inputLayersInfo, d.name);
            const unsigned long long n = element_count(l);
            const int dtype = static_cast<int>(d.dtype);
            if (dtype_size(dtype) == 0) return report("input layer '%s': unsupported dtype", d.name);
            for (unsigned b = 0; b < maxBatchSize; ++b) {
                for (unsigned long long e = 0; e < n; ++e) {
                    const InputValue& v = d.values[d.fill ? 0 : e];
                    store(dtype, l.buffer, static_cast<size_t>(b * n + e), term_value(v, networkInfo, maxBatchSize, b));
                }
            }
        }
        return true;
    } catch (...) {
        return report("out of memory");
    }
}

}  // namespace ds
}  // namespace trtplug
