// The record format shared by every native test program (the lifecycle harness, the TensorRT 7
// harness, the nvinfer emulation), for what Python writes to them (plans) and what they write back
// (results). Its Python twin is trtplug/native/records.py; docs/tensorrt.md ("Record files")
// describes the format:
//
//   KIND key=value key=value ...
//
// One record a line. KIND and keys are [a-z0-9_-]+. Values are percent-encoded: every byte that is
// not printable ASCII, and ' ', '%', '=' become %XX, so any text (paths with spaces, empty strings,
// newlines) survives. A list of numbers is one value, comma-separated ("dims=2,3,4"); binary data
// is hex. Blank lines and lines starting with '#' are skipped. A reader ignores keys it does not
// know (the Python side keeps its own notes in the plan); a missing key is an error where needed.
// Header only: each program is one translation unit or links only what it includes.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace records {

inline int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

inline std::string encode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
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

inline bool decode(const std::string& word, std::string* out) {
    out->clear();
    for (size_t i = 0; i < word.size(); ++i) {
        if (word[i] != '%') {
            out->push_back(word[i]);
            continue;
        }
        if (i + 2 >= word.size()) return false;
        const int hi = hex_digit(word[i + 1]), lo = hex_digit(word[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

inline bool to_int64(const std::string& word, int64_t* out) {
    if (word.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (errno != 0 || end == nullptr || *end != '\0') return false;
    *out = v;
    return true;
}

inline bool to_double(const std::string& word, double* out) {
    if (word.empty()) return false;
    char* end = nullptr;
    const double v = std::strtod(word.c_str(), &end);
    if (end == nullptr || *end != '\0') return false;
    *out = v;
    return true;
}

// Splits "a,b,c" (an empty value is an empty list).
inline std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> items;
    if (value.empty()) return items;
    size_t start = 0;
    for (;;) {
        const size_t comma = value.find(',', start);
        items.push_back(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) return items;
        start = comma + 1;
    }
}

class Record {
public:
    Record() = default;
    explicit Record(std::string kind) : kind_(std::move(kind)) {}

    const std::string& kind() const { return kind_; }

    Record& add(const std::string& key, const std::string& value) {
        fields_.emplace_back(key, value);
        return *this;
    }
    Record& add(const std::string& key, const char* value) { return add(key, std::string(value ? value : "")); }
    Record& add(const std::string& key, int64_t value) { return add(key, std::to_string(value)); }
    Record& add(const std::string& key, int32_t value) { return add(key, std::to_string(value)); }
    Record& add(const std::string& key, size_t value) { return add(key, std::to_string(value)); }
    // Binary data as hex (what hex() reads back).
    Record& add_hex(const std::string& key, const void* data, size_t size) {
        static const char* digits = "0123456789abcdef";
        const unsigned char* bytes = static_cast<const unsigned char*>(data);
        std::string text;
        text.reserve(2 * size);
        for (size_t i = 0; i < size; ++i) {
            text.push_back(digits[bytes[i] >> 4]);
            text.push_back(digits[bytes[i] & 15]);
        }
        return add(key, text);
    }

    bool has(const std::string& key) const { return find(key) != nullptr; }
    const std::string* find(const std::string& key) const {
        for (const auto& f : fields_)
            if (f.first == key) return &f.second;
        return nullptr;
    }
    // The value of `key`, or `fallback` when the record has none.
    std::string text(const std::string& key, const std::string& fallback = "") const {
        const std::string* v = find(key);
        return v ? *v : fallback;
    }
    bool text(const std::string& key, std::string* out) const {
        const std::string* v = find(key);
        if (v) *out = *v;
        return v != nullptr;
    }
    bool int64(const std::string& key, int64_t* out) const {
        const std::string* v = find(key);
        return v && to_int64(*v, out);
    }
    bool int32(const std::string& key, int32_t* out) const {
        int64_t v = 0;
        if (!int64(key, &v) || v < INT32_MIN || v > INT32_MAX) return false;
        *out = static_cast<int32_t>(v);
        return true;
    }
    bool int64_list(const std::string& key, std::vector<int64_t>* out) const {
        const std::string* v = find(key);
        if (!v) return false;
        out->clear();
        for (const std::string& item : split_list(*v)) {
            int64_t x = 0;
            if (!to_int64(item, &x)) return false;
            out->push_back(x);
        }
        return true;
    }
    bool double_list(const std::string& key, std::vector<double>* out) const {
        const std::string* v = find(key);
        if (!v) return false;
        out->clear();
        for (const std::string& item : split_list(*v)) {
            double x = 0;
            if (!to_double(item, &x)) return false;
            out->push_back(x);
        }
        return true;
    }
    bool hex(const std::string& key, std::vector<unsigned char>* out) const {
        const std::string* v = find(key);
        if (!v || v->size() % 2 != 0) return false;
        out->clear();
        for (size_t i = 0; i < v->size(); i += 2) {
            const int hi = hex_digit((*v)[i]), lo = hex_digit((*v)[i + 1]);
            if (hi < 0 || lo < 0) return false;
            out->push_back(static_cast<unsigned char>(hi * 16 + lo));
        }
        return true;
    }

    std::string line() const {
        std::string out = kind_;
        for (const auto& f : fields_) out += " " + f.first + "=" + encode(f.second);
        return out;
    }

    // Reads one line; false (with *error) for a malformed one. A blank or comment line gives a
    // record with an empty kind.
    static bool parse(const std::string& line, Record* record, std::string* error) {
        *record = Record();
        if (line.empty() || line[0] == '#') return true;
        size_t at = 0;
        bool first = true;
        while (at <= line.size()) {
            size_t space = line.find(' ', at);
            if (space == std::string::npos) space = line.size();
            const std::string word = line.substr(at, space - at);
            at = space + 1;
            if (word.empty()) {
                if (space >= line.size()) break;
                continue;
            }
            if (first) {
                record->kind_ = word;
                first = false;
                continue;
            }
            const size_t eq = word.find('=');
            std::string value;
            if (eq == std::string::npos || eq == 0 || !decode(word.substr(eq + 1), &value)) {
                *error = "'" + word + "' is not key=value (with the value percent-encoded)";
                return false;
            }
            record->fields_.emplace_back(word.substr(0, eq), value);
        }
        return true;
    }

private:
    std::string kind_;
    std::vector<std::pair<std::string, std::string>> fields_;
};

// Reads a record file line by line; next() skips blank and comment lines.
class Reader {
public:
    bool open(const std::string& path, std::string* error) {
        path_ = path;
        in_.open(path);
        if (!in_) {
            *error = "cannot read " + path + ": " + std::strerror(errno);
            return false;
        }
        return true;
    }
    // False at the end of the file (error empty) or at a malformed line (error set).
    bool next(Record* record, std::string* error) {
        error->clear();
        std::string line;
        while (std::getline(in_, line)) {
            ++line_;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            std::string why;
            if (!Record::parse(line, record, &why)) {
                *error = where() + why;
                return false;
            }
            if (!record->kind().empty()) return true;
        }
        return false;
    }
    // "PATH:LINE: ", for error messages about the current record.
    std::string where() const { return path_ + ":" + std::to_string(line_) + ": "; }

private:
    std::string path_;
    std::ifstream in_;
    int line_ = 0;
};

// Writes records to a file (or stdout), flushing each, so a crash leaves a readable prefix.
class Writer {
public:
    Writer() = default;
    explicit Writer(std::FILE* file) : file_(file), owned_(false) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer() {
        if (file_ && owned_) std::fclose(file_);
    }
    bool open(const std::string& path, std::string* error) {
        file_ = std::fopen(path.c_str(), "w");
        owned_ = true;
        if (!file_) *error = "cannot write " + path + ": " + std::strerror(errno);
        return file_ != nullptr;
    }
    bool is_open() const { return file_ != nullptr; }
    void write(const Record& record) {
        if (!file_) return;
        std::fprintf(file_, "%s\n", record.line().c_str());
        std::fflush(file_);
    }

private:
    std::FILE* file_ = nullptr;
    bool owned_ = true;
};

}  // namespace records
