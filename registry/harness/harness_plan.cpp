// Test-plan parsing and result writing for the lifecycle harness.
#include "harness_plan.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace harness {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool decode_text(const std::string& word, std::string* out) {
    if (word.empty() || word[0] != '=') return false;
    out->clear();
    for (size_t i = 1; i < word.size(); ++i) {
        if (word[i] != '%') {
            out->push_back(word[i]);
            continue;
        }
        if (i + 2 >= word.size()) return false;
        const int hi = hex_value(word[i + 1]), lo = hex_value(word[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

bool decode_hex(const std::string& word, std::vector<unsigned char>* out) {
    out->clear();
    if (word == "-") return true;
    if (word.size() % 2 != 0) return false;
    for (size_t i = 0; i < word.size(); i += 2) {
        const int hi = hex_value(word[i]), lo = hex_value(word[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return true;
}

bool to_int64(const std::string& word, int64_t* out) {
    if (word.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (errno != 0 || end == nullptr || *end != '\0') return false;
    *out = v;
    return true;
}

bool to_int32(const std::string& word, int32_t* out) {
    int64_t v = 0;
    if (!to_int64(word, &v) || v < INT32_MIN || v > INT32_MAX) return false;
    *out = static_cast<int32_t>(v);
    return true;
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    std::string w;
    while (in >> w) words.push_back(w);
    return words;
}

// "<dtype> <rank> <dims...> =<file>"
bool parse_tensor(const std::vector<std::string>& w, TensorSpec* t) {
    if (w.size() < 4 || !to_int32(w[1], &t->dtype) || !to_int32(w[2], &t->rank) || t->rank < 0 || t->rank > 8) {
        return false;
    }
    if (w.size() != static_cast<size_t>(4 + t->rank)) return false;
    for (int32_t i = 0; i < t->rank; ++i) {
        if (!to_int64(w[static_cast<size_t>(3 + i)], &t->dims[i]) || t->dims[i] < 0) return false;
    }
    return decode_text(w.back(), &t->file);
}

}  // namespace

std::string encode_text(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = "=";
    for (unsigned char c : text) {
        if (c <= 0x20 || c >= 0x7F || c == '%' || c == '=') {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

bool parse_plan(const std::string& path, Plan* plan, std::string* error) {
    std::ifstream in(path);
    if (!in) {
        *error = "cannot read the plan file " + path + ": " + std::strerror(errno);
        return false;
    }
    const size_t slash = path.rfind('/');
    plan->dir = slash == std::string::npos ? "." : path.substr(0, slash);
    std::string line;
    int line_no = 0;
    CaseSpec* current = nullptr;
    bool header_seen = false;
    auto bad = [&](const std::string& why) {
        *error = path + ":" + std::to_string(line_no) + ": " + why;
        return false;
    };
    while (std::getline(in, line)) {
        ++line_no;
        const std::vector<std::string> w = split(line);
        if (w.empty() || w[0][0] == '#') continue;
        const std::string& key = w[0];
        if (!header_seen) {
            header_seen = true;
            int32_t format = 0;
            if (key != "trtplug-plan" || w.size() != 2 || !to_int32(w[1], &format)) {
                return bad("not a trtplug test plan (expected 'trtplug-plan 1' on the first line)");
            }
            if (format != kPlanFormat) {
                return bad("plan format " + w[1] + ", this harness reads format " + std::to_string(kPlanFormat));
            }
            continue;
        }
        if (key == "mode") {
            if (w.size() != 2 || (w[1] != "auto" && w[1] != "cpu" && w[1] != "gpu")) {
                return bad("mode must be auto, cpu or gpu");
            }
            plan->mode = w[1];
        } else if (key == "library") {
            LibrarySpec lib;
            if (w.size() != 4 || (w[2] != "loader" && w[2] != "static") || !decode_text(w[3], &lib.path)) {
                return bad("expected: library <id> loader|static =<path>");
            }
            lib.id = w[1];
            lib.load = w[2];
            plan->libraries.push_back(lib);
        } else if (key == "case") {
            if (current) return bad("'case' inside case " + current->id + " (missing 'end')");
            if (w.size() != 2) return bad("expected: case <id>");
            plan->cases.emplace_back();
            current = &plan->cases.back();
            current->id = w[1];
        } else if (key == "end") {
            if (!current) return bad("'end' outside a case");
            if (current->plugin.empty()) return bad("case " + current->id + " names no plugin");
            current = nullptr;
        } else {
            if (!current) return bad("'" + key + "' outside a case");
            CaseSpec& c = *current;
            if (key == "plugin") {
                if (w.size() != 5 || !decode_text(w[2], &c.plugin) || !decode_text(w[3], &c.version) ||
                    !decode_text(w[4], &c.plugin_namespace)) {
                    return bad("expected: plugin <library-id> =<name> =<version> =<namespace>");
                }
                c.library = w[1];
            } else if (key == "fields-null") {
                c.null_fields = true;
            } else if (key == "field") {
                FieldSpec f;
                if (w.size() != 5 || !decode_text(w[1], &f.name) || !to_int32(w[2], &f.type) ||
                    !to_int32(w[3], &f.length) || !decode_hex(w[4], &f.data)) {
                    return bad("expected: field =<name> <type> <length> <hex-data or ->");
                }
                c.fields.push_back(f);
            } else if (key == "input" || key == "output") {
                TensorSpec t;
                if (!parse_tensor(w, &t)) return bad("expected: " + key + " <dtype> <rank> <dims...> =<file>");
                (key == "input" ? c.inputs : c.outputs).push_back(t);
            } else if (key == "deserialize") {
                if (w.size() != 2 || !decode_text(w[1], &c.deserialize_file)) return bad("expected: deserialize =<file>");
            } else if (key == "save-blob") {
                if (w.size() != 2 || !decode_text(w[1], &c.save_blob)) return bad("expected: save-blob =<file>");
            } else if (key == "expect") {
                if (w.size() != 3 || !decode_text(w[2], &c.expect_message) ||
                    (w[1] != "lookup-fail" && w[1] != "create-fail" && w[1] != "deserialize-fail" &&
                     w[1] != "types-rejected")) {
                    return bad("expected: expect lookup-fail|create-fail|deserialize-fail|types-rejected =<message>");
                }
                c.expect = w[1];
            } else {
                return bad("unknown record '" + key + "'");
            }
        }
    }
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

bool ResultWriter::open(const std::string& path, std::string* error) {
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) {
        *error = "cannot write the result file " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

ResultWriter::~ResultWriter() {
    if (file_) std::fclose(file_);
}

void ResultWriter::record(const std::vector<std::string>& words, const std::string& text) {
    if (!file_) return;
    for (size_t i = 0; i < words.size(); ++i) std::fprintf(file_, i ? " %s" : "%s", words[i].c_str());
    std::fprintf(file_, " %s\n", encode_text(text).c_str());
    std::fflush(file_);
}

void ResultWriter::record(const std::vector<std::string>& words) {
    if (!file_) return;
    for (size_t i = 0; i < words.size(); ++i) std::fprintf(file_, i ? " %s" : "%s", words[i].c_str());
    std::fprintf(file_, "\n");
    std::fflush(file_);
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
