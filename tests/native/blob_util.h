// Helpers to build and edit serialized blobs in tests and the fuzzer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core_internal.h"
#include "trtplug_core.h"

namespace blob {

using Bytes = std::vector<unsigned char>;

inline Bytes serialize(const trtplug::PluginDesc& desc, const trtplug::AttrValues& values) {
    Bytes out(trtplug::serialized_size(desc, values));
    trtplug::Error err;
    if (trtplug::serialize(desc, values, out.data(), out.size(), &err) != trtplug::Status::kOk) out.clear();
    return out;
}

inline void put_u32(Bytes& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
}

inline void put_u16(Bytes& b, size_t at, uint16_t v) {
    b[at] = static_cast<unsigned char>(v);
    b[at + 1] = static_cast<unsigned char>(v >> 8);
}

// Rewrites the total length and CRC so that only the body's content decides acceptance.
inline void fix_header(Bytes& b) {
    if (b.size() < 16) return;
    put_u32(b, 8, static_cast<uint32_t>(b.size()));
    put_u32(b, 12, trtplug::detail::crc32(b.data() + 16, b.size() - 16));
}

// Appends little-endian integers / strings (to build bodies by hand).
struct Builder {
    Bytes b;
    Builder& u8(uint8_t v) { b.push_back(v); return *this; }
    Builder& u16(uint16_t v) { for (int i = 0; i < 2; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i))); return *this; }
    Builder& u32(uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i))); return *this; }
    Builder& u64(uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i))); return *this; }
    Builder& f32(float f) { uint32_t x; std::memcpy(&x, &f, 4); return u32(x); }
    Builder& text(const std::string& s) { u16(static_cast<uint16_t>(s.size())); b.insert(b.end(), s.begin(), s.end()); return *this; }
    Builder& raw(const std::string& s) { b.insert(b.end(), s.begin(), s.end()); return *this; }
    Builder& header() { u32(trtplug::kSerialMagic).u16(1).u16(0).u32(0).u32(0); return *this; }
    Bytes done() { Bytes out = b; fix_header(out); return out; }
};

}  // namespace blob
