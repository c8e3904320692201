// Attribute values: defaults, TensorRT PluginField conversion and validation.
#include <cmath>
#include <cstring>
#include <limits>

#include "core_internal.h"

namespace trtplug {
namespace detail {
namespace {

bool is_int_type(AttrType t) { return t == AttrType::kInt || t == AttrType::kIntList || t == AttrType::kBool; }
bool is_float_type(AttrType t) { return t == AttrType::kFloat || t == AttrType::kFloatList; }
bool is_scalar_type(AttrType t) { return t == AttrType::kInt || t == AttrType::kFloat || t == AttrType::kBool; }

const char* field_type_name(FieldType t) {
    switch (t) {
        case FieldType::kFloat16: return "kFLOAT16";
        case FieldType::kFloat32: return "kFLOAT32";
        case FieldType::kFloat64: return "kFLOAT64";
        case FieldType::kInt8: return "kINT8";
        case FieldType::kInt16: return "kINT16";
        case FieldType::kInt32: return "kINT32";
        case FieldType::kChar: return "kCHAR";
        case FieldType::kInt64: return "kINT64";
    }
    return "unknown field type";
}

bool range_ok(const AttrDesc& d, double v, std::string* why, const char* kind) {
    if (d.has_min && !(v >= d.min_value)) {
        *why = strf("attribute '%s': %s value %.9g is below the minimum %.9g", d.name, kind, v, d.min_value);
        return false;
    }
    if (d.has_max && !(v <= d.max_value)) {
        *why = strf("attribute '%s': %s value %.9g is above the maximum %.9g", d.name, kind, v, d.max_value);
        return false;
    }
    return true;
}

bool choice_ok(const AttrDesc& d, const std::string& text, std::string* why) {
    if (d.n_choices <= 0 || d.choices == nullptr) return true;
    std::string allowed;
    for (int32_t i = 0; i < d.n_choices; ++i) {
        const char* choice = d.choices[i] ? d.choices[i] : "";
        if (text == choice) return true;
        allowed += strf("%s'%s'", i ? ", " : "", printable(choice, std::strlen(choice)).c_str());
    }
    *why = strf("attribute '%s': '%s' is not one of %s", d.name, printable(text.data(), text.size()).c_str(),
                allowed.c_str());
    return false;
}

}  // namespace

bool check_attr_value(const AttrDesc& d, const AttrValue& v, std::string* why) {
    size_t count = 0;
    if (is_int_type(d.type)) {
        count = v.ints.size();
    } else if (is_float_type(d.type)) {
        count = v.floats.size();
    } else if (d.type == AttrType::kString) {
        count = v.text.size();
    } else {
        *why = strf("attribute '%s': unknown attribute type %d", d.name, static_cast<int>(d.type));
        return false;
    }
    if (is_scalar_type(d.type)) {
        if (count == 0) {
            *why = strf("attribute '%s' has no value (it has no default: pass it as a plugin field)", d.name);
            return false;
        }
        if (count != 1) {
            *why = strf("attribute '%s': a %s attribute holds exactly 1 value, got %zu", d.name, attr_type_name(d.type),
                        count);
            return false;
        }
    } else {
        const char* unit = d.type == AttrType::kString ? "bytes" : "values";
        if (count < static_cast<size_t>(d.min_length < 0 ? 0 : d.min_length)) {
            *why = strf("attribute '%s': %zu %s, at least %d expected", d.name, count, unit, d.min_length);
            return false;
        }
        if (d.max_length >= 0 && count > static_cast<size_t>(d.max_length)) {
            *why = strf("attribute '%s': %zu %s, at most %d allowed", d.name, count, unit, d.max_length);
            return false;
        }
    }
    if (d.type == AttrType::kString) {
        if (std::memchr(v.text.data(), '\0', v.text.size()) != nullptr) {
            *why = strf("attribute '%s': string holds a NUL byte", d.name);
            return false;
        }
        return choice_ok(d, v.text, why);
    }
    if (d.type == AttrType::kBool) {
        if (v.ints[0] != 0 && v.ints[0] != 1) {
            *why = strf("attribute '%s': bool value %lld is not 0 or 1", d.name, static_cast<long long>(v.ints[0]));
            return false;
        }
        return true;
    }
    if (is_int_type(d.type)) {
        for (int64_t x : v.ints) {
            if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
                *why = strf("attribute '%s': value %lld does not fit a 32-bit int", d.name, static_cast<long long>(x));
                return false;
            }
            if (!range_ok(d, static_cast<double>(x), why, "int")) return false;
        }
        return true;
    }
    for (float x : v.floats) {
        if (!range_ok(d, static_cast<double>(x), why, "float")) return false;
    }
    return true;
}

}  // namespace detail

