// Test-plan reading for the lifecycle harness.
#include "harness_plan.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace harness {

namespace {

using records::Record;

// input|output dtype=T dims=D1,..,DN file=F (file may be empty: no data)
bool read_tensor(const Record& r, TensorSpec* t) {
    std::vector<int64_t> dims;
    if (!r.int32("dtype", &t->dtype) || !r.int64_list("dims", &dims) || dims.size() > 8) return false;
    t->rank = static_cast<int32_t>(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] < 0) return false;
        t->dims[i] = dims[i];
    }
    t->file = r.text("file");
    return true;
}

bool known_expectation(const std::string& e) {
    return e.empty() || e == "lookup-fail" || e == "create-fail" || e == "deserialize-fail" || e == "types-rejected";
}

}  // namespace

bool parse_plan(const std::string& path, Plan* plan, std::string* error) {
    records::Reader in;
    if (!in.open(path, error)) return false;
    const size_t slash = path.rfind('/');
    plan->dir = slash == std::string::npos ? "." : path.substr(0, slash);
    Record r;
    CaseSpec* current = nullptr;
    bool header_seen = false;
    auto bad = [&](const std::string& why) {
        *error = in.where() + why;
        return false;
    };
    while (in.next(&r, error)) {
        const std::string& kind = r.kind();
        if (!header_seen) {
            header_seen = true;
            int32_t format = 0;
            if (kind != "trtplug-plan" || !r.int32("format", &format)) {
                return bad("not a trtplug test plan (expected 'trtplug-plan format=" + std::to_string(kPlanFormat) +
                           "' on the first line)");
            }
            if (format != kPlanFormat) {
                return bad("plan format " + std::to_string(format) + ", this harness reads format " +
                           std::to_string(kPlanFormat));
            }
            plan->mode = r.text("mode", "auto");
            if (plan->mode != "auto" && plan->mode != "cpu" && plan->mode != "gpu") {
                return bad("mode must be auto, cpu or gpu");
            }
            continue;
        }
        if (kind == "library") {
            LibrarySpec lib;
            lib.load = r.text("load", "loader");
            if (!r.text("id", &lib.id) || lib.id.empty() || !r.text("path", &lib.path) ||
                (lib.load != "loader" && lib.load != "static")) {
                return bad("expected: library id=ID load=loader|static path=PATH");
            }
            plan->libraries.push_back(lib);
        } else if (kind == "case") {
            if (current) return bad("'case' inside case " + current->id + " (missing 'end')");
            CaseSpec c;
            if (!r.text("id", &c.id) || c.id.empty() || !r.text("library", &c.library) || !r.text("plugin", &c.plugin) ||
                c.plugin.empty() || !r.text("version", &c.version)) {
                return bad("expected: case id=ID library=ID plugin=NAME version=V [namespace=NS] ...");
            }
            c.plugin_namespace = r.text("namespace");
            c.null_fields = r.text("fields") == "null";
            c.deserialize_file = r.text("deserialize");
            c.save_blob = r.text("save_blob");
            c.phase = r.text("phase");
            if (!r.text("tactic").empty() && (!r.int32("tactic", &c.tactic) || c.tactic < 0)) {
                return bad("tactic must be a TensorRT tactic id (0 or more)");
            }
            if (!c.phase.empty() && c.phase != "build" && c.phase != "runtime") return bad("phase must be build or runtime");
            c.expect = r.text("expect");
            c.expect_message = r.text("expect_message");
            if (!known_expectation(c.expect)) {
                return bad("expect must be lookup-fail, create-fail, deserialize-fail or types-rejected");
            }
            plan->cases.push_back(c);
            current = &plan->cases.back();
        } else if (kind == "end") {
            if (!current) return bad("'end' outside a case");
            current = nullptr;
        } else if (!current) {
            return bad("'" + kind + "' outside a case");
        } else if (kind == "field") {
            FieldSpec f;
            if (!r.text("name", &f.name) || !r.int32("type", &f.type) || !r.int32("length", &f.length) ||
                !r.hex("data", &f.data)) {
                return bad("expected: field name=NAME type=T length=N data=HEX");
            }
            current->fields.push_back(f);
        } else if (kind == "input" || kind == "output") {
            TensorSpec t;
            if (!read_tensor(r, &t)) return bad("expected: " + kind + " dtype=T dims=D1,..,DN file=FILE");
            (kind == "input" ? current->inputs : current->outputs).push_back(t);
        } else {
            return bad("unknown record '" + kind + "'");
        }
    }
    if (!error->empty()) return false;
    if (current) return bad("case " + current->id + " has no 'end'");
    if (!header_seen) return bad("the plan is empty");
    for (const CaseSpec& c : plan->cases) {
        bool known = false;
        for (const LibrarySpec& l : plan->libraries) known = known || l.id == c.library;
        if (!known) {
            *error = path + ": case " + c.id + " uses library '" + c.library + "', which the plan does not declare";
            return false;
        }
    }
    return true;
}

std::string resolve(const Plan& plan, const std::string& file) {
    if (file.empty() || file[0] == '/') return file;
    return plan.dir + "/" + file;
}

bool read_file(const std::string& path, std::vector<unsigned char>* data, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    data->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

bool write_file(const std::string& path, const void* data, size_t size, std::string* error) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size))) {
        *error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace harness
