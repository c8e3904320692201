// nvinfer emulation: loads a custom library the way Gst-nvinfer does and calls one output parser
// with output layers read from files, then releases what the parser allocated the way nvinfer
// does (masks with delete[], attribute labels with free()). CPU only.
//
//   nvinfer_emu MANIFEST                  prints one JSON object on stdout
//   nvinfer_emu --probe LIBRARY NAME...   opens LIBRARY as nvinfer does, looks up each NAME and
//                                         reports trtplug_library_info / trtplug_deepstream_info
//
// The manifest (written by trtplug.deepstream.emulate) has one directive per line:
//   library PATH                    custom-lib-path, opened with dlopen(RTLD_LAZY)
//   kind bbox|instance_mask|classifier
//   function NAME                   looked up with dlsym, as named in the config
//   network W H C                   NvDsInferNetworkInfo
//   classes N                       numClassesConfigured (num-detected-classes)
//   pre_cluster N V1..VN            per-class pre-cluster thresholds
//   post_cluster N V1..VN           per-class post-cluster thresholds
//   classifier_threshold V
//   data PATH                       file holding the layers' bytes
//   layer NAME DTYPE OFFSET NBYTES NDIMS D1..DN
//   calls N                         call the parser N times (fresh output vectors each time)
//   kind input_layers               call NvDsInferInitializeInputLayers instead of a parser, with:
//   batch N                         maxBatchSize
//   input NAME DTYPE NDIMS D1..DN   a non-image input layer; its host buffer holds
//                                   numElements * elementSize * maxBatchSize bytes, as nvinfer's
//                                   does (printed back in hex after the call)
//
// Exit status: 0 the parser was called (the JSON says what it returned), 2 bad manifest or data,
// 3 dlopen failed, 4 dlsym failed.
#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "trtplug_nvdsinfer.h"

namespace {

using namespace trtplug::ds;

struct LayerSpec {
    std::string name;
    int dtype = 0;
    size_t offset = 0, nbytes = 0;
    std::vector<unsigned> dims;
};

struct Manifest {
    std::string library, kind, function, data;
    NvDsInferNetworkInfo net{0, 0, 0};
    unsigned classes = 0;
    std::vector<float> pre, post;
    float classifier_threshold = 0.0f;
    std::vector<LayerSpec> layers;
    int calls = 1;
    unsigned batch = 1;
    std::vector<LayerSpec> inputs;
};

std::string json_str(const char* s) {
    if (!s) return "null";
    std::string o = "\"";
    for (const char* p = s; *p; ++p) {
        unsigned char c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += static_cast<char>(c);
        }
    }
    return o + "\"";
}

