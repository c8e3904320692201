// Reads a fuzz input front to back as little-endian fields; past the end every read gives 0 (or
// an empty span), so any byte string decodes to some value. The seed writer
// (tests/fuzz/seeds.py) produces inputs in the same layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace fuzz {

class Input {
public:
    Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}

    size_t remaining() const { return n_ - pos_; }
    uint8_t u8() { return static_cast<uint8_t>(le(1)); }
    uint16_t u16() { return static_cast<uint16_t>(le(2)); }
    uint32_t u32() { return static_cast<uint32_t>(le(4)); }
    int32_t i32() { return static_cast<int32_t>(u32()); }
    uint64_t u64() { return le(8); }
    float f32() {
        const uint32_t bits = u32();
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
    // Up to n bytes (fewer at the end of the input).
    std::vector<uint8_t> bytes(size_t n) {
        n = n < remaining() ? n : remaining();
        std::vector<uint8_t> out(p_ + pos_, p_ + pos_ + n);
        pos_ += n;
        return out;
    }
    std::vector<uint8_t> rest() { return bytes(remaining()); }

private:
    uint64_t le(size_t n) {
        uint64_t x = 0;
        for (size_t i = 0; i < n && pos_ < n_; ++i) x |= static_cast<uint64_t>(p_[pos_++]) << (8 * i);
        return x;
    }
    const uint8_t* p_;
    size_t n_;
    size_t pos_ = 0;
};

// A check that failed: prints what and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] void finding(const char* what, const char* detail = "");

}  // namespace fuzz

// Defined once per target (in its .cpp): the message of a finding, then abort().
#define FUZZ_FINDING_IMPL                                                            \
    [[noreturn]] void fuzz::finding(const char* what, const char* detail) {         \
        std::fprintf(stderr, "FUZZ FINDING: %s %s\n", what, detail ? detail : ""); \
        std::abort();                                                                \
    }

#define FUZZ_CHECK(cond, what, detail) \
    do {                               \
        if (!(cond)) fuzz::finding(what, detail); \
    } while (0)
