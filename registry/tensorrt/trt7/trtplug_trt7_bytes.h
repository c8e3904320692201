// Little-endian reads and writes of the bytes a TensorRT 7 layer serializes: the core's plugin
// header (read by the factory) and the layer-configuration trailer (written and read by the plugin).
#pragma once

#include <cstdint>

namespace trtplug {
namespace trt7 {

inline uint32_t read_u32(const unsigned char* p) noexcept {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}
inline uint16_t read_u16(const unsigned char* p) noexcept { return static_cast<uint16_t>(p[0] | p[1] << 8); }
inline int32_t read_i32(const unsigned char* p) noexcept { return static_cast<int32_t>(read_u32(p)); }

inline void write_u32(unsigned char*& p, uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<unsigned char>(v >> (8 * i));
}
inline void write_u16(unsigned char*& p, uint16_t v) noexcept {
    *p++ = static_cast<unsigned char>(v);
    *p++ = static_cast<unsigned char>(v >> 8);
}
inline void write_i32(unsigned char*& p, int32_t v) noexcept { write_u32(p, static_cast<uint32_t>(v)); }

}  // namespace trt7
}  // namespace trtplug