using detail::fail;
using detail::strf;

void attrs_default(const PluginDesc& desc, AttrValues* values) {
    if (!values) return;
    try {
        values->assign(static_cast<size_t>(desc.n_attrs > 0 ? desc.n_attrs : 0), AttrValue{});
        for (int32_t i = 0; i < desc.n_attrs; ++i) {
            const AttrDesc& d = desc.attrs[i];
            AttrValue& v = (*values)[static_cast<size_t>(i)];
            const size_t n = d.default_length > 0 ? static_cast<size_t>(d.default_length) : 0;
            if (detail::is_int_type(d.type) && d.default_ints) {
                v.ints.assign(d.default_ints, d.default_ints + n);
            } else if (detail::is_float_type(d.type) && d.default_floats) {
                v.floats.assign(d.default_floats, d.default_floats + n);
            } else if (d.type == AttrType::kString && d.default_string) {
                v.text.assign(d.default_string, n);
            }
        }
    } catch (...) {
        values->clear();  // attrs_validate then reports the missing values
    }
}

namespace {

// Reads element i of a PluginField of integer type as int64.
int64_t read_int(FieldType t, const void* data, int32_t i) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    switch (t) {
        case FieldType::kInt8: {
            int8_t v;
            std::memcpy(&v, p + i, 1);
            return v;
        }
        case FieldType::kInt16: {
            int16_t v;
            std::memcpy(&v, p + 2 * static_cast<size_t>(i), 2);
            return v;
        }
        case FieldType::kInt32: {
            int32_t v;
            std::memcpy(&v, p + 4 * static_cast<size_t>(i), 4);
            return v;
        }
        default: {
            int64_t v;
            std::memcpy(&v, p + 8 * static_cast<size_t>(i), 8);
            return v;
        }
    }
}

