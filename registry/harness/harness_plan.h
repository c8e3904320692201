// The harness's input (a test plan) and output (a result file), both record files (records.h).
// trtplug/testing/plan.py writes plans, trtplug/testing/results.py reads results; docs/tensorrt.md
// lists the records of each.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../testing/records.h"

namespace harness {

constexpr int32_t kPlanFormat = 2;  // of plans and results alike

struct TensorSpec {
    int32_t dtype = 0;  // nvinfer1::DataType value
    int32_t rank = 0;
    int64_t dims[8] = {};
    std::string file;  // inputs: raw data to read; outputs: where to write the result
};

struct FieldSpec {
    std::string name;
    int32_t type = 0;  // nvinfer1::PluginFieldType value
    int32_t length = 0;
    std::vector<unsigned char> data;
};

struct CaseSpec {
    std::string id;
    std::string library;  // id of a LibrarySpec
    std::string plugin, version, plugin_namespace;
    bool null_fields = false;  // createPlugin(name, nullptr)
    std::vector<FieldSpec> fields;
    std::vector<TensorSpec> inputs, outputs;
    std::string deserialize_file;  // make the plugin with deserializePlugin(blob) instead of createPlugin
    // IPluginV3 only: "runtime" passes the fields to createPlugin in TensorRT's runtime phase, as
    // an engine being deserialized would ("" or "build": the build phase).
    std::string phase;
    std::string save_blob;         // write the plugin's serialization here
    // IPluginV3 only: the TensorRT tactic id the builder chooses (setTactic on its clone before
    // serializing) and the runtime sets; -1: the default, 0.
    int32_t tactic = -1;
    // "" (every step must pass), "lookup-fail", "create-fail", "deserialize-fail", "types-rejected".
    std::string expect;
    std::string expect_message;  // must appear in an error line the plugin logged
};

struct LibrarySpec {
    std::string id;
    std::string path;
    std::string load = "loader";  // "loader": IPluginRegistry::loadLibrary; "static": dlopen + registrars
};

struct Plan {
    std::string dir;            // folder of the plan file; relative file names are resolved there
    std::string mode = "auto";  // "auto", "cpu" (never enqueue), "gpu" (a GPU is required)
    std::vector<LibrarySpec> libraries;
    std::vector<CaseSpec> cases;
};

bool parse_plan(const std::string& path, Plan* plan, std::string* error);
std::string resolve(const Plan& plan, const std::string& file);

bool read_file(const std::string& path, std::vector<unsigned char>* data, std::string* error);
bool write_file(const std::string& path, const void* data, size_t size, std::string* error);

}  // namespace harness