std::string json_num(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

int fail(int code, const std::string& stage, const std::string& message) {
    std::printf("{\"stage\": %s, \"error\": %s}\n", json_str(stage.c_str()).c_str(), json_str(message.c_str()).c_str());
    return code;
}

bool read_list(std::istringstream& in, std::vector<float>& out) {
    size_t n = 0;
    if (!(in >> n)) return false;
    out.resize(n);
    for (auto& v : out)
        if (!(in >> v)) return false;
    return true;
}

std::string rest_of_line(std::istringstream& in) {
    std::string s;
    std::getline(in >> std::ws, s);
    return s;
}

bool parse_manifest(const char* path, Manifest& m, std::string& err) {
    std::ifstream f(path);
    if (!f) {
        err = std::string("cannot open manifest ") + path;
        return false;
    }
    std::string line;
    int lineno = 0;
    while (std::getline(f, line)) {
        ++lineno;
        std::istringstream in(line);
        std::string key;
        if (!(in >> key)) continue;
        bool ok = true;
        if (key == "library") m.library = rest_of_line(in);
        else if (key == "kind") ok = static_cast<bool>(in >> m.kind);
        else if (key == "function") ok = static_cast<bool>(in >> m.function);
        else if (key == "network") ok = static_cast<bool>(in >> m.net.width >> m.net.height >> m.net.channels);
        else if (key == "classes") ok = static_cast<bool>(in >> m.classes);
        else if (key == "pre_cluster") ok = read_list(in, m.pre);
        else if (key == "post_cluster") ok = read_list(in, m.post);
        else if (key == "classifier_threshold") ok = static_cast<bool>(in >> m.classifier_threshold);
        else if (key == "data") m.data = rest_of_line(in);
        else if (key == "calls") ok = static_cast<bool>(in >> m.calls) && m.calls >= 1;
        else if (key == "batch") ok = static_cast<bool>(in >> m.batch);
        else if (key == "input") {
            LayerSpec l;
            size_t nd = 0;
            ok = static_cast<bool>(in >> l.name >> l.dtype >> nd) && nd <= 8;
            for (size_t i = 0; ok && i < nd; ++i) {
                unsigned d = 0;
                ok = static_cast<bool>(in >> d);
                l.dims.push_back(d);
            }
            m.inputs.push_back(l);
        } else if (key == "layer") {
            LayerSpec l;
            size_t nd = 0;
            ok = static_cast<bool>(in >> l.name >> l.dtype >> l.offset >> l.nbytes >> nd) && nd <= 8;
            for (size_t i = 0; ok && i < nd; ++i) {
                unsigned d = 0;
                ok = static_cast<bool>(in >> d);
                l.dims.push_back(d);
            }
            m.layers.push_back(l);
        } else {
            err = "manifest line " + std::to_string(lineno) + ": unknown directive '" + key + "'";
            return false;
        }
        if (!ok) {
            err = "manifest line " + std::to_string(lineno) + ": bad '" + key + "' directive";
            return false;
        }
    }
    if (m.library.empty() || m.function.empty() || m.kind.empty()) {
        err = "manifest needs library, kind and function";
        return false;
    }
    return true;
}

// Each layer gets its own exactly-sized host buffer, so a parser reading past a layer's end is
// caught by AddressSanitizer.
struct Buffers {
    std::vector<void*> ptrs;
    ~Buffers() {
        for (void* p : ptrs) std::free(p);
    }
};

bool load_layers(const Manifest& m, Buffers& bufs, std::vector<NvDsInferLayerInfo>& infos, std::string& err) {
    std::vector<char> data;
    if (!m.data.empty()) {
        std::ifstream f(m.data, std::ios::binary);
        if (!f) {
            err = "cannot open data file " + m.data;
            return false;
        }
        data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    int binding = 1;  // binding 0 is the image input
    for (const auto& l : m.layers) {
        if (l.offset > data.size() || l.nbytes > data.size() - l.offset) {
            err = "layer " + l.name + ": bytes outside the data file";
            return false;
        }
        void* p = std::malloc(l.nbytes ? l.nbytes : 1);
        if (!p) {
            err = "out of memory";
            return false;
        }
        bufs.ptrs.push_back(p);
        if (l.nbytes) std::memcpy(p, data.data() + l.offset, l.nbytes);
        NvDsInferLayerInfo info{};
        info.dataType = static_cast<NvDsInferDataType>(l.dtype);
        info.inferDims.numDims = static_cast<unsigned>(l.dims.size());
        unsigned numel = 1;
        for (size_t i = 0; i < l.dims.size(); ++i) {
            info.inferDims.d[i] = l.dims[i];
            numel *= l.dims[i];
        }
        info.inferDims.numElements = numel;
        info.bindingIndex = binding++;
        info.layerName = l.name.c_str();
        info.buffer = p;
        info.isInput = 0;
        infos.push_back(info);
    }
    return true;
}

template <typename Obj>
std::string box_json(const Obj& o) {
    return "\"classId\": " + std::to_string(o.classId) + ", \"left\": " + json_num(o.left) +
           ", \"top\": " + json_num(o.top) + ", \"width\": " + json_num(o.width) +
           ", \"height\": " + json_num(o.height) + ", \"confidence\": " + json_num(o.detectionConfidence);
}

struct Lib {
    void* handle = nullptr;
    ~Lib() {
        if (handle) dlclose(handle);  // nvinfer closes the library when its context goes away
    }
};

// What `trtplug deepstream check` needs to know about a custom library.
int probe(int argc, char** argv) {
    Lib lib;
    lib.handle = dlopen(argv[2], RTLD_LAZY);
    if (!lib.handle) {
        const char* e = dlerror();
        std::printf("{\"loaded\": false, \"error\": %s}\n", json_str(e ? e : "unknown error").c_str());
        return 0;
    }
    std::string out = "{\"loaded\": true, \"symbols\": {";
    for (int i = 3; i < argc; ++i) {
        dlerror();
        const bool found = dlsym(lib.handle, argv[i]) != nullptr;
        out += std::string(i > 3 ? ", " : "") + json_str(argv[i]) + ": " + (found ? "true" : "false");
    }
    out += "}";
    for (const char* name : {"trtplug_library_info", "trtplug_deepstream_info"}) {
        auto fn = reinterpret_cast<const char* (*)()>(dlsym(lib.handle, name));
        out += std::string(", ") + json_str(name) + ": " + (fn ? json_str(fn()) : "null");
    }
    std::printf("%s}\n", out.c_str());
    return 0;
}

// nvinfer's NvDsInferInitializeInputLayers call: one exactly-sized host buffer per non-image input
// (bindings from 1), filled with a marker byte so unwritten bytes show.
int initialize_input_layers(const Manifest& m, void* sym) {
    static const size_t kSizes[] = {4, 2, 1, 4, 8, 1};
    Buffers bufs;
    std::vector<NvDsInferLayerInfo> infos;
    std::vector<size_t> bytes;
    int binding = 1;
    for (const auto& l : m.inputs) {
        if (l.dtype < 0 || l.dtype > 5) return fail(2, "manifest", "input " + l.name + ": bad dtype");
        unsigned numel = 1;
        for (unsigned d : l.dims) numel *= d;
        const size_t n = static_cast<size_t>(numel) * kSizes[l.dtype] * m.batch;
        void* p = std::malloc(n ? n : 1);
        if (!p) return fail(2, "data", "out of memory");
        std::memset(p, 0xCD, n ? n : 1);
        bufs.ptrs.push_back(p);
        bytes.push_back(n);
        NvDsInferLayerInfo info{};
        info.dataType = static_cast<NvDsInferDataType>(l.dtype);
        info.inferDims.numDims = static_cast<unsigned>(l.dims.size());
        for (size_t i = 0; i < l.dims.size(); ++i) info.inferDims.d[i] = l.dims[i];
        info.inferDims.numElements = numel;
        info.bindingIndex = binding++;
        info.layerName = l.name.c_str();
        info.buffer = p;
        info.isInput = 1;
        infos.push_back(info);
    }
    auto fn = reinterpret_cast<NvDsInferInitializeInputLayersFunc>(sym);
    const bool ok = fn(infos, m.net, m.batch);
    std::string out = "{\"stage\": \"called\", \"function\": " + json_str(m.function.c_str()) +
                      ", \"kind\": \"input_layers\", \"ok\": " + (ok ? "true" : "false") + ", \"inputs\": [";
    static const char* hex = "0123456789abcdef";
    for (size_t i = 0; i < infos.size(); ++i) {
        out += std::string(i ? ", " : "") + "{\"name\": " + json_str(infos[i].layerName) + ", \"hex\": \"";
        const unsigned char* p = static_cast<const unsigned char*>(infos[i].buffer);
        for (size_t k = 0; k < bytes[i]; ++k) {
            out += hex[p[k] >> 4];
            out += hex[p[k] & 15];
        }
        out += "\"}";
    }
    std::printf("%s], \"problems\": []}\n", out.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--probe") == 0) return probe(argc, argv);
    if (argc != 2) return fail(2, "usage", "usage: nvinfer_emu MANIFEST | nvinfer_emu --probe LIBRARY NAME...");
    Manifest m;
    std::string err;
    if (!parse_manifest(argv[1], m, err)) return fail(2, "manifest", err);
    Buffers bufs;
    std::vector<NvDsInferLayerInfo> layers;
    if (!load_layers(m, bufs, layers, err)) return fail(2, "data", err);

    Lib lib;
    lib.handle = dlopen(m.library.c_str(), RTLD_LAZY);
    if (!lib.handle) {
        const char* e = dlerror();
        return fail(3, "dlopen", "Could not open custom lib: " + m.library + ": " + (e ? e : "unknown error"));
    }
    dlerror();
    void* sym = dlsym(lib.handle, m.function.c_str());
    if (!sym) {
        const char* e = dlerror();
        return fail(4, "dlsym", "dlsym failed to get func " + m.function + " pointer: " + (e ? e : "symbol is null"));
    }

    if (m.kind == "input_layers") return initialize_input_layers(m, sym);

    NvDsInferParseDetectionParams dp;
    dp.numClassesConfigured = m.classes;
    dp.perClassPreclusterThreshold = m.pre;
    dp.perClassPostclusterThreshold = m.post;

    std::string out = "{\"stage\": \"called\", \"function\": " + json_str(m.function.c_str()) +
                      ", \"kind\": " + json_str(m.kind.c_str());
    bool ok = false;
    std::string problems;
    auto problem = [&](const std::string& p) {
        if (!problems.empty()) problems += ", ";
        problems += json_str(p.c_str());
    };

    if (m.kind == "bbox") {
        auto fn = reinterpret_cast<NvDsInferParseCustomFunc>(sym);
        std::vector<NvDsInferObjectDetectionInfo> objs;
        for (int c = 0; c < m.calls; ++c) {
            objs.clear();
            ok = fn(layers, m.net, dp, objs);
        }
        out += ", \"objects\": [";
        for (size_t i = 0; i < objs.size(); ++i) {
            out += (i ? ", {" : "{") + box_json(objs[i]);
#if TRTPLUG_DS_HAS_ROTATION_ANGLE
            out += ", \"rotation_angle\": " + json_num(objs[i].rotation_angle);
#endif
            out += "}";
        }
        out += "]";
        if (!ok && !objs.empty()) problem("parser returned false but left " + std::to_string(objs.size()) + " objects");
#if TRTPLUG_DS_HAS_INSTANCE_MASK
    } else if (m.kind == "instance_mask") {
        auto fn = reinterpret_cast<NvDsInferInstanceMaskParseCustomFunc>(sym);
        std::vector<NvDsInferInstanceMaskInfo> objs;
        for (int c = 0; c < m.calls; ++c) {
            for (auto& o : objs) delete[] o.mask;
            objs.clear();
            ok = fn(layers, m.net, dp, objs);
        }
        out += ", \"objects\": [";
        for (size_t i = 0; i < objs.size(); ++i) {
            const auto& o = objs[i];
            out += (i ? ", {" : "{") + box_json(o) + ", \"mask_width\": " + std::to_string(o.mask_width) +
                   ", \"mask_height\": " + std::to_string(o.mask_height) +
                   ", \"mask_size\": " + std::to_string(o.mask_size) + ", \"mask\": ";
            const size_t n = static_cast<size_t>(o.mask_width) * o.mask_height;
            if (!o.mask) {
                out += "null";
            } else if (o.mask_size != n * sizeof(float)) {
                out += "null";
                problem("object " + std::to_string(i) + ": mask_size " + std::to_string(o.mask_size) +
                        " is not mask_width*mask_height*4");
            } else {
                out += "[";
                for (size_t k = 0; k < n; ++k) out += (k ? "," : "") + json_num(o.mask[k]);
                out += "]";
            }
            out += "}";
        }
        out += "]";
        if (!ok && !objs.empty()) problem("parser returned false but left " + std::to_string(objs.size()) + " objects");
        for (auto& o : objs) delete[] o.mask;  // nvinfer's release of instance masks
#endif
    } else if (m.kind == "classifier") {
        auto fn = reinterpret_cast<NvDsInferClassiferParseCustomFunc>(sym);
        std::vector<NvDsInferAttribute> attrs;
        std::string desc;
        for (int c = 0; c < m.calls; ++c) {
            for (auto& a : attrs) std::free(const_cast<char*>(a.attributeLabel));
            attrs.clear();
            desc.clear();
            ok = fn(layers, m.net, m.classifier_threshold, attrs, desc);
        }
        out += ", \"attributes\": [";
        for (size_t i = 0; i < attrs.size(); ++i) {
            const auto& a = attrs[i];
            out += std::string(i ? ", {" : "{") + "\"index\": " + std::to_string(a.attributeIndex) +
                   ", \"value\": " + std::to_string(a.attributeValue) +
                   ", \"confidence\": " + json_num(a.attributeConfidence) + ", \"label\": " +
                   json_str(a.attributeLabel) + "}";
        }
        out += "], \"description\": " + json_str(desc.c_str());
        if (!ok && !attrs.empty()) problem("parser returned false but left " + std::to_string(attrs.size()) + " attributes");
        for (auto& a : attrs) std::free(const_cast<char*>(a.attributeLabel));  // nvinfer's release of labels
    } else {
        return fail(2, "manifest", "kind '" + m.kind + "' is not supported by this DeepStream version's emulation");
    }
    out += std::string(", \"ok\": ") + (ok ? "true" : "false") + ", \"problems\": [" + problems + "]}";
    std::printf("%s\n", out.c_str());
    return 0;
}