Status set_field(const PluginDesc& desc, AttrValues* values, const char* name, FieldType type, const void* data,
                 int32_t length, Error* err) {
    if (!values || !name) return fail(err, Status::kBadArgument, "attrs_set_field: null values or field name");
    if (values->size() != static_cast<size_t>(desc.n_attrs)) {
        return fail(err, Status::kInternal,
                    strf("attrs_set_field: values hold %zu attributes, plugin '%s' declares %d (call attrs_default first)",
                         values->size(), desc.name, desc.n_attrs));
    }
    int32_t index = -1;
    for (int32_t i = 0; i < desc.n_attrs; ++i) {
        if (std::strcmp(desc.attrs[i].name, name) == 0) {
            index = i;
            break;
        }
    }
    if (index < 0) {
        std::string known;
        for (int32_t i = 0; i < desc.n_attrs; ++i) known += (i ? ", " : "") + std::string(desc.attrs[i].name);
        return fail(err, Status::kBadArgument,
                    strf("unknown field '%s'; plugin '%s' has attributes: %s", detail::printable(name, std::strlen(name)).c_str(),
                         desc.name, known.empty() ? "(none)" : known.c_str()));
    }
    const AttrDesc& d = desc.attrs[index];
    if (length < 0) return fail(err, Status::kBadArgument, strf("field '%s': negative length %d", d.name, length));
    if (!data && length > 0) return fail(err, Status::kBadArgument, strf("field '%s': null data with length %d", d.name, length));
    auto type_error = [&]() {
        const char* expected = d.type == AttrType::kString ? "kCHAR"
                               : detail::is_float_type(d.type) ? "kFLOAT32 (or kFLOAT64, kFLOAT16)"
                               : d.type == AttrType::kBool ? "kINT32 or kINT8 holding 0 or 1"
                                                           : "kINT32 (or kINT64, kINT16, kINT8)";
        return fail(err, Status::kBadArgument,
                    strf("field '%s': a %s attribute expects a %s field, got %s", d.name, detail::attr_type_name(d.type),
                         expected, detail::field_type_name(type)));
    };
    AttrValue v;
    if (d.type == AttrType::kString) {
        if (type != FieldType::kChar) return type_error();
        size_t n = static_cast<size_t>(length);
        const char* text = static_cast<const char*>(data);
        if (n > 0 && text[n - 1] == '\0') --n;  // the length may count the terminating NUL
        v.text.assign(text ? text : "", n);
    } else if (detail::is_int_type(d.type)) {
        if (type != FieldType::kInt8 && type != FieldType::kInt16 && type != FieldType::kInt32 && type != FieldType::kInt64) {
            return type_error();
        }
        v.ints.resize(static_cast<size_t>(length));
        for (int32_t i = 0; i < length; ++i) v.ints[static_cast<size_t>(i)] = read_int(type, data, i);
    } else if (detail::is_float_type(d.type)) {
        v.floats.resize(static_cast<size_t>(length));
        const unsigned char* p = static_cast<const unsigned char*>(data);
        for (int32_t i = 0; i < length; ++i) {
            const size_t at = static_cast<size_t>(i);
            if (type == FieldType::kFloat32) {
                std::memcpy(&v.floats[at], p + 4 * at, 4);
            } else if (type == FieldType::kFloat64) {
                double x;
                std::memcpy(&x, p + 8 * at, 8);
                if (std::isfinite(x) && std::fabs(x) > static_cast<double>(std::numeric_limits<float>::max())) {
                    return fail(err, Status::kBadArgument,
                                strf("field '%s': value %.17g does not fit a float32", d.name, x));
                }
                v.floats[at] = static_cast<float>(x);
            } else if (type == FieldType::kFloat16) {
                uint16_t h;
                std::memcpy(&h, p + 2 * at, 2);
                v.floats[at] = detail::half_to_float(h);
            } else {
                return type_error();
            }
        }
    } else {
        return fail(err, Status::kInternal, strf("attribute '%s' has an unknown type %d", d.name, static_cast<int>(d.type)));
    }
    std::string why;
    if (!detail::check_attr_value(d, v, &why)) return fail(err, Status::kBadArgument, std::move(why));
    (*values)[static_cast<size_t>(index)] = std::move(v);
    return detail::ok(err);
}

}  // namespace

Status attrs_set_field(const PluginDesc& desc, AttrValues* values, const char* name, FieldType type, const void* data,
                       int32_t length, Error* err) {
    return detail::guarded(err, "attrs_set_field", [&] { return set_field(desc, values, name, type, data, length, err); });
}

Status attrs_validate(const PluginDesc& desc, const AttrValues& values, Error* err) {
    return detail::guarded(err, "attrs_validate", [&]() -> Status {
        if (values.size() != static_cast<size_t>(desc.n_attrs)) {
            return fail(err, Status::kBadArgument,
                        strf("plugin '%s' declares %d attributes, the values hold %zu", desc.name, desc.n_attrs,
                             values.size()));
        }
        for (int32_t i = 0; i < desc.n_attrs; ++i) {
            std::string why;
            if (!detail::check_attr_value(desc.attrs[i], values[static_cast<size_t>(i)], &why)) {
                return fail(err, Status::kBadArgument, std::move(why));
            }
        }
        return detail::ok(err);
    });
}

}  // namespace trtplug
