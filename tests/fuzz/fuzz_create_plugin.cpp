// libFuzzer target: createPlugin of trtplug's TensorRT creators (IPluginCreator for IPluginV2 and
// IPluginCreatorV3One for IPluginV3, built against TensorRT 10.16 headers, no libnvinfer) with
// arbitrary PluginFieldCollections, for the two plugins of tests/native_trt/fixture_plugins.cpp.
//
// Input (tests/fuzz/seeds.py writes seeds in this layout):
//   u8 flags: bit 0 plugin (TpScale, TpPair), bit 1 creator (V2, V3), bit 2 V3 phase (build,
//      runtime), bit 3 null layer name, bit 4 null field collection
//   u8 field count (% 9), then per field:
//      u8 name: the creator's declared fields, then "", "no_such_field", null, "trtplug_serialized",
//         "trtplug_tactic" (index % (declared + 5))
//      u8 type: PluginFieldType 0..13, then 77 (not a type) (% 15)
//      u8 length: < 0xFE: that many elements, their bytes read from the input (zeros past its end)
//         into an exactly-sized buffer; 0xFE: u8 length and null data; 0xFF: i32 length, null data
//         when positive, an empty buffer otherwise
// Checks: a refusal returns null and logs an error line naming the plugin; an accepted plugin
// serializes, and its serialized form (V2: deserializePlugin; V3: getFieldsToSerialize then
// createPlugin in the runtime phase) makes a plugin with the very same serialized form, as does
// its clone.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "trtplug_trt_creator.h"
#include "trtplug_trt_v3_creator.h"

TRTPLUG_TRT_V2_BEGIN

namespace trtplug {
namespace generated {
extern const PluginDesc fixture_scale_desc;
extern const PluginDesc fixture_pair_desc;
}  // namespace generated
}  // namespace trtplug

using namespace trtplug;
using nvinfer1::PluginField;
using nvinfer1::PluginFieldCollection;
using nvinfer1::PluginFieldType;

FUZZ_FINDING_IMPL

namespace {

struct LogCount {
    int errors = 0;
    bool named = true;  // every error line names the plugin
    const char* plugin = "";
};
LogCount g_log;

void count_line(Severity severity, const char* line, void*) {
    if (severity != Severity::kError) return;
    ++g_log.errors;
    g_log.named = g_log.named && std::strstr(line, g_log.plugin) != nullptr;
}

size_t field_bytes(int32_t type, int32_t length) {
    const size_t n = static_cast<size_t>(length);
    switch (static_cast<PluginFieldType>(type)) {
        case PluginFieldType::kFLOAT16:
        case PluginFieldType::kINT16:
        case PluginFieldType::kBF16: return 2 * n;
        case PluginFieldType::kFLOAT32:
        case PluginFieldType::kINT32: return 4 * n;
        case PluginFieldType::kFLOAT64:
        case PluginFieldType::kINT64: return 8 * n;
        case PluginFieldType::kDIMS: return sizeof(nvinfer1::Dims) * n;
        case PluginFieldType::kINT4:
        case PluginFieldType::kFP4: return (n + 1) / 2;
        default: return n;  // kINT8, kCHAR, kUNKNOWN, kFP8 and values that are no type
    }
}

struct Fields {
    std::vector<std::unique_ptr<uint8_t[]>> buffers;
    std::vector<PluginField> fields;
    PluginFieldCollection collection{};
};

void decode_fields(fuzz::Input& in, const PluginFieldCollection& declared, Fields* out) {
    static const char* const kJunk[] = {"", "no_such_field", nullptr, "trtplug_serialized", "trtplug_tactic"};
    const int n = in.u8() % 9;
    for (int i = 0; i < n; ++i) {
        PluginField f{};
        const uint32_t choices = static_cast<uint32_t>(declared.nbFields) + 5;
        const uint32_t pick = in.u8() % choices;
        f.name = pick < static_cast<uint32_t>(declared.nbFields) ? declared.fields[pick].name
                                                                  : kJunk[pick - static_cast<uint32_t>(declared.nbFields)];
        const uint8_t type = in.u8() % 15;
        f.type = static_cast<PluginFieldType>(type < 14 ? type : 77);
        const uint8_t length = in.u8();
        if (length < 0xFE) {
            f.length = length;
            const size_t bytes = field_bytes(static_cast<int32_t>(f.type), f.length);
            out->buffers.emplace_back(new uint8_t[bytes]);
            const std::vector<uint8_t> content = in.bytes(bytes);
            std::memset(out->buffers.back().get(), 0, bytes);
            if (!content.empty()) std::memcpy(out->buffers.back().get(), content.data(), content.size());
            f.data = out->buffers.back().get();
        } else if (length == 0xFE) {
            f.length = in.u8();
            f.data = nullptr;
        } else {
            f.length = in.i32();
            if (f.length <= 0) {
                out->buffers.emplace_back(new uint8_t[0]);
                f.data = out->buffers.back().get();
            }
        }
        out->fields.push_back(f);
    }
    out->collection.nbFields = static_cast<int32_t>(out->fields.size());
    out->collection.fields = out->fields.data();
}

std::vector<uint8_t> v2_bytes(const nvinfer1::IPluginV2& p) {
    std::vector<uint8_t> out(p.getSerializationSize());
    p.serialize(out.data());
    return out;
}

// The serialized fields of a V3 plugin, copied (getFieldsToSerialize's buffers live until its next call).
struct SavedFields {
    std::vector<std::string> names;
    std::vector<std::vector<uint8_t>> data;
    std::vector<PluginField> fields;
    PluginFieldCollection collection{};

