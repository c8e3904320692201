// Plugin serialization, format version 1 (docs/serialization.md):
//   header  u32 magic, u16 format version, u16 flags (0), u32 total length, u32 CRC-32 of the
//           bytes after the header
//   body    plugin name and version (u16 length + bytes each), u16 attribute count, then per
//           attribute: name (u16 length + bytes), u8 AttrType, u32 element count, payload
//           (int/bool/int list: int64 each; float/float list: float32 bits each; string: bytes)
// All integers little-endian. Attributes appear in declaration order, each exactly once.
#include <cstring>
#include <limits>

#include "core_internal.h"

namespace trtplug {

using detail::fail;
using detail::printable;
using detail::strf;

namespace {

constexpr size_t kHeaderSize = 16;

bool int_payload(AttrType t) { return t == AttrType::kInt || t == AttrType::kBool || t == AttrType::kIntList; }
bool float_payload(AttrType t) { return t == AttrType::kFloat || t == AttrType::kFloatList; }

size_t payload_count(const AttrDesc& d, const AttrValue& v) {
    if (int_payload(d.type)) return v.ints.size();
    if (float_payload(d.type)) return v.floats.size();
    return v.text.size();
}

size_t element_size(AttrType t) { return int_payload(t) ? 8 : float_payload(t) ? 4 : 1; }

class Writer {
public:
    explicit Writer(unsigned char* out) : out_(out) {}
    void u8(uint8_t v) { out_[pos_++] = v; }
    void u16(uint16_t v) { le(v, 2); }
    void u32(uint32_t v) { le(v, 4); }
    void u64(uint64_t v) { le(v, 8); }
    void bytes(const void* p, size_t n) {
        if (n) std::memcpy(out_ + pos_, p, n);
        pos_ += n;
    }
    void text16(const char* s, size_t n) {
        u16(static_cast<uint16_t>(n));
        bytes(s, n);
    }
    size_t pos() const { return pos_; }

private:
    void le(uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out_[pos_++] = static_cast<unsigned char>(v >> (8 * i));
    }
    unsigned char* out_;
    size_t pos_ = 0;
};

class Reader {
public:
    Reader(const unsigned char* p, size_t n) : p_(p), n_(n) {}
    size_t remaining() const { return n_ - pos_; }
    size_t pos() const { return pos_; }
    bool u8(uint8_t* v) { return take(v, 1); }
    bool u16(uint16_t* v) { return take(v, 2); }
    bool u32(uint32_t* v) { return take(v, 4); }
    bool u64(uint64_t* v) { return take(v, 8); }
    bool span(size_t n, const char** out) {
        if (n > remaining()) return false;
        *out = reinterpret_cast<const char*>(p_ + pos_);
        pos_ += n;
        return true;
    }

private:
    template <class T>
    bool take(T* v, size_t n) {
        if (n > remaining()) return false;
        uint64_t x = 0;
        for (size_t i = 0; i < n; ++i) x |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
        *v = static_cast<T>(x);
        pos_ += n;
        return true;
    }
    const unsigned char* p_;
    size_t n_;
    size_t pos_ = 0;
};

}  // namespace

size_t serialized_size(const PluginDesc& desc, const AttrValues& values) {
    if (values.size() != static_cast<size_t>(desc.n_attrs)) return 0;
    size_t n = kHeaderSize + 2 + std::strlen(desc.name) + 2 + std::strlen(desc.version) + 2;
    for (int32_t i = 0; i < desc.n_attrs; ++i) {
        const AttrDesc& d = desc.attrs[i];
        n += 2 + std::strlen(d.name) + 1 + 4 + payload_count(d, values[static_cast<size_t>(i)]) * element_size(d.type);
    }
    return n;
}

Status serialize(const PluginDesc& desc, const AttrValues& values, void* buffer, size_t capacity, Error* err) {
    return detail::guarded(err, "serialize", [&]() -> Status {
        Status s = attrs_validate(desc, values, err);
        if (s != Status::kOk) return s;
        const size_t size = serialized_size(desc, values);
        if (!buffer) return fail(err, Status::kBadArgument, "serialize: null buffer");
        if (capacity < size) {
            return fail(err, Status::kBadArgument,
                        strf("serialize: buffer holds %zu bytes, plugin '%s' needs %zu", capacity, desc.name, size));
        }
        if (size > std::numeric_limits<uint32_t>::max()) {
            return fail(err, Status::kBadArgument, strf("serialize: %zu bytes exceed the format's 4 GiB limit", size));
        }
        const size_t name_len = std::strlen(desc.name), version_len = std::strlen(desc.version);
        if (name_len > 0xffff || version_len > 0xffff || desc.n_attrs > 0xffff) {
            return fail(err, Status::kBadArgument, "serialize: plugin name, version or attribute count too long");
        }
        unsigned char* out = static_cast<unsigned char*>(buffer);
        Writer w(out);
        w.u32(kSerialMagic);
        w.u16(kSerialFormatVersion);
        w.u16(0);
        w.u32(static_cast<uint32_t>(size));
        w.u32(0);  // CRC, filled below
        w.text16(desc.name, name_len);
        w.text16(desc.version, version_len);
        w.u16(static_cast<uint16_t>(desc.n_attrs));
        for (int32_t i = 0; i < desc.n_attrs; ++i) {
            const AttrDesc& d = desc.attrs[i];
            const AttrValue& v = values[static_cast<size_t>(i)];
            const size_t attr_name_len = std::strlen(d.name);
            if (attr_name_len > 0xffff) return fail(err, Status::kBadArgument, "serialize: attribute name too long");
            w.text16(d.name, attr_name_len);
            w.u8(static_cast<uint8_t>(d.type));
            const size_t count = payload_count(d, v);
            w.u32(static_cast<uint32_t>(count));
            if (int_payload(d.type)) {
                for (int64_t x : v.ints) w.u64(static_cast<uint64_t>(x));
            } else if (float_payload(d.type)) {
                for (float x : v.floats) {
                    uint32_t bits;
                    std::memcpy(&bits, &x, 4);
                    w.u32(bits);
                }
            } else {
                w.bytes(v.text.data(), v.text.size());
            }
        }
        if (w.pos() != size) return fail(err, Status::kInternal, "serialize: size accounting mismatch");
        const uint32_t crc = detail::crc32(out + kHeaderSize, size - kHeaderSize);
        Writer(out + 12).u32(crc);
        return detail::ok(err);
    });
}

namespace {

Status parse(const PluginDesc& desc, const unsigned char* data, size_t length, AttrValues* values, Error* err) {
    const Status bad = Status::kBadSerialization;
    if (!values) return fail(err, Status::kBadArgument, "deserialize: null values");
    if (!data && length > 0) return fail(err, Status::kBadArgument, "deserialize: null data");
    if (length < kHeaderSize) {
        return fail(err, bad, strf("serialized plugin data is %zu bytes, shorter than the %zu-byte header", length, kHeaderSize));
    }
    Reader r(data, length);
    uint32_t magic = 0, total = 0, crc = 0;
    uint16_t version = 0, flags = 0;
    r.u32(&magic);
    r.u16(&version);
    r.u16(&flags);
    r.u32(&total);
    r.u32(&crc);
    if (magic != kSerialMagic) {
        return fail(err, bad, strf("serialized data starts with 0x%08x, not the trtplug magic 0x%08x ('TPLG'): "
                                   "not a trtplug plugin", magic, kSerialMagic));
    }
    if (version != kSerialFormatVersion) {
        return fail(err, bad, strf("serialized data has format version %u; this library reads format version %u "
                                   "(rebuild the engine with this library)", version, kSerialFormatVersion));
    }
    if (flags != 0) return fail(err, bad, strf("serialized data has unknown flags 0x%04x (format version 1 has none)", flags));
    if (total != length) {
        return fail(err, bad, strf("serialized data header says %u bytes, but %zu bytes were given", total, length));
    }
    const uint32_t actual = detail::crc32(data + kHeaderSize, length - kHeaderSize);
    if (actual != crc) {
        return fail(err, bad, strf("serialized data is corrupted: CRC-32 is 0x%08x, header says 0x%08x", actual, crc));
    }
    auto truncated = [&](const char* what) {
        return fail(err, bad, strf("serialized data ends inside %s at byte %zu (%zu bytes total)", what, r.pos(), length));
    };
    uint16_t name_len = 0, version_len = 0;
    const char* name = nullptr;
    const char* plugin_version = nullptr;
    if (!r.u16(&name_len) || !r.span(name_len, &name)) return truncated("the plugin name");
    if (!r.u16(&version_len) || !r.span(version_len, &plugin_version)) return truncated("the plugin version");
    const size_t want_name = std::strlen(desc.name), want_version = std::strlen(desc.version);
    if (name_len != want_name || std::memcmp(name, desc.name, name_len) != 0 || version_len != want_version ||
        std::memcmp(plugin_version, desc.version, version_len) != 0) {
        return fail(err, bad, strf("serialized data is for plugin '%s' version '%s', not '%s' version '%s'",
                                   printable(name, name_len).c_str(), printable(plugin_version, version_len).c_str(),
                                   desc.name, desc.version));
    }
    uint16_t count = 0;
    if (!r.u16(&count)) return truncated("the attribute count");
    AttrValues parsed(static_cast<size_t>(desc.n_attrs));
    for (uint32_t i = 0; i < count; ++i) {
        uint16_t attr_name_len = 0;
        const char* attr_name = nullptr;
        if (!r.u16(&attr_name_len) || !r.span(attr_name_len, &attr_name)) return truncated("an attribute name");
        int32_t found = -1;
        for (int32_t k = 0; k < desc.n_attrs; ++k) {
            if (std::strlen(desc.attrs[k].name) == attr_name_len &&
                std::memcmp(desc.attrs[k].name, attr_name, attr_name_len) == 0) {
                found = k;
                break;
            }
        }
        const std::string shown = printable(attr_name, attr_name_len);
        if (found < 0) {
            return fail(err, bad, strf("serialized data holds unknown attribute '%s' (plugin '%s' version '%s')",
                                       shown.c_str(), desc.name, desc.version));
        }
        if (static_cast<uint32_t>(found) < i) {
            return fail(err, bad, strf("serialized data holds attribute '%s' twice", shown.c_str()));
        }
        if (static_cast<uint32_t>(found) > i) {
            return fail(err, bad, strf("serialized data lacks attribute '%s' (found '%s' in its place)",
                                       desc.attrs[i].name, shown.c_str()));
        }
        const AttrDesc& d = desc.attrs[found];
        uint8_t type = 0;
        uint32_t n = 0;
        if (!r.u8(&type)) return truncated("an attribute type");
        if (type != static_cast<uint8_t>(d.type)) {
            const char* stored = type <= static_cast<uint8_t>(AttrType::kFloatList)
                                     ? detail::attr_type_name(static_cast<AttrType>(type))
                                     : "unknown type";
            return fail(err, bad, strf("serialized attribute '%s' is stored as %s (%u); the plugin declares it %s", d.name, stored,
                                       type, detail::attr_type_name(d.type)));
        }
        if (!r.u32(&n)) return truncated("an attribute element count");
        const size_t elem = element_size(d.type);
        if (n > r.remaining() / elem) {
            return fail(err, bad, strf("serialized attribute '%s' claims %u elements (%zu bytes each) but only %zu bytes remain",
                                       d.name, n, elem, r.remaining()));
        }
        AttrValue& v = parsed[static_cast<size_t>(found)];
        if (int_payload(d.type)) {
            v.ints.resize(n);
            for (uint32_t j = 0; j < n; ++j) {
                uint64_t x = 0;
                r.u64(&x);
                v.ints[j] = static_cast<int64_t>(x);
            }
        } else if (float_payload(d.type)) {
            v.floats.resize(n);
            for (uint32_t j = 0; j < n; ++j) {
                uint32_t bits = 0;
                r.u32(&bits);
                std::memcpy(&v.floats[j], &bits, 4);
            }
        } else {
            const char* text = nullptr;
            r.span(n, &text);
            v.text.assign(text, n);
        }
        std::string why;
        if (!detail::check_attr_value(d, v, &why)) return fail(err, bad, "serialized " + why);
    }
    if (count < desc.n_attrs) {
        return fail(err, bad, strf("serialized data lacks attribute '%s' (%u of %d attributes present)",
                                   desc.attrs[count].name, count, desc.n_attrs));
    }
    if (r.remaining() != 0) {
        return fail(err, bad, strf("serialized data has %zu unexpected bytes after the last attribute", r.remaining()));
    }
    *values = std::move(parsed);
    return detail::ok(err);
}

}  // namespace

Status deserialize(const PluginDesc& desc, const void* data, size_t length, AttrValues* values, Error* err) {
    return detail::guarded(err, "deserialize", [&] {
        return parse(desc, static_cast<const unsigned char*>(data), length, values, err);
    });
}

}  // namespace trtplug