    explicit SavedFields(nvinfer1::IPluginV3& p) {
        auto* runtime = static_cast<nvinfer1::IPluginV3OneRuntime*>(
            p.getCapabilityInterface(nvinfer1::PluginCapabilityType::kRUNTIME));
        FUZZ_CHECK(runtime != nullptr, "a V3 plugin has no runtime capability", "");
        const PluginFieldCollection* fc = runtime->getFieldsToSerialize();
        FUZZ_CHECK(fc != nullptr && fc->nbFields > 0, "getFieldsToSerialize returned no fields", "");
        for (int32_t i = 0; i < fc->nbFields; ++i) {
            const PluginField& f = fc->fields[i];
            names.emplace_back(f.name ? f.name : "");
            const auto* bytes = static_cast<const uint8_t*>(f.data);
            data.emplace_back(bytes, bytes + field_bytes(static_cast<int32_t>(f.type), f.length));
        }
        for (int32_t i = 0; i < fc->nbFields; ++i) {
            PluginField f = fc->fields[i];
            f.name = names[static_cast<size_t>(i)].c_str();
            f.data = data[static_cast<size_t>(i)].data();
            fields.push_back(f);
        }
        collection.nbFields = fc->nbFields;
        collection.fields = fields.data();
    }
    bool operator==(const SavedFields& o) const { return names == o.names && data == o.data; }
};

void check_v2(trt::CreatorAdapter& creator, nvinfer1::IPluginV2* p, const char* name) {
    const std::vector<uint8_t> bytes = v2_bytes(*p);
    nvinfer1::IPluginV2* back = creator.deserializePlugin(name, bytes.data(), bytes.size());
    FUZZ_CHECK(back != nullptr, "deserializePlugin refused what an accepted plugin serialized", "");
    FUZZ_CHECK(v2_bytes(*back) == bytes, "a V2 plugin does not round-trip through its serialized form", "");
    nvinfer1::IPluginV2* copy = p->clone();
    FUZZ_CHECK(copy != nullptr && v2_bytes(*copy) == bytes, "a V2 clone serializes differently", "");
    copy->destroy();
    back->destroy();
    p->destroy();
}

void check_v3(trt::CreatorV3& creator, nvinfer1::IPluginV3* p, const char* name) {
    std::unique_ptr<nvinfer1::IPluginV3> owned(p);
    const SavedFields saved(*p);
    std::unique_ptr<nvinfer1::IPluginV3> back(
        creator.createPlugin(name, &saved.collection, nvinfer1::TensorRTPhase::kRUNTIME));
    FUZZ_CHECK(back != nullptr, "the runtime phase refused what an accepted V3 plugin serialized", "");
    FUZZ_CHECK(SavedFields(*back) == saved, "a V3 plugin does not round-trip through its serialized fields", "");
    std::unique_ptr<nvinfer1::IPluginV3> copy(p->clone());
    FUZZ_CHECK(copy != nullptr && SavedFields(*copy) == saved, "a V3 clone serializes differently", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static trt::CreatorAdapter v2_scale(generated::fixture_scale_desc, "fz");
    static trt::CreatorAdapter v2_pair(generated::fixture_pair_desc, "fz");
    static trt::CreatorV3 v3_scale(generated::fixture_scale_desc, "fz");
    static trt::CreatorV3 v3_pair(generated::fixture_pair_desc, "fz");
    set_log_sink(count_line, nullptr);

    fuzz::Input in(data, size);
    const uint8_t flags = in.u8();
    const bool pair = flags & 1, v3 = flags & 2, runtime = flags & 4;
    const char* layer = (flags & 8) ? nullptr : "layer0";
    const PluginDesc& desc = pair ? generated::fixture_pair_desc : generated::fixture_scale_desc;
    trt::CreatorAdapter& v2_creator = pair ? v2_pair : v2_scale;
    trt::CreatorV3& v3_creator = pair ? v3_pair : v3_scale;
    const PluginFieldCollection* declared = v3 ? v3_creator.getFieldNames() : v2_creator.getFieldNames();
    Fields fields;
    decode_fields(in, *declared, &fields);
    const PluginFieldCollection* given = (flags & 16) ? nullptr : &fields.collection;

    g_log = LogCount{0, true, desc.name};
    if (v3) {
        nvinfer1::IPluginV3* p = v3_creator.createPlugin(
            layer, given, runtime ? nvinfer1::TensorRTPhase::kRUNTIME : nvinfer1::TensorRTPhase::kBUILD);
        if (p == nullptr) {
            FUZZ_CHECK(g_log.errors >= 1 && g_log.named, "a V3 refusal without an error line naming the plugin", "");
            return 0;
        }
        check_v3(v3_creator, p, layer);
    } else {
        nvinfer1::IPluginV2* p = v2_creator.createPlugin(layer, given);
        if (p == nullptr) {
            FUZZ_CHECK(g_log.errors >= 1 && g_log.named, "a V2 refusal without an error line naming the plugin", "");
            return 0;
        }
        check_v2(v2_creator, p, layer);
    }
    return 0;
}

TRTPLUG_TRT_V2_END
