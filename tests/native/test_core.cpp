// Unit tests of the trtplug core runtime on CPU: expressions, attributes, serialization,
// variants, shapes, workspace, argument packing, image choice, logging, the C API and the
// no-driver path of enqueue. Run: test_core [group...] (no argument: all groups).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "blob_util.h"
#include "core_internal.h"
#include "cuda_driver.h"
#include "fixture_plugins.h"
#include "launch_args.h"
#include "launch_plan.h"
#include "module_cache.h"
#include "test_util.h"
#include "trtplug_expr_symbolic.h"
#include "trtplug_launch_cache.h"
#include "trtplug_library.h"

using namespace trtplug;
using fixture::kNeeds;
using fixture::kRules;
using fixture::kScale;

namespace {

Shape shape(std::initializer_list<int64_t> dims) {
    Shape s;
    s.rank = static_cast<int32_t>(dims.size());
    int i = 0;
    for (int64_t d : dims) s.dims[i++] = d;
    return s;
}

AttrValues defaults(const PluginDesc& d) {
    AttrValues v;
    attrs_default(d, &v);
    return v;
}

struct Eval {
    std::vector<Shape> inputs{shape({3, 5}), shape({4})};
    AttrValues attrs = defaults(kScale);
    Error err;
    int64_t value = 0;
    Status operator()(std::vector<int64_t> code) {
        EvalEnv env{static_cast<int32_t>(inputs.size()), inputs.data(), &kScale, &attrs};
        err = Error{};
        return eval_expr(Expr{code.data(), static_cast<int32_t>(code.size())}, env, &value, &err);
    }
};

}  // namespace

TEST_GROUP(expressions) {
    Eval e;
    CHECK(e({kOpConst, 42}) == Status::kOk && e.value == 42);
    CHECK(e({kOpDim, 0, 1}) == Status::kOk && e.value == 5);
    CHECK(e({kOpDim, 0, -2}) == Status::kOk && e.value == 3);
    CHECK(e({kOpNumel, 0}) == Status::kOk && e.value == 15);
    CHECK(e({kOpRank, 1}) == Status::kOk && e.value == 1);
    CHECK(e({kOpAttr, 0}) == Status::kOk && e.value == 3);
    CHECK(e({kOpAttr, 4}) == Status::kOk && e.value == 1);  // bool attribute
    CHECK(e({kOpAttrItem, 2, 1}) == Status::kOk && e.value == 2);
    CHECK(e({kOpConst, 7, kOpConst, 5, kOpSub}) == Status::kOk && e.value == 2);
    CHECK(e({kOpConst, 7, kOpConst, 5, kOpMul}) == Status::kOk && e.value == 35);
    CHECK(e({kOpConst, -7, kOpConst, 2, kOpFloorDiv}) == Status::kOk && e.value == -4);
    CHECK(e({kOpConst, 7, kOpConst, -2, kOpFloorDiv}) == Status::kOk && e.value == -4);
    CHECK(e({kOpConst, 7, kOpConst, 2, kOpFloorDiv}) == Status::kOk && e.value == 3);
    CHECK(e({kOpConst, 7, kOpConst, 2, kOpCeilDiv}) == Status::kOk && e.value == 4);
    CHECK(e({kOpConst, -7, kOpConst, 2, kOpCeilDiv}) == Status::kOk && e.value == -3);
    CHECK(e({kOpConst, 8, kOpConst, 2, kOpCeilDiv}) == Status::kOk && e.value == 4);
    CHECK(e({kOpConst, 3, kOpConst, 9, kOpMin}) == Status::kOk && e.value == 3);
    CHECK(e({kOpConst, 3, kOpConst, 9, kOpMax}) == Status::kOk && e.value == 9);
    // modulo takes the sign of the divisor (Python's %)
    CHECK(e({kOpConst, 7, kOpConst, 3, kOpMod}) == Status::kOk && e.value == 1);
    CHECK(e({kOpConst, -7, kOpConst, 3, kOpMod}) == Status::kOk && e.value == 2);
    CHECK(e({kOpConst, 7, kOpConst, -3, kOpMod}) == Status::kOk && e.value == -2);
    CHECK(e({kOpConst, INT64_MIN, kOpConst, -1, kOpMod}) == Status::kOk && e.value == 0);
    CHECK_FAILS(e({kOpConst, 1, kOpConst, 0, kOpMod}), e.err, Status::kExprError, "modulo of 1 by zero");
    // comparisons and their combinations give 0 or 1
    CHECK(e({kOpDim, 0, 1, kOpConst, 5, kOpEq}) == Status::kOk && e.value == 1);
    CHECK(e({kOpDim, 0, 1, kOpConst, 5, kOpNe}) == Status::kOk && e.value == 0);
    CHECK(e({kOpConst, 4, kOpConst, 5, kOpLt}) == Status::kOk && e.value == 1);
    CHECK(e({kOpConst, 5, kOpConst, 5, kOpLe}) == Status::kOk && e.value == 1);
    CHECK(e({kOpConst, 5, kOpConst, 5, kOpGt}) == Status::kOk && e.value == 0);
    CHECK(e({kOpConst, 5, kOpConst, 6, kOpGe}) == Status::kOk && e.value == 0);
    CHECK(e({kOpConst, 1, kOpConst, 0, kOpAnd}) == Status::kOk && e.value == 0);
    CHECK(e({kOpConst, 1, kOpConst, 0, kOpOr}) == Status::kOk && e.value == 1);
    // cdiv(numel(x) + dim(w, 0), 4) = cdiv(19, 4) = 5
    CHECK(e({kOpNumel, 0, kOpDim, 1, 0, kOpAdd, kOpConst, 4, kOpCeilDiv}) == Status::kOk && e.value == 5);

    CHECK_FAILS(e({}), e.err, Status::kExprError, "empty expression");
    CHECK_FAILS(e({99, 1}), e.err, Status::kExprError, "unknown opcode 99");
    CHECK_FAILS(e({kOpDim, 0}), e.err, Status::kExprError, "missing its operand");
    CHECK_FAILS(e({kOpConst, 1, kOpAdd}), e.err, Status::kExprError, "needs 2 operands");
    CHECK_FAILS(e({kOpConst, 1, kOpConst, 2}), e.err, Status::kExprError, "leaves 2 values");
    std::vector<int64_t> deep;
    for (int i = 0; i <= kMaxExprStack; ++i) deep.insert(deep.end(), {kOpConst, i});
    CHECK_FAILS(e(deep), e.err, Status::kExprError, "stack overflow");
    CHECK_FAILS(e({kOpDim, 2, 0}), e.err, Status::kExprError, "input index 2 out of range");
    CHECK_FAILS(e({kOpNumel, -1}), e.err, Status::kExprError, "input index -1 out of range");
    CHECK_FAILS(e({kOpDim, 0, 2}), e.err, Status::kExprError, "axis 2 out of range");
    CHECK_FAILS(e({kOpDim, 0, -3}), e.err, Status::kExprError, "axis -3 out of range");
    CHECK_FAILS(e({kOpAttr, 6}), e.err, Status::kExprError, "attribute index 6 out of range");
    CHECK_FAILS(e({kOpAttr, 1}), e.err, Status::kExprError, "not an int or bool attribute");
    CHECK_FAILS(e({kOpAttrItem, 0, 0}), e.err, Status::kExprError, "not an int list");
    CHECK_FAILS(e({kOpAttrItem, 2, 2}), e.err, Status::kExprError, "item 2 out of range");
    CHECK_FAILS(e({kOpConst, 1, kOpConst, 0, kOpFloorDiv}), e.err, Status::kExprError, "by zero");
    CHECK_FAILS(e({kOpConst, 1, kOpConst, 0, kOpCeilDiv}), e.err, Status::kExprError, "by zero");
    CHECK_FAILS(e({kOpConst, INT64_MAX, kOpConst, 1, kOpAdd}), e.err, Status::kExprError, "overflow");
    CHECK_FAILS(e({kOpConst, INT64_MIN, kOpConst, 1, kOpSub}), e.err, Status::kExprError, "overflow");
    CHECK_FAILS(e({kOpConst, INT64_MAX / 2 + 1, kOpConst, 2, kOpMul}), e.err, Status::kExprError, "overflow");
    CHECK_FAILS(e({kOpConst, INT64_MIN, kOpConst, -1, kOpFloorDiv}), e.err, Status::kExprError, "overflow");
    CHECK_FAILS(e({kOpConst, INT64_MIN, kOpConst, -1, kOpCeilDiv}), e.err, Status::kExprError, "overflow");
    e.inputs[0] = shape({INT64_MAX, 2});
    CHECK_FAILS(e({kOpNumel, 0}), e.err, Status::kExprError, "numel of input 0");
    // The failing word is named.
    e.inputs[0] = shape({3, 5});
    CHECK_FAILS(e({kOpConst, 1, kOpConst, 0, kOpFloorDiv}), e.err, Status::kExprError, "expression word 4");
}

namespace {

// Builds the text of an expression: what the TensorRT adapter does with IDimensionExpr.
struct TextBuilder {
    using Value = std::string;
    int32_t n_inputs() const { return 2; }
    int32_t rank(int32_t input) const { return input == 0 ? 2 : 1; }
    bool constant(int64_t v, Value* out, std::string*) { *out = std::to_string(v); return true; }
    bool dim(int32_t i, int32_t a, Value* out, std::string*) { *out = "d" + std::to_string(i) + "_" + std::to_string(a); return true; }
    bool numel(int32_t i, Value* out, std::string*) { *out = "numel" + std::to_string(i); return true; }
    bool binary(ExprOp op, const Value& a, const Value& b, Value* out, std::string* error) {
        static const char* names[] = {"add", "sub", "mul", "floordiv", "cdiv", "min", "max"};
        if (op == kOpMul && b == "0") {  // a builder may refuse an operation
            *error = "refused";
            return false;
        }
        *out = std::string(names[op - kOpAdd]) + "(" + a + "," + b + ")";
        return true;
    }
};

}  // namespace

TEST_GROUP(symbolic) {
    TextBuilder b;
    AttrValues attrs = defaults(kScale);
    std::string text, error;
    const Expr& stats = kScale.outputs[1].shape[0];
    CHECK(eval_symbolic(stats, b, &kScale, &attrs, &text, &error));
    CHECK(text == "max(min(cdiv(numel0,3),1024),1)");
    const int64_t code[] = {kOpDim, 0, -1, kOpRank, 1, kOpAdd};
    CHECK(eval_symbolic(Expr{code, 6}, b, &kScale, &attrs, &text, &error));
    CHECK(text == "add(d0_1,1)");
    const int64_t refused[] = {kOpConst, 4, kOpConst, 0, kOpMul};
    CHECK(!eval_symbolic(Expr{refused, 5}, b, &kScale, &attrs, &text, &error));
    CHECK(error == "expression word 4: refused");
    const int64_t bad_axis[] = {kOpDim, 1, 1};
    CHECK(!eval_symbolic(Expr{bad_axis, 3}, b, &kScale, &attrs, &text, &error));
    CHECK(error.find("axis 1 out of range for an input of rank 1") != std::string::npos);
}

TEST_GROUP(attributes) {
    AttrValues v = defaults(kScale);
    Error err;
    CHECK(attrs_validate(kScale, v, &err) == Status::kOk);
    CHECK(v[0].ints == std::vector<int64_t>{3});
    CHECK(v[1].floats == std::vector<float>{0.5f});
    CHECK((v[2].ints == std::vector<int64_t>{1, 2}));
    CHECK(v[3].text == "fast");
    CHECK(v[4].ints == std::vector<int64_t>{1});
    CHECK(v[5].floats.empty());

    // ints: kINT32, and kINT64/kINT16/kINT8 when the value fits 32 bits
    const int32_t i32 = 7;
    const int64_t i64 = 9, big = int64_t(1) << 40;
    const int16_t i16 = 11;
    const int8_t i8 = 13;
    CHECK(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, &i32, 1, &err) == Status::kOk && v[0].ints[0] == 7);
    CHECK(attrs_set_field(kScale, &v, "alpha", FieldType::kInt64, &i64, 1, &err) == Status::kOk && v[0].ints[0] == 9);
    CHECK(attrs_set_field(kScale, &v, "alpha", FieldType::kInt16, &i16, 1, &err) == Status::kOk && v[0].ints[0] == 11);
    CHECK(attrs_set_field(kScale, &v, "alpha", FieldType::kInt8, &i8, 1, &err) == Status::kOk && v[0].ints[0] == 13);
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kInt64, &big, 1, &err), err, Status::kBadArgument,
                "does not fit a 32-bit int");
    const int32_t too_big = 101, too_small = 0;
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, &too_big, 1, &err), err, Status::kBadArgument,
                "attribute 'alpha': int value 101 is above the maximum 100");
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, &too_small, 1, &err), err, Status::kBadArgument,
                "below the minimum 1");
    CHECK(v[0].ints[0] == 13);  // a rejected field leaves the value alone
    const int32_t two[] = {5, 6};
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, two, 2, &err), err, Status::kBadArgument,
                "holds exactly 1 value, got 2");
    const float f = 1.0f;
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kFloat32, &f, 1, &err), err, Status::kBadArgument,
                "expects a kINT32 (or kINT64, kINT16, kINT8) field, got kFLOAT32");

    // floats: kFLOAT32, kFLOAT64 and kFLOAT16 converted
    const float f32 = -2.25f;
    const double f64 = 3.5, f64_huge = 1e300;
    const uint16_t f16 = 0x3E00;  // 1.5
    CHECK(attrs_set_field(kScale, &v, "beta", FieldType::kFloat32, &f32, 1, &err) == Status::kOk && v[1].floats[0] == -2.25f);
    CHECK(attrs_set_field(kScale, &v, "beta", FieldType::kFloat64, &f64, 1, &err) == Status::kOk && v[1].floats[0] == 3.5f);
    CHECK(attrs_set_field(kScale, &v, "beta", FieldType::kFloat16, &f16, 1, &err) == Status::kOk && v[1].floats[0] == 1.5f);
    CHECK_FAILS(attrs_set_field(kScale, &v, "beta", FieldType::kFloat64, &f64_huge, 1, &err), err, Status::kBadArgument,
                "does not fit a float32");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    CHECK_FAILS(attrs_set_field(kScale, &v, "beta", FieldType::kFloat32, &nan, 1, &err), err, Status::kBadArgument,
                "below the minimum");
    CHECK_FAILS(attrs_set_field(kScale, &v, "beta", FieldType::kInt32, &i32, 1, &err), err, Status::kBadArgument,
                "expects a kFLOAT32");

    // bools: kINT32 or kINT8 holding 0 or 1
    const int32_t zero = 0, two32 = 2;
    const int8_t one8 = 1;
    CHECK(attrs_set_field(kScale, &v, "flag", FieldType::kInt32, &zero, 1, &err) == Status::kOk && v[4].ints[0] == 0);
    CHECK(attrs_set_field(kScale, &v, "flag", FieldType::kInt8, &one8, 1, &err) == Status::kOk && v[4].ints[0] == 1);
    CHECK_FAILS(attrs_set_field(kScale, &v, "flag", FieldType::kInt32, &two32, 1, &err), err, Status::kBadArgument,
                "bool value 2 is not 0 or 1");

    // strings: kCHAR, with or without the terminating NUL
    CHECK(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "slow", 4, &err) == Status::kOk && v[3].text == "slow");
    CHECK(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "exact", 6, &err) == Status::kOk && v[3].text == "exact");
    CHECK(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "", 0, &err) == Status::kOk && v[3].text.empty());
    CHECK(attrs_set_field(kScale, &v, "mode", FieldType::kChar, nullptr, 0, &err) == Status::kOk && v[3].text.empty());
    CHECK_FAILS(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "a\0b", 3, &err), err, Status::kBadArgument,
                "NUL byte");
    CHECK_FAILS(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "0123456789abcdefg", 17, &err), err,
                Status::kBadArgument, "17 bytes, at most 16 allowed");
    CHECK(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "0123456789abcdef", 17, &err) == Status::kOk);

    // lists: counts within min/max, each element in range
    const int32_t dims4[] = {1, 2, 3, 4}, dims5[] = {1, 2, 3, 4, 5}, neg[] = {1, -1};
    CHECK(attrs_set_field(kScale, &v, "dims", FieldType::kInt32, dims4, 4, &err) == Status::kOk && v[2].ints.size() == 4);
    CHECK_FAILS(attrs_set_field(kScale, &v, "dims", FieldType::kInt32, dims5, 5, &err), err, Status::kBadArgument,
                "5 values, at most 4 allowed");
    CHECK_FAILS(attrs_set_field(kScale, &v, "dims", FieldType::kInt32, dims5, 0, &err), err, Status::kBadArgument,
                "0 values, at least 1 expected");
    CHECK_FAILS(attrs_set_field(kScale, &v, "dims", FieldType::kInt32, neg, 2, &err), err, Status::kBadArgument,
                "value -1 is below the minimum 0");
    const float scales[] = {0.5f, 4.0f}, bad_scales[] = {0.5f, 4.5f};
    CHECK(attrs_set_field(kScale, &v, "scales", FieldType::kFloat32, scales, 2, &err) == Status::kOk);
    CHECK_FAILS(attrs_set_field(kScale, &v, "scales", FieldType::kFloat32, bad_scales, 2, &err), err,
                Status::kBadArgument, "4.5 is above the maximum 4");

    // names, lengths, pointers
    CHECK_FAILS(attrs_set_field(kScale, &v, "gamma", FieldType::kInt32, &i32, 1, &err), err, Status::kBadArgument,
                "unknown field 'gamma'; plugin 'TestScale' has attributes: alpha, beta, dims, mode, flag, scales");
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, &i32, -1, &err), err, Status::kBadArgument,
                "negative length");
    CHECK_FAILS(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, nullptr, 1, &err), err, Status::kBadArgument,
                "null data");
    AttrValues empty;
    CHECK_FAILS(attrs_set_field(kScale, &empty, "alpha", FieldType::kInt32, &i32, 1, &err), err, Status::kInternal,
                "call attrs_default first");
    CHECK(attrs_validate(kScale, v, &err) == Status::kOk);

    // required attributes (no default) are reported by attrs_validate
    AttrValues n = defaults(kNeeds);
    CHECK_FAILS(attrs_validate(kNeeds, n, &err), err, Status::kBadArgument,
                "attribute 'gamma' has no value (it has no default");
    const float g = 0.25f;
    CHECK(attrs_set_field(kNeeds, &n, "gamma", FieldType::kFloat32, &g, 1, &err) == Status::kOk);
    CHECK_FAILS(attrs_validate(kNeeds, n, &err), err, Status::kBadArgument, "attribute 'label': 0 bytes, at least 1");
    CHECK(attrs_set_field(kNeeds, &n, "label", FieldType::kChar, "cat", 4, &err) == Status::kOk);
    CHECK(attrs_validate(kNeeds, n, &err) == Status::kOk);
    n.pop_back();
    CHECK_FAILS(attrs_validate(kNeeds, n, &err), err, Status::kBadArgument, "declares 2 attributes, the values hold 1");
}

TEST_GROUP(half_float) {
    using detail::float_to_half;
    using detail::half_to_float;
    CHECK_EQ(float_to_half(1.0f), 0x3C00);
    CHECK_EQ(float_to_half(-2.0f), 0xC000);
    CHECK_EQ(float_to_half(65504.0f), 0x7BFF);
    CHECK_EQ(float_to_half(65520.0f), 0x7C00);  // rounds to infinity
    CHECK_EQ(float_to_half(1e-8f), 0x0000);
    CHECK_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
    CHECK_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // ties to even
    CHECK_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);
    CHECK_EQ(float_to_half(0.1f), 0x2E66);
    CHECK_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // halfway, even stays
    CHECK_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
    CHECK(std::isnan(half_to_float(float_to_half(std::nanf("")))));
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = half_to_float(static_cast<uint16_t>(h));
        if (std::isnan(f)) continue;
        if (float_to_half(f) != h) {
            CHECK_EQ(float_to_half(f), h);
            break;
        }
    }
}

TEST_GROUP(serialization) {
    AttrValues v = defaults(kScale);
    blob::Bytes b = blob::serialize(kScale, v);
    CHECK(!b.empty() && b.size() == serialized_size(kScale, v));
    // header fields
    uint32_t magic, total, crc;
    uint16_t version, flags;
    std::memcpy(&magic, &b[0], 4);
    std::memcpy(&version, &b[4], 2);
    std::memcpy(&flags, &b[6], 2);
    std::memcpy(&total, &b[8], 4);
    std::memcpy(&crc, &b[12], 4);
    CHECK(magic == kSerialMagic && std::memcmp(b.data(), "TPLG", 4) == 0);
    CHECK(version == 1 && flags == 0 && total == b.size());
    CHECK(crc == detail::crc32(b.data() + 16, b.size() - 16));
    CHECK(detail::crc32("123456789", 9) == 0xCBF43926u);  // the IEEE CRC-32 check value

    Error err;
    AttrValues back;
    CHECK(deserialize(kScale, b.data(), b.size(), &back, &err) == Status::kOk);
    CHECK(blob::serialize(kScale, back) == b);

    // a modified instance round-trips
    const int32_t alpha = 42, dims[] = {7, 0, 9};
    const float scales[] = {0.25f, 3.0f, -0.0f};
    CHECK(attrs_set_field(kScale, &v, "alpha", FieldType::kInt32, &alpha, 1, &err) == Status::kOk);
    CHECK(attrs_set_field(kScale, &v, "dims", FieldType::kInt32, dims, 3, &err) == Status::kOk);
    CHECK(attrs_set_field(kScale, &v, "scales", FieldType::kFloat32, scales, 3, &err) == Status::kOk);
    CHECK(attrs_set_field(kScale, &v, "mode", FieldType::kChar, "", 0, &err) == Status::kOk);
    b = blob::serialize(kScale, v);
    CHECK(deserialize(kScale, b.data(), b.size(), &back, &err) == Status::kOk);
    CHECK(back[0].ints[0] == 42 && back[2].ints == std::vector<int64_t>({7, 0, 9}) && back[3].text.empty());
    CHECK(std::signbit(back[5].floats[2]));
    CHECK(blob::serialize(kScale, back) == b);

    // serialize checks capacity and values
    std::vector<unsigned char> small(b.size() - 1);
    CHECK_FAILS(serialize(kScale, v, small.data(), small.size(), &err), err, Status::kBadArgument, "needs");
    AttrValues bad = v;
    bad[0].ints[0] = 1000;
    CHECK_FAILS(serialize(kScale, bad, small.data(), small.size(), &err), err, Status::kBadArgument,
                "above the maximum 100");

    // rejections; values stay untouched on failure
    const AttrValues sentinel = defaults(kNeeds);
    auto rejects = [&](const blob::Bytes& data, const char* fragment) {
        AttrValues out = sentinel;
        Error e;
        const Status s = deserialize(kScale, data.data(), data.size(), &out, &e);
        if (s != Status::kBadSerialization || e.message.find(fragment) == std::string::npos || out.size() != 2) {
            std::fprintf(stderr, "expected rejection containing \"%s\", got %d: \"%s\"\n", fragment,
                         static_cast<int>(s), e.message.c_str());
            ++testing::failures();
        }
    };
    const blob::Bytes good = blob::serialize(kScale, defaults(kScale));
    rejects(blob::Bytes(good.begin(), good.begin() + 10), "10 bytes, shorter than the 16-byte header");
    rejects(blob::Bytes(), "0 bytes");
    blob::Bytes x = good;
    x[0] = 'X';
    rejects(x, "not the trtplug magic");
    x = good;
    blob::put_u16(x, 4, 2);
    rejects(x, "format version 2; this library reads format version 1");
    x = good;
    blob::put_u16(x, 6, 1);
    rejects(x, "unknown flags 0x0001");
    x = good;
    x.push_back(0);
    rejects(x, "header says");
    x = good;
    x[good.size() - 1] ^= 1;
    rejects(x, "corrupted: CRC-32");
    for (size_t cut = 16; cut < good.size(); cut += 3) {
        x.assign(good.begin(), good.begin() + static_cast<long>(cut));
        blob::fix_header(x);
        rejects(x, "serialized");
    }
    x = good;
    x.push_back(0);
    blob::fix_header(x);
    rejects(x, "1 unexpected bytes after the last attribute");

    // another plugin's blob names both plugins
    AttrValues needs = defaults(kNeeds);
    const float g = 0.5f;
    attrs_set_field(kNeeds, &needs, "gamma", FieldType::kFloat32, &g, 1, &err);
    attrs_set_field(kNeeds, &needs, "label", FieldType::kChar, "dog", 3, &err);
    rejects(blob::serialize(kNeeds, needs), "is for plugin 'TestNeeds' version '2', not 'TestScale' version '1'");

    // hand-built bodies
    auto body = [](const char* plugin, const char* version) {
        blob::Builder bb;
        bb.header().text(plugin).text(version);
        return bb;
    };
    auto scale_attrs = [](blob::Builder& bb, int skip, const char* extra) {
        const char* names[] = {"alpha", "beta", "dims", "mode", "flag", "scales"};
        for (int i = 0; i < 6; ++i) {
            if (i == skip) continue;
            bb.text(names[i]);
            switch (i) {
                case 0: bb.u8(0).u32(1).u64(3); break;
                case 1: bb.u8(1).u32(1).f32(0.5f); break;
                case 2: bb.u8(4).u32(1).u64(1); break;
                case 3: bb.u8(3).u32(2).raw("ok"); break;
                case 4: bb.u8(2).u32(1).u64(1); break;
                case 5: bb.u8(5).u32(0); break;
            }
            if (extra && i == 0) bb.text(extra).u8(0).u32(1).u64(3);
        }
    };
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(6);
        scale_attrs(bb, -1, nullptr);
        AttrValues out;
        blob::Bytes ok = bb.done();
        CHECK(deserialize(kScale, ok.data(), ok.size(), &out, &err) == Status::kOk && out[3].text == "ok");
    }
    {
        blob::Builder bb = body("TestScale", "2");
        bb.u16(6);
        scale_attrs(bb, -1, nullptr);
        rejects(bb.done(), "version '2', not 'TestScale' version '1'");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(7);
        scale_attrs(bb, -1, "zeta");
        rejects(bb.done(), "unknown attribute 'zeta'");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(7);
        scale_attrs(bb, -1, "alpha");
        rejects(bb.done(), "attribute 'alpha' twice");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(6);
        scale_attrs(bb, -1, "alpha");  // count says 6, 7 present: the 7th reads as beta's slot
        rejects(bb.done(), "attribute 'alpha' twice");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(5);
        scale_attrs(bb, 1, nullptr);
        rejects(bb.done(), "lacks attribute 'beta' (found 'dims' in its place)");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(5);
        scale_attrs(bb, 5, nullptr);
        rejects(bb.done(), "lacks attribute 'scales' (5 of 6 attributes present)");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(1).text("alpha").u8(1).u32(1).f32(3.0f);
        rejects(bb.done(), "attribute 'alpha' is stored as float (1); the plugin declares it int");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(1).text("alpha").u8(9).u32(1).u64(3);
        rejects(bb.done(), "stored as unknown type (9)");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(1).text("alpha").u8(0).u32(0x40000000u).u64(3);
        rejects(bb.done(), "claims 1073741824 elements");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(1).text("alpha").u8(0).u32(1).u64(1000);
        rejects(bb.done(), "serialized attribute 'alpha': int value 1000 is above the maximum 100");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(1).text("alpha").u8(0).u32(2).u64(3).u64(3);
        rejects(bb.done(), "holds exactly 1 value, got 2");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(1).text("alpha").u8(0).u32(1).u64(uint64_t(1) << 33);
        rejects(bb.done(), "does not fit a 32-bit int");
    }
    {
        blob::Builder bb = body("TestScale", "1");
        bb.u16(6);
        scale_attrs(bb, 3, nullptr);  // no mode: insert one with a NUL byte in its place
        blob::Bytes raw = bb.b;
        (void)raw;
        blob::Builder cc = body("TestScale", "1");
        cc.u16(4).text("alpha").u8(0).u32(1).u64(3).text("beta").u8(1).u32(1).f32(0.5f);
        cc.text("dims").u8(4).u32(1).u64(1).text("mode").u8(3).u32(3).raw(std::string("a\0b", 3));
        rejects(cc.done(), "string holds a NUL byte");
    }
    {
        blob::Builder bb = body("TestSc\x01le", "1");
        bb.u16(0);
        rejects(bb.done(), "plugin 'TestSc\\x01le'");  // binary names are escaped in messages
    }
    CHECK_FAILS(deserialize(kScale, good.data(), good.size(), nullptr, &err), err, Status::kBadArgument, "null values");
    CHECK_FAILS(deserialize(kScale, nullptr, 4, &back, &err), err, Status::kBadArgument, "null data");
}

TEST_GROUP(variants) {
    const DType f32[] = {DType::kFloat32, DType::kFloat32, DType::kFloat32, DType::kFloat32};
    const DType f16[] = {DType::kFloat16, DType::kFloat16, DType::kFloat16, DType::kFloat32};
    const DType mixed[] = {DType::kFloat16, DType::kFloat32, DType::kFloat16, DType::kFloat32};
    CHECK_EQ(find_variant(kScale, f32), 0);
    CHECK_EQ(find_variant(kScale, f16), 1);
    CHECK_EQ(find_variant(kScale, mixed), -1);
    CHECK_EQ(find_variant(kScale, nullptr), -1);
    CHECK(variant_prefix_supported(kScale, mixed, 0));
    CHECK(!variant_prefix_supported(kScale, mixed, 1));
    CHECK(variant_prefix_supported(kScale, f16, 3));
    CHECK(!variant_prefix_supported(kScale, f16, 4));
    CHECK(!variant_prefix_supported(kScale, f16, -1));
}

// kScale with two tactics: its own launches, then the same with 128 threads per block.
struct TacticScale {
    TacticScale() {
        for (int32_t v = 0; v < 2; ++v) {
            const VariantDesc& var = kScale.variants[v];
            narrow[v].assign(var.launches, var.launches + var.n_launches);
            for (LaunchDesc& l : narrow[v]) l.block[0] = Expr{k128, 2};
            tactics[v][0] = {var.launches, var.n_launches};
            tactics[v][1] = {narrow[v].data(), var.n_launches};
            variants[v] = var;
            variants[v].tactics = tactics[v];
        }
        desc = kScale;
        desc.variants = variants;
        desc.tactic_names = names;
        desc.n_tactics = 2;
    }
    const int64_t k128[2] = {kOpConst, 128};
    const char* const names[2] = {"block256", "block128"};
    std::vector<LaunchDesc> narrow[2];
    TacticLaunchesDesc tactics[2][2];
    VariantDesc variants[2];
    PluginDesc desc;
};

TEST_GROUP(tactics) {
    Error err;
    const LaunchDesc* launches = nullptr;
    int32_t n = 0;
    // Without declared tactics: one implicit tactic, the variant's launches.
    CHECK_EQ(tactic_count(kScale), 1);
    CHECK(std::string(tactic_name(kScale, 0)) == "default" && tactic_name(kScale, 1) == nullptr);
    CHECK(tactic_launches(kScale, 1, 0, &launches, &n, &err) == Status::kOk && launches == kScale.variants[1].launches);
    CHECK_FAILS(tactic_launches(kScale, 0, 1, &launches, &n, &err), err, Status::kBadArgument,
                "tactic 1 out of range: plugin 'TestScale' has 1 tactic(s)");
    CHECK_FAILS(tactic_launches(kScale, 2, 0, &launches, &n, &err), err, Status::kBadArgument, "variant 2 out of range");

    const TacticScale t;
    CHECK_EQ(tactic_count(t.desc), 2);
    CHECK(std::string(tactic_name(t.desc, 1)) == "block128" && tactic_name(t.desc, -1) == nullptr);
    CHECK(tactic_launches(t.desc, 0, 1, &launches, &n, &err) == Status::kOk && launches == t.narrow[0].data() && n == 2);
    CHECK_FAILS(tactic_launches(t.desc, 0, 2, &launches, &n, &err), err, Status::kBadArgument, "has 2 tactic(s)");

    // A plan is built from, and cached for, the chosen tactic's launches.
    AttrValues attrs = defaults(kScale);
    const Shape in[] = {shape({3, 5}), shape({4})};
    detail::LaunchPlan wide, narrow;
    CHECK(detail::build_plan(t.desc, attrs, 0, 0, in, &wide, &err) == Status::kOk);
    CHECK(detail::build_plan(t.desc, attrs, 0, 1, in, &narrow, &err) == Status::kOk);
    CHECK(wide.launches[0].dims.block[0] == 256 && narrow.launches[0].dims.block[0] == 128 && narrow.tactic == 1);
    CHECK(narrow.launches[0].launch == &t.narrow[0][0]);
    LaunchCache cache;
    LaunchPlanRef a, b;
    CHECK(cache.plan(t.desc, attrs, 0, 1, in, &a, &err) == Status::kOk && a && a->tactic == 1);
    CHECK(cache.plan(t.desc, attrs, 0, 0, in, &b, &err) == Status::kOk && b && b->tactic == 0 && a != b);
    CHECK(cache.find(t.desc, 0, 1, in, 2) == a && cache.find(t.desc, 0, in, 2) == b);
    CHECK(cache.stats().misses == 2 && cache.stats().entries == 2);
    CHECK_FAILS(cache.plan(t.desc, attrs, 0, 5, in, &a, &err), err, Status::kBadArgument, "tactic 5 out of range");

    // Tables that declare tactics but give a variant none are refused, not read past.
    TacticScale broken;
    broken.variants[1].tactics = nullptr;
    CHECK_FAILS(tactic_launches(broken.desc, 1, 1, &launches, &n, &err), err, Status::kInternal,
                "declares 2 tactics, but variant 1 has no launches for them");
}

TEST_GROUP(shapes) {
    AttrValues v = defaults(kScale);
    Error err;
    Shape in[] = {shape({3, 5}), shape({4})};
    Shape out;
    CHECK(output_shape(kScale, v, in, 0, &out, &err) == Status::kOk && out.rank == 2 && out.dims[0] == 3 && out.dims[1] == 5);
    CHECK(output_shape(kScale, v, in, 1, &out, &err) == Status::kOk && out.rank == 1 && out.dims[0] == 5);  // cdiv(15, 3)
    in[0] = shape({100, 100});
    CHECK(output_shape(kScale, v, in, 1, &out, &err) == Status::kOk && out.dims[0] == 1024);  // min(3334, 1024)
    in[0] = shape({0, 100});
    CHECK(output_shape(kScale, v, in, 1, &out, &err) == Status::kOk && out.dims[0] == 1);  // max(0, 1)
    CHECK_FAILS(output_shape(kScale, v, in, 2, &out, &err), err, Status::kBadArgument, "output index 2 out of range");
    in[0] = shape({3, 5, 1});
    CHECK_FAILS(output_shape(kScale, v, in, 0, &out, &err), err, Status::kBadArgument,
                "input 'x' has rank 3, plugin 'TestScale' expects rank 2");
    in[0] = shape({3, -5});
    CHECK_FAILS(check_inputs(kScale, in, 2, &err), err, Status::kBadArgument, "input 'x' dim 1 is -5");
    in[0] = shape({3, 5});
    CHECK_FAILS(check_inputs(kScale, in, 1, &err), err, Status::kBadArgument, "takes 2 inputs, got 1");
    in[0].rank = 9;
    CHECK_FAILS(check_inputs(kScale, in, 2, &err), err, Status::kBadArgument, "rank 9");
}

TEST_GROUP(workspace) {
    AttrValues v = defaults(kScale);
    Error err;
    Shape in[] = {shape({3, 5}), shape({4})};
    size_t bytes = 0;
    // ws0: 15 floats = 60 bytes at 0; ws1: (3 + 2*3) int32 = 36 bytes at 256
    CHECK(workspace_size(kScale, v, 0, in, &bytes, &err) == Status::kOk && bytes == 256 + 36);
    detail::WorkspaceLayout layout;
    CHECK(detail::workspace_layout(kScale, v, 1, in, &layout, &err) == Status::kOk);
    CHECK(layout.offsets == std::vector<size_t>({0, 256}) && layout.sizes == std::vector<size_t>({30, 36}));
    in[0] = shape({100, 7});  // ws0: 2800 bytes -> ws1 at 2816
    CHECK(detail::workspace_layout(kScale, v, 0, in, &layout, &err) == Status::kOk);
    CHECK(layout.offsets[1] == 2816 && layout.total == 2816 + (100 + 6) * 4);
    in[0] = shape({0, 7});
    CHECK(workspace_size(kScale, v, 0, in, &bytes, &err) == Status::kOk && bytes == 6 * 4);  // an empty buffer takes no space
    CHECK_FAILS(workspace_size(kScale, v, 2, in, &bytes, &err), err, Status::kBadArgument, "variant 2 out of range");
    in[0] = shape({INT64_MAX / 2, 1});
    CHECK_FAILS(workspace_size(kScale, v, 0, in, &bytes, &err), err, Status::kExprError, "workspace buffer 0");
}

namespace {

struct PackCase {
    AttrValues attrs = defaults(kScale);
    Shape in[2] = {shape({3, 5}), shape({4})};
    Shape out[2] = {shape({3, 5}), shape({5})};
    float x[15], w[4], y[15], stats[5];
    alignas(256) unsigned char ws[1024];
    const void* inputs[2] = {x, w};
    void* outputs[2] = {y, stats};
    detail::WorkspaceLayout layout;
    detail::PackedArgs packed;
    Error err;

    TensorArgs tensors() { return TensorArgs{in, out, inputs, outputs, ws, sizeof ws}; }
    Status pack(const LaunchDesc& l, int32_t variant = 0) {
        TensorArgs t = tensors();
        EvalEnv env{2, in, &kScale, &attrs};
        Status s = detail::workspace_layout(kScale, attrs, variant, in, &layout, &err);
        if (s != Status::kOk) return s;
        return detail::pack_args(kScale, variant, l, env, t, layout, &packed, &err);
    }
};

uint64_t bits(float f) { uint32_t b; std::memcpy(&b, &f, 4); return b; }
uint64_t bits(double f) { uint64_t b; std::memcpy(&b, &f, 8); return b; }
uint64_t ptr(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

}  // namespace

TEST_GROUP(packing) {
    PackCase c;
    const LaunchDesc& scale = kScale.variants[0].launches[0];
    CHECK(c.pack(scale) == Status::kOk);
    const std::vector<uint64_t> expected = {
        0, 0, 15, 4, ptr(c.x), 15, 4,                 // x viewed flat
        0, 0, 4, 4, ptr(c.w), 4, 4,                   // w
        0, 0, 15, 4, ptr(c.y), 3, 5, 20, 4,           // y as 2-D: shape (3, 5), strides (20, 4)
        0, 0, 15, 4, ptr(c.ws), 15, 4,                // workspace buffer 0 at offset 0
        bits(0.5f),                                   // beta as .f32
        15,                                           // numel(x) as .u64
        1,                                            // flag as .u8
        bits(2.0),                                    // const 2.0 as .f64
        3,                                            // alpha as .u32
        0xFD,                                         // -3 as an int8 bit pattern
        0x3E00,                                       // 1.5 as .f16 bits
    };
    CHECK(c.packed.slots == expected);
    CHECK(c.packed.pointers.size() == expected.size());
    for (size_t i = 0; i < c.packed.pointers.size(); ++i) CHECK(c.packed.pointers[i] == &c.packed.slots[i]);

    const LaunchDesc& reduce = kScale.variants[0].launches[1];
    CHECK(c.pack(reduce) == Status::kOk);
    CHECK(c.packed.slots.size() == 23);
    CHECK(c.packed.slots[4 + 9 + 7] == ptr(c.ws + 256));  // workspace buffer 1 at its aligned offset
    CHECK(c.packed.slots[9 + 2] == 5);                  // stats nitems

    // a view larger than its buffer is rejected
    LaunchDesc l = scale;
    ArgDesc args[11];
    std::copy(scale.args, scale.args + 11, args);
    l.args = args;
    args[1].view_shape = kScale.outputs[0].shape;  // w viewed as (3, 5)
    args[1].view_rank = 2;
    l.n_params = scale.n_params + 2;
    CHECK_FAILS(c.pack(l), c.err, Status::kBadArgument,
                "argument 1: a view of 15 elements (4 bytes each) does not fit input 'w' of 16 bytes");
    // the param count is cross-checked
    std::copy(scale.args, scale.args + 11, args);
    l.n_params = scale.n_params - 1;
    CHECK_FAILS(c.pack(l), c.err, Status::kInternal, "pack into 37 parameters, the kernel declares 36");
    // a null pointer for a non-empty view
    l.n_params = scale.n_params;
    c.inputs[1] = nullptr;
    CHECK_FAILS(c.pack(l), c.err, Status::kBadArgument, "input 'w' has a null data pointer");
    c.inputs[1] = c.w;
    // scalars that do not fit their PTX type
    args[8].kind = ArgKind::kScalarConst;
    args[8].const_value = 3e9;
    CHECK_FAILS(c.pack(l), c.err, Status::kExprError, "value 3000000000 does not fit int32");
    args[8].const_value = 1.5;
    CHECK_FAILS(c.pack(l), c.err, Status::kExprError, "value 1.5 cannot be passed as int32");
    args[9].const_value = 200;
    args[8].const_value = 1;
    CHECK_FAILS(c.pack(l), c.err, Status::kExprError, "value 200 does not fit int8");

    uint64_t slot = 0;
    std::string why;
    CHECK(detail::scalar_from_int(ScalarType::kUInt8, 255, &slot, &why) == Status::kOk && slot == 255);
    CHECK(detail::scalar_from_int(ScalarType::kUInt8, 256, &slot, &why) == Status::kExprError);
    CHECK(detail::scalar_from_int(ScalarType::kInt32, -1, &slot, &why) == Status::kOk && slot == 0xFFFFFFFFu);
    CHECK(detail::scalar_from_int(ScalarType::kInt64, -1, &slot, &why) == Status::kOk && slot == ~uint64_t(0));
    CHECK(detail::scalar_from_int(ScalarType::kBool, 5, &slot, &why) == Status::kOk && slot == 1);
    CHECK(detail::scalar_from_int(ScalarType::kFloat16, 2, &slot, &why) == Status::kOk && slot == 0x4000);
    CHECK(detail::scalar_from_double(ScalarType::kFloat32, 0.1, &slot, &why) == Status::kOk && slot == bits(0.1f));
    CHECK(detail::scalar_from_double(ScalarType::kInt64, 1e19, &slot, &why) == Status::kExprError);
    // floats beyond the target's range are refused (the conversion would be undefined or infinity)
    CHECK(detail::scalar_from_double(ScalarType::kFloat32, 1e39, &slot, &why) == Status::kExprError);
    CHECK(why.find("is outside the range of float32 (largest finite value 3.40282e+38)") != std::string::npos);
    CHECK(detail::scalar_from_double(ScalarType::kFloat32, -3.4028234663852886e38, &slot, &why) == Status::kOk &&
          slot == bits(-std::numeric_limits<float>::max()));
    CHECK(detail::scalar_from_double(ScalarType::kFloat32, std::numeric_limits<double>::infinity(), &slot, &why) ==
              Status::kOk && slot == bits(std::numeric_limits<float>::infinity()));
    CHECK(detail::scalar_from_double(ScalarType::kFloat16, 65504.0, &slot, &why) == Status::kOk && slot == 0x7BFF);
    why.clear();
    CHECK(detail::scalar_from_double(ScalarType::kFloat16, -70000.0, &slot, &why) == Status::kExprError);
    CHECK(why.find("value -70000 is outside the range of float16 (largest finite value 65504)") != std::string::npos);
    CHECK(detail::scalar_from_double(ScalarType::kFloat16, 1e300, &slot, &why) == Status::kExprError);
    CHECK(detail::scalar_from_int(ScalarType::kFloat16, 65505, &slot, &why) == Status::kExprError);
    CHECK(why == "value 65505 does not fit float16");
    CHECK(detail::scalar_from_int(ScalarType::kFloat16, -65504, &slot, &why) == Status::kOk && slot == 0xFBFF);
    args[9].const_value = -3;
    args[10].const_value = 1e6;  // 1e6 as .f16 through a launch
    CHECK_FAILS(c.pack(l), c.err, Status::kExprError,
                "launch 'scale_kernels' argument 10: value 1000000 is outside the range of float16");
    args[10].const_value = 1.5;

    // launch dimensions
    detail::LaunchDims dims;
    EvalEnv env{2, c.in, &kScale, &c.attrs};
    CHECK(detail::launch_dims(scale, env, &dims, &c.err) == Status::kOk);
    CHECK(dims.grid[0] == 1 && dims.block[0] == 256 && dims.shared_bytes == 0 && !dims.empty);
    CHECK(detail::launch_dims(reduce, env, &dims, &c.err) == Status::kOk && dims.shared_bytes == 65536);
    Shape empty_in[] = {shape({0, 5}), shape({4})};
    EvalEnv empty_env{2, empty_in, &kScale, &c.attrs};
    CHECK(detail::launch_dims(scale, empty_env, &dims, &c.err) == Status::kOk && dims.empty);
    const int64_t zero[] = {kOpConst, 0};
    LaunchDesc bad_block = scale;
    bad_block.block[0] = Expr{zero, 2};
    CHECK_FAILS(detail::launch_dims(bad_block, env, &dims, &c.err), c.err, Status::kExprError, "block.x is 0");
    // CUDA's limits: 1024 threads per block in all, block.z <= 64, grid.y/z <= 65535; messages
    // name the kernel (the module), not the mangled entry
    const int64_t c32[] = {kOpConst, 32}, c2[] = {kOpConst, 2}, c128[] = {kOpConst, 128}, c70k[] = {kOpConst, 70000};
    LaunchDesc big = scale;
    big.block[0] = Expr{c32, 2};
    big.block[1] = Expr{c32, 2};
    CHECK(detail::launch_dims(big, env, &dims, &c.err) == Status::kOk && dims.block[1] == 32);  // 1024 threads
    big.block[2] = Expr{c2, 2};
    CHECK_FAILS(detail::launch_dims(big, env, &dims, &c.err), c.err, Status::kExprError,
                "launch 'scale_kernels' block (32, 32, 2) has 2048 threads; CUDA allows at most 1024 per block");
    CHECK(c.err.message.find("scale_f32") == std::string::npos);
    LaunchDesc deep = scale;
    deep.block[0] = scale.block[1];  // 1
    deep.block[2] = Expr{c128, 2};
    CHECK_FAILS(detail::launch_dims(deep, env, &dims, &c.err), c.err, Status::kExprError,
                "launch 'scale_kernels' block.z is 128 (allowed 1..64)");
    LaunchDesc tall = scale;
    tall.grid[2] = Expr{c70k, 2};
    CHECK_FAILS(detail::launch_dims(tall, env, &dims, &c.err), c.err, Status::kExprError,
                "launch 'scale_kernels' grid.z is 70000 (allowed 0..65535)");
    tall.grid[2] = scale.grid[2];
    tall.grid[1] = Expr{c70k, 2};
    CHECK_FAILS(detail::launch_dims(tall, env, &dims, &c.err), c.err, Status::kExprError, "grid.y is 70000");
    // without a module name the entry names the launch
    const ModuleDesc unnamed_modules[] = {{"", kScale.modules[0].images, kScale.modules[0].n_images}};
    PluginDesc unnamed = kScale;
    unnamed.modules = unnamed_modules;
    EvalEnv unnamed_env{2, c.in, &unnamed, &c.attrs};
    CHECK_FAILS(detail::launch_dims(big, unnamed_env, &dims, &c.err), c.err, Status::kExprError,
                "launch 'scale_f32' block (32, 32, 2)");
}

TEST_GROUP(image_choice) {
    const ModuleDesc& m = kScale.modules[0];  // cubin sm_80 (0), PTX sm_75 (1, 3), cubin sm_90 (2)
    CHECK(detail::choose_images(m, 90).cubin == 2);
    CHECK(detail::choose_images(m, 80).cubin == 0);
    CHECK(detail::choose_images(m, 86).cubin == 0);
    CHECK(detail::choose_images(m, 89).cubin == 0);
    CHECK(detail::choose_images(m, 100).cubin == -1);
    CHECK((detail::choose_images(m, 100).ptx_parts == std::vector<int32_t>{1, 3}));
    CHECK(detail::choose_images(m, 75).cubin == -1);
    CHECK((detail::choose_images(m, 75).ptx_parts == std::vector<int32_t>{1, 3}));
    CHECK(detail::choose_images(m, 70).cubin == -1 && detail::choose_images(m, 70).ptx_parts.empty());
    CHECK(detail::describe_images(m) == "cubin sm_80, sm_90; PTX sm_75 (2 parts)");
    const ImageDesc more[] = {
        {ImageKind::kCubin, 86, nullptr, 0}, {ImageKind::kCubin, 80, nullptr, 0}, {ImageKind::kPtx, 70, nullptr, 0},
        {ImageKind::kPtx, 80, nullptr, 0},
    };
    const ModuleDesc m2 = {"m2", more, 4};
    CHECK(detail::choose_images(m2, 89).cubin == 0);  // newest minor <= 9
    CHECK(detail::choose_images(m2, 85).cubin == 1);
    CHECK((detail::choose_images(m2, 75).ptx_parts == std::vector<int32_t>{2}));
    CHECK((detail::choose_images(m2, 90).ptx_parts == std::vector<int32_t>{3}));
}

// The module cache against a scripted driver (no GPU): a context destroyed and replaced by a new
// one at the same address, on a driver without cuCtxGetId, must not keep using the old modules.
namespace fake_driver {

constexpr uintptr_t kContext = 0x5eed0000;  // every "context" lives at this address
constexpr uintptr_t kHandleBase = 0x100000;

struct State {
    std::atomic<int> generation{1};  // bumped when the context is destroyed and re-created
    std::atomic<int> loads{0}, lookups{0}, launches{0}, attribute_calls{0};
    std::atomic<bool> launch_always_fails{false};
};
State g;

template <class Handle>
Handle handle(int generation) { return reinterpret_cast<Handle>(kHandleBase + static_cast<uintptr_t>(generation)); }
template <class Handle>
bool current(Handle h) { return reinterpret_cast<uintptr_t>(h) == kHandleBase + static_cast<uintptr_t>(g.generation.load()); }

cu::Result error_name(cu::Result r, const char** s) {
    *s = r == cu::kErrorInvalidHandle ? "CUDA_ERROR_INVALID_HANDLE" : "CUDA_ERROR_OTHER";
    return cu::kSuccess;
}
cu::Result error_string(cu::Result, const char** s) {
    *s = "scripted";
    return cu::kSuccess;
}
cu::Result ctx_get_current(cu::Context* c) {
    *c = reinterpret_cast<cu::Context>(kContext);
    return cu::kSuccess;
}
cu::Result ctx_get_device(cu::Device* d) {
    *d = 0;
    return cu::kSuccess;
}
cu::Result device_attribute(int* v, int32_t attribute, cu::Device) {
    *v = attribute == cu::kDevAttrComputeCapabilityMajor ? 8 : 0;  // sm_80: the fixture's first cubin
    return cu::kSuccess;
}
cu::Result module_load(cu::Module* m, const void*, unsigned int, int32_t*, void**) {
    ++g.loads;
    *m = handle<cu::Module>(g.generation);
    return cu::kSuccess;
}
cu::Result module_get_function(cu::Function* f, cu::Module m, const char*) {
    ++g.lookups;
    if (!current(m)) return cu::kErrorInvalidHandle;
    *f = handle<cu::Function>(g.generation);
    return cu::kSuccess;
}
cu::Result func_set_attribute(cu::Function f, int32_t, int) {
    ++g.attribute_calls;
    return current(f) ? cu::kSuccess : cu::kErrorInvalidHandle;
}
cu::Result launch(cu::Function f, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int,
                  unsigned int, unsigned int, cu::Stream, void**, void**) {
    if (!current(f) || g.launch_always_fails) return cu::kErrorInvalidHandle;
    ++g.launches;
    return cu::kSuccess;
}
cu::Result launch_cooperative(cu::Function f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                              unsigned int by, unsigned int bz, unsigned int shared, cu::Stream s, void** p) {
    return launch(f, gx, gy, gz, bx, by, bz, shared, s, p, nullptr);
}

const cu::Api& api() {
    static const cu::Api a = [] {
        cu::Api x{};
        x.cuGetErrorName = error_name;
        x.cuGetErrorString = error_string;
        x.cuCtxGetCurrent = ctx_get_current;
        x.cuCtxGetDevice = ctx_get_device;
        x.cuCtxGetId = nullptr;  // a driver before CUDA 12.0
        x.cuDeviceGetAttribute = device_attribute;
        x.cuModuleLoadDataEx = module_load;
        x.cuModuleGetFunction = module_get_function;
        x.cuFuncSetAttribute = func_set_attribute;
        x.cuLaunchKernel = launch;
        x.cuLaunchCooperativeKernel = launch_cooperative;
        return x;
    }();
    return a;
}

}  // namespace fake_driver

TEST_GROUP(module_cache) {
    using fake_driver::g;
    const cu::Api* api = &fake_driver::api();
    const ModuleDesc& module = kScale.modules[0];
    const LaunchDesc& scale = kScale.variants[0].launches[0];
    const LaunchDesc& reduce = kScale.variants[0].launches[1];  // cooperative, 64 KiB of shared memory
    detail::LaunchDims dims{{1, 1, 1}, {256, 1, 1}, 0, false};
    Error err;
    auto run = [&](const LaunchDesc& l, uint32_t shared = 0) {
        dims.shared_bytes = shared;
        return detail::launch_kernel(api, module, l, "scale_kernels", dims, nullptr, nullptr, &err);
    };
    CHECK(run(scale) == Status::kOk);
    CHECK(g.loads == 1 && g.lookups == 1 && g.launches == 1);
    CHECK(run(scale) == Status::kOk);  // cached: no load, no lookup
    CHECK(g.loads == 1 && g.lookups == 1 && g.launches == 2);

    // The context is destroyed and a new one made at its address: the cached function is rejected
    // at launch, the module is loaded again for the new context and the launch goes through.
    g.generation = 2;
    CHECK(run(scale) == Status::kOk);
    CHECK(g.loads == 2 && g.lookups == 2 && g.launches == 3);
    CHECK(run(scale) == Status::kOk && g.loads == 2);

    // Again, but the first thing asked of the stale module is a function it has not looked up yet.
    g.generation = 3;
    cu::Function f = nullptr;
    CHECK(detail::get_function(api, module, "reduce_f32", 0, &f, &err) == Status::kOk);
    CHECK(g.loads == 3 && fake_driver::current(f));
    // raising the shared memory limit of a stale function also reloads
    g.generation = 4;
    CHECK(run(reduce, 65536) == Status::kOk);
    CHECK(g.loads == 4 && g.attribute_calls >= 1);

    // A launch that keeps failing is reported after one reload, not retried forever.
    g.launch_always_fails = true;
    const int loads = g.loads;
    CHECK_FAILS(run(scale), err, Status::kCudaError,
                "launching 'scale_kernels' (grid 1,1,1 block 256,1,1, 0 bytes shared) failed: "
                "CUDA_ERROR_INVALID_HANDLE (400)");
    CHECK(g.loads == loads + 1);
    g.launch_always_fails = false;

    // Many threads launching from the cached entry.
    const int before = g.launches;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            detail::LaunchDims d{{1, 1, 1}, {256, 1, 1}, 0, false};
            for (int i = 0; i < 500; ++i) {
                Error e;
                if (detail::launch_kernel(api, module, scale, "scale_kernels", d, nullptr, nullptr, &e) !=
                    Status::kOk) {
                    ++failures;
                }
            }
        });
    }
    for (std::thread& t : threads) t.join();
    CHECK(failures == 0 && g.launches == before + 2000);
}

namespace {
std::vector<std::pair<Severity, std::string>> g_lines;
void capture(Severity s, const char* line, void*) { g_lines.emplace_back(s, line); }
}  // namespace

TEST_GROUP(logging) {
    set_log_sink(capture, nullptr);
    log_line(Severity::kError, "ns", "Mish", "it broke");
    log_line(Severity::kWarning, "", "Mish", "careful");
    log_line(Severity::kInfo, nullptr, nullptr, "hello");
    CHECK(g_lines.size() == 3);
    CHECK(g_lines[0].first == Severity::kError && g_lines[0].second == "[trtplug] ns::Mish: it broke");
    CHECK(g_lines[1].second == "[trtplug] Mish: careful");
    CHECK(g_lines[2].second == "[trtplug] hello");
    // the C API logs one line per failure, naming the library's namespace and the plugin
    g_lines.clear();
    char err[256];
    void* in = trtplug_instance_create(0, "junk", 4, err, sizeof err);
    CHECK(in == nullptr);
    CHECK(g_lines.size() == 1 && g_lines[0].second.rfind("[trtplug] trtplug_test::TestScale: serialized plugin data is 4 bytes", 0) == 0);
    set_log_sink(nullptr, nullptr);
    CHECK(std::string(status_name(Status::kNoImage)) == "no kernel image for this device");
}

TEST_GROUP(c_api) {
    set_log_sink(capture, nullptr);  // keep expected failures off stderr
    char err[512] = "";
    CHECK(trtplug_abi_version() == 1);
    CHECK(trtplug_plugin_count() == 3);
    CHECK(std::string(trtplug_library_info()).find("fixture_plugins") != std::string::npos);
    CHECK(trtplug_plugin_index("TestScale", nullptr) == 0);
    CHECK(trtplug_plugin_index("TestNeeds", "2") == 1);
    CHECK(trtplug_plugin_index("TestNeeds", "1") == -1);
    CHECK(trtplug_plugin_index("Nope", nullptr) == -1);
    CHECK(trtplug_instance_create(5, nullptr, 0, err, sizeof err) == nullptr && std::string(err).find("out of range") != std::string::npos);

    void* in = trtplug_instance_create(0, nullptr, 0, err, sizeof err);
    CHECK(in != nullptr);
    const int32_t alpha = 5;
    CHECK(trtplug_instance_set_field(in, "alpha", static_cast<int32_t>(FieldType::kInt32), &alpha, 1, err, sizeof err) == 0);
    CHECK(trtplug_instance_set_field(in, "alpha", static_cast<int32_t>(FieldType::kChar), "x", 1, err, sizeof err) ==
          static_cast<int32_t>(Status::kBadArgument));
    size_t length = 0;
    CHECK(trtplug_instance_serialize(in, nullptr, 0, &length, err, sizeof err) == 0 && length > 16);
    std::vector<unsigned char> buf(length);
    CHECK(trtplug_instance_serialize(in, buf.data(), buf.size(), &length, err, sizeof err) == 0);
    CHECK(trtplug_instance_serialize(in, buf.data(), buf.size() - 1, &length, err, sizeof err) ==
          static_cast<int32_t>(Status::kBadArgument));
    void* copy = trtplug_instance_create(0, buf.data(), buf.size(), err, sizeof err);
    CHECK(copy != nullptr);
    std::vector<unsigned char> buf2(length);
    CHECK(trtplug_instance_serialize(copy, buf2.data(), buf2.size(), &length, err, sizeof err) == 0 && buf2 == buf);
    CHECK(trtplug_instance_create(1, buf.data(), buf.size(), err, sizeof err) == nullptr);
    CHECK(std::string(err).find("not 'TestNeeds' version '2'") != std::string::npos);

    const int32_t ranks[] = {2, 1};
    int64_t dims[2 * kMaxRank] = {6, 5};
    dims[kMaxRank] = 4;
    int32_t out_rank = 0;
    int64_t out_dims[kMaxRank];
    CHECK(trtplug_output_shape(copy, 2, ranks, dims, 1, &out_rank, out_dims, err, sizeof err) == 0);
    CHECK(out_rank == 1 && out_dims[0] == 6);  // cdiv(30, 5)
    const int32_t bad_ranks[] = {2, 9};
    CHECK(trtplug_output_shape(copy, 2, bad_ranks, dims, 0, &out_rank, out_dims, err, sizeof err) ==
          static_cast<int32_t>(Status::kBadArgument));
    const int32_t types[] = {1, 1, 1, 0};
    CHECK(trtplug_find_variant(copy, types) == 1);
    size_t bytes = 0;
    CHECK(trtplug_workspace_size(copy, 1, 2, ranks, dims, &bytes, err, sizeof err) == 0 && bytes == 256 + (6 + 6) * 4);

    // a plugin whose required attributes are unset cannot run or serialize
    void* needs = trtplug_instance_create(1, nullptr, 0, err, sizeof err);
    CHECK(needs != nullptr);
    CHECK(trtplug_instance_serialize(needs, nullptr, 0, &length, err, sizeof err) == static_cast<int32_t>(Status::kBadArgument));
    CHECK(std::string(err).find("attribute 'gamma' has no value") != std::string::npos);
    trtplug_instance_destroy(needs);
    trtplug_instance_destroy(copy);
    trtplug_instance_destroy(in);
    trtplug_instance_destroy(nullptr);
    CHECK(trtplug_instance_serialize(nullptr, nullptr, 0, &length, err, sizeof err) == static_cast<int32_t>(Status::kBadArgument));
    set_log_sink(nullptr, nullptr);
}

// TestRules: string choices, constraints, negative output dims and launch sizes, each a status
// and one line that names the plugin, the expression and the values.
TEST_GROUP(rules) {
    Error err;
    AttrValues v = defaults(kRules);
    CHECK(attrs_validate(kRules, v, &err) == Status::kOk && v[2].text == "nearest");

    // choices hold for fields, serialized data and whole-value validation
    CHECK(attrs_set_field(kRules, &v, "mode", FieldType::kChar, "linear", 7, &err) == Status::kOk);
    CHECK_FAILS(attrs_set_field(kRules, &v, "mode", FieldType::kChar, "foo", 4, &err), err, Status::kBadArgument,
                "attribute 'mode': 'foo' is not one of 'nearest', 'linear'");
    CHECK_FAILS(attrs_set_field(kRules, &v, "mode", FieldType::kChar, "", 0, &err), err, Status::kBadArgument,
                "attribute 'mode': '' is not one of");
    CHECK(v[2].text == "linear");
    AttrValues bad = v;
    bad[2].text = "foo";
    CHECK_FAILS(attrs_validate(kRules, bad, &err), err, Status::kBadArgument, "'foo' is not one of");
    blob::Bytes good_blob = blob::serialize(kRules, v);
    CHECK(!good_blob.empty());
    // the same blob with "linear" replaced by "lineaR" (same length): the CRC is rewritten
    blob::Bytes foreign = good_blob;
    const std::string needle = "linear";
    auto at = std::search(foreign.begin(), foreign.end(), needle.begin(), needle.end());
    CHECK(at != foreign.end());
    if (at != foreign.end()) *(at + 5) = 'R';
    blob::fix_header(foreign);
    AttrValues read;
    CHECK_FAILS(deserialize(kRules, foreign.data(), foreign.size(), &read, &err), err, Status::kBadSerialization,
                "serialized attribute 'mode': 'lineaR' is not one of 'nearest', 'linear'");
    CHECK(deserialize(kRules, good_blob.data(), good_blob.size(), &read, &err) == Status::kOk && read[2].text == "linear");

    // constraints are checked before output shapes
    Shape in[] = {shape({12, 8}), shape({8})};
    Shape out;
    CHECK(output_shape(kRules, v, in, 0, &out, &err) == Status::kOk && out.dims[0] == 12 && out.dims[1] == 8);
    in[0] = shape({12, 3});
    in[1] = shape({1});
    CHECK_FAILS(output_shape(kRules, v, in, 0, &out, &err), err, Status::kBadArgument,
                "constraint failed: channels must be a multiple of r*r (x.shape[1] % (self.r * self.r) == 0 does not "
                "hold) (x.shape[1] = 3, self.r = 2)");
    CHECK_FAILS(check_constraints(kRules, v, in, &err), err, Status::kBadArgument, "channels must be a multiple");
    in[0] = shape({12, 8});
    in[1] = shape({5});
    CHECK_FAILS(output_shape(kRules, v, in, 0, &out, &err), err, Status::kBadArgument,
                "constraint failed: w holds one weight, or one per channel ((w.shape[0] == 1) | (w.shape[0] == "
                "x.shape[1]) does not hold) (w.shape[0] = 5, x.shape[1] = 8)");

    // with unknown dims (< 0), only what the known ones decide is checked
    in[0] = shape({-1, 8});
    in[1] = shape({-1});
    CHECK(check_known_shapes(kRules, v, in, 0, &err) == Status::kOk);
    in[0] = shape({-1, 6});
    CHECK_FAILS(check_known_shapes(kRules, v, in, 0, &err), err, Status::kBadArgument,
                "(x.shape[1] = 6, self.r = 2)");

    // a negative output dim names the output, its expression and the values it read
    in[0] = shape({12, 8});
    in[1] = shape({1});
    const int32_t minus3 = -3;
    CHECK(attrs_set_field(kRules, &v, "group", FieldType::kInt32, &minus3, 1, &err) == Status::kOk);
    CHECK_FAILS(output_shape(kRules, v, in, 0, &out, &err), err, Status::kExprError,
                "output 'y' dim 0 = x.shape[0] // self.group = -4: negative (x.shape[0] = 12, self.group = -3)");
    in[0] = shape({-1, 8});
    CHECK(check_known_shapes(kRules, v, in, 0, &err) == Status::kOk);  // x.shape[0] unknown: undecided
    in[0] = shape({12, 8});
    const int32_t zero = 0;
    CHECK(attrs_set_field(kRules, &v, "group", FieldType::kInt32, &zero, 1, &err) == Status::kOk);
    CHECK_FAILS(output_shape(kRules, v, in, 0, &out, &err), err, Status::kExprError,
                "output 'y' dim 0 = x.shape[0] // self.group: expression word 5: floor division of 12 by zero");

    // launch sizes: zero, negative and too many threads per block
    const int32_t one = 1;
    CHECK(attrs_set_field(kRules, &v, "group", FieldType::kInt32, &one, 1, &err) == Status::kOk);
    const EvalEnv env{2, in, &kRules, &v};
    detail::LaunchDims dims{};
    CHECK(detail::launch_dims(kRules.variants[0].launches[0], env, &dims, &err) == Status::kOk && dims.grid[0] == 12);
    const int32_t blocks[] = {0, -32, 2048};
    const char* expected[] = {"launch 'scale_kernels' block.x = self.block is 0 (allowed 1..1024; self.block = 0)",
                              "launch 'scale_kernels' block.x = self.block is -32 (allowed 1..1024; self.block = -32)",
                              "launch 'scale_kernels' block.x = self.block is 2048 (allowed 1..1024; self.block = 2048)"};
    for (int i = 0; i < 3; ++i) {
        CHECK(attrs_set_field(kRules, &v, "block", FieldType::kInt32, &blocks[i], 1, &err) == Status::kOk);
        CHECK_FAILS(detail::launch_dims(kRules.variants[0].launches[0], env, &dims, &err), err, Status::kExprError,
                    expected[i]);
    }
    CHECK(attrs_set_field(kRules, &v, "group", FieldType::kInt32, &minus3, 1, &err) == Status::kOk);
    CHECK_FAILS(detail::launch_dims(kRules.variants[0].launches[0], env, &dims, &err), err, Status::kExprError,
                "launch 'scale_kernels' grid.x = x.shape[0] // self.group is -4 (allowed 0..2147483647; "
                "x.shape[0] = 12, self.group = -3)");

    // the printed form keeps Python's precedence
    const int64_t sum_times[] = {kOpConst, 1, kOpDim, 0, 0, kOpAdd, kOpConst, 2, kOpMul, kOpConst, -3, kOpSub};
    CHECK(detail::expr_text(Expr{sum_times, 12}, kRules) == "(1 + x.shape[0]) * 2 - (-3)");
    const int64_t nested[] = {kOpConst, 8, kOpDim, 0, 0, kOpConst, 2, kOpSub, kOpSub, kOpNumel, 1, kOpConst, 4, kOpMax, kOpFloorDiv};
    CHECK(detail::expr_text(Expr{nested, 15}, kRules) == "(8 - (x.shape[0] - 2)) // max(w.numel, 4)");

    // the C API: a status and one log line naming the plugin
    set_log_sink(capture, nullptr);
    g_lines.clear();
    char message[512] = "";
    void* instance = trtplug_instance_create(2, nullptr, 0, message, sizeof message);
    CHECK(instance != nullptr);
    CHECK(trtplug_instance_set_field(instance, "mode", static_cast<int32_t>(FieldType::kChar), "foo", 3, message,
                                     sizeof message) == static_cast<int32_t>(Status::kBadArgument));
    CHECK(g_lines.size() == 1 &&
          g_lines[0].second == "[trtplug] trtplug_test::TestRules: attribute 'mode': 'foo' is not one of 'nearest', 'linear'");
    const int32_t ranks[] = {2, 1};
    int64_t in_dims[2 * kMaxRank] = {4, 3};
    in_dims[kMaxRank] = 3;
    int32_t out_rank = 0;
    int64_t out_dims[kMaxRank];
    g_lines.clear();
    CHECK(trtplug_output_shape(instance, 2, ranks, in_dims, 0, &out_rank, out_dims, message, sizeof message) ==
          static_cast<int32_t>(Status::kBadArgument));
    CHECK(std::string(message).find("channels must be a multiple of r*r") != std::string::npos);
    CHECK(g_lines.size() == 1 && g_lines[0].second.rfind("[trtplug] trtplug_test::TestRules: constraint failed", 0) == 0);
    trtplug_instance_destroy(instance);
    set_log_sink(nullptr, nullptr);
}

// The launch cache: a hit checks and launches exactly what a miss (or the uncached enqueue) does,
// for any pointers; new shapes miss, failures are not kept, at most kCapacity plans stay, and
// concurrent use is safe. Launches go to a fake driver that records them. Runs in its own process
// (TRTPLUG_LIBCUDA is pointed at a missing file for the C API part).
namespace recording {

struct Launch {
    bool cooperative;
    unsigned grid[3], block[3], shared;
    std::vector<uint64_t> params;
    bool operator==(const Launch& o) const {
        return cooperative == o.cooperative && std::equal(grid, grid + 3, o.grid) &&
               std::equal(block, block + 3, o.block) && shared == o.shared && params == o.params;
    }
};
std::vector<Launch> g_launches;
std::atomic<bool> g_keep{true};  // false: only count (the threaded test)
std::atomic<int> g_count{0};

// kScale's float32 variant: the cooperative launch is 'reduce', the other 'scale'.
cu::Result record(bool cooperative, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                  unsigned shared, void** params) {
    ++g_count;
    if (!g_keep) return cu::kSuccess;
    Launch l{cooperative, {gx, gy, gz}, {bx, by, bz}, shared, {}};
    const int32_t n = kScale.variants[0].launches[cooperative ? 1 : 0].n_params;
    for (int32_t i = 0; i < n; ++i) l.params.push_back(*static_cast<const uint64_t*>(params[i]));
    g_launches.push_back(l);
    return cu::kSuccess;
}
cu::Result launch(cu::Function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                  unsigned shared, cu::Stream, void** params, void**) {
    return record(false, gx, gy, gz, bx, by, bz, shared, params);
}
cu::Result launch_cooperative(cu::Function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                              unsigned bz, unsigned shared, cu::Stream, void** params) {
    return record(true, gx, gy, gz, bx, by, bz, shared, params);
}

const cu::Api& api() {
    static const cu::Api a = [] {
        cu::Api x = fake_driver::api();
        x.cuLaunchKernel = launch;
        x.cuLaunchCooperativeKernel = launch_cooperative;
        return x;
    }();
    return a;
}

// The launches of one enqueue through `plan`.
std::vector<Launch> run(const detail::LaunchPlan& plan, const TensorArgs& t, Status* status, Error* err) {
    g_launches.clear();
    *status = detail::run_plan(kScale, plan, t, nullptr, &api(), err);
    return g_launches;
}

}  // namespace recording

namespace {

// kScale inputs x (rows, cols) and w (4) with buffers large enough for rows * cols <= 64, and the
// output shapes the plugin computes for them.
struct ScaleCall {
    Shape in[2], out[2];
    float x[64], w[4], y[64], stats[64];
    alignas(256) unsigned char ws[1024];
    const void* inputs[2] = {x, w};
    void* outputs[2] = {y, stats};
    ScaleCall(int64_t rows, int64_t cols) {
        in[0] = shape({rows, cols});
        in[1] = shape({4});
        out[0] = in[0];
        out[1] = shape({std::max<int64_t>(1, (rows * cols + 2) / 3)});  // cdiv(numel, alpha = 3)
    }
    // A copy has the same shapes and its own buffers.
    ScaleCall(const ScaleCall& o) {
        std::copy(o.in, o.in + 2, in);
        std::copy(o.out, o.out + 2, out);
    }
    ScaleCall& operator=(const ScaleCall&) = delete;
    TensorArgs tensors() { return TensorArgs{in, out, inputs, outputs, ws, sizeof ws}; }
};

bool same_plan(const detail::LaunchPlan& a, const detail::LaunchPlan& b) {
    if (a.variant != b.variant || a.inputs.size() != b.inputs.size() || a.outputs.size() != b.outputs.size() ||
        a.workspace.total != b.workspace.total || a.workspace.offsets != b.workspace.offsets ||
        a.launches.size() != b.launches.size()) {
        return false;
    }
    for (size_t i = 0; i < a.outputs.size(); ++i) {
        if (a.outputs[i].rank != b.outputs[i].rank ||
            !std::equal(a.outputs[i].dims, a.outputs[i].dims + a.outputs[i].rank, b.outputs[i].dims)) {
            return false;
        }
    }
    for (size_t i = 0; i < a.launches.size(); ++i) {
        const detail::PlannedLaunch& x = a.launches[i];
        const detail::PlannedLaunch& y = b.launches[i];
        if (x.launch != y.launch || !std::equal(x.dims.grid, x.dims.grid + 3, y.dims.grid) ||
            !std::equal(x.dims.block, x.dims.block + 3, y.dims.block) || x.dims.shared_bytes != y.dims.shared_bytes ||
            x.args.slots != y.args.slots || x.args.pointers.size() != y.args.pointers.size()) {
            return false;
        }
    }
    return true;
}

// What enqueue without a cache answers (the reference), as status and message.
std::pair<Status, std::string> uncached(const AttrValues& attrs, int32_t variant, const TensorArgs& t) {
    Error e;
    const Status s = enqueue(kScale, attrs, variant, t, nullptr, &e);
    return {s, e.message};
}

std::pair<Status, std::string> cached(LaunchCache& cache, const AttrValues& attrs, int32_t variant,
                                      const TensorArgs& t) {
    Error e;
    const Status s = enqueue(kScale, attrs, variant, t, nullptr, &cache, &e);
    return {s, e.message};
}

}  // namespace

TEST_GROUP(launch_cache) {
    setenv("TRTPLUG_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
    set_log_sink(capture, nullptr);
    const AttrValues attrs = defaults(kScale);
    Error err;
    Status s = Status::kOk;

    // Hits launch exactly what a freshly built plan launches, with each call's own pointers.
    LaunchCache cache;
    ScaleCall a(3, 5), b(6, 7), c(3, 4);  // c differs from a in its last dim only
    const std::pair<ScaleCall*, bool> sequence[] = {{&a, false}, {&a, true}, {&b, false}, {&a, true},
                                                    {&b, true},  {&c, false}, {&c, true}};
    uint64_t expected_hits = 0, expected_misses = 0;
    for (const auto& step : sequence) {
        ScaleCall& call = *step.first;
        ScaleCall moved = call;  // the same shapes at other addresses: pointers are never cached
        for (ScaleCall* k : {&call, &moved}) {
            detail::LaunchPlan fresh;
            CHECK(detail::build_plan(kScale, attrs, 0, 0, k->in, &fresh, &err) == Status::kOk);
            const std::vector<recording::Launch> want = recording::run(fresh, k->tensors(), &s, &err);
            CHECK(s == Status::kOk && want.size() == 2);
            LaunchPlanRef plan;
            CHECK(cache.plan(kScale, attrs, 0, k->in, &plan, &err) == Status::kOk && plan);
            CHECK(plan && same_plan(*plan, fresh));
            CHECK(plan && recording::run(*plan, k->tensors(), &s, &err) == want && s == Status::kOk);
            // anchored to the packing the plain launch path uses
            PackCase ref;
            std::copy(k->in, k->in + 2, ref.in);
            std::copy(k->out, k->out + 2, ref.out);
            ref.inputs[0] = k->x;
            ref.inputs[1] = k->w;
            ref.outputs[0] = k->y;
            ref.outputs[1] = k->stats;
            CHECK(ref.pack(kScale.variants[0].launches[0]) == Status::kOk);
            for (size_t i = 0; i < ref.packed.slots.size(); ++i) {
                if (ref.packed.slots[i] == ptr(ref.ws)) ref.packed.slots[i] = ptr(k->ws);  // PackCase's own workspace
            }
            CHECK(!want.empty() && want[0].params == ref.packed.slots);
            if (k == &call && step.second) ++expected_hits;
            if (k == &call && !step.second) ++expected_misses;
            if (k == &moved) ++expected_hits;
        }
        const LaunchCache::Stats st = cache.stats();
        CHECK_EQ(st.hits, expected_hits);
        CHECK_EQ(st.misses, expected_misses);
    }
    CHECK_EQ(cache.stats().entries, 3);

    // The variant is part of the key.
    LaunchPlanRef f32, f16;
    CHECK(cache.plan(kScale, attrs, 0, a.in, &f32, &err) == Status::kOk);
    CHECK(cache.plan(kScale, attrs, 1, a.in, &f16, &err) == Status::kOk);
    CHECK(f32 && f16 && f32 != f16 && f16->variant == 1 && f16->launches.size() == 1);
    // So is every dim and the rank: (3, 5) and (5, 3) have the same element count.
    ScaleCall transposed(5, 3);
    CHECK(cache.find(kScale, 0, transposed.in, 2) == nullptr);
    ScaleCall other_w(3, 5);
    other_w.in[1] = shape({5});
    CHECK(cache.find(kScale, 0, other_w.in, 2) == nullptr);
    Shape flat[2] = {shape({15}), shape({4})};
    CHECK(cache.find(kScale, 0, flat, 2) == nullptr);
    CHECK(cache.find(kScale, 0, a.in, 1) == nullptr);
    CHECK(cache.find(kRules, 0, a.in, 2) == nullptr);

    // The call's own arguments are checked on every hit, with the uncached path's messages.
    {
        LaunchCache errors;
        ScaleCall call(3, 5);
        CHECK(cached(errors, attrs, 0, call.tensors()) == uncached(attrs, 0, call.tensors()));  // miss
        CHECK(uncached(attrs, 0, call.tensors()).second.find("cannot load the CUDA driver") != std::string::npos);
        call.out[1] = shape({4});
        const auto wrong_output = uncached(attrs, 0, call.tensors());
        CHECK(wrong_output.second.find("output 'stats' has shape (4), the plugin computes (5)") != std::string::npos);
        CHECK(cached(errors, attrs, 0, call.tensors()) == wrong_output);
        call.out[1] = shape({5});
        TensorArgs t = call.tensors();
        t.workspace_bytes = 100;
        const auto small_workspace = uncached(attrs, 0, t);
        CHECK(small_workspace.second.find("workspace of 100 bytes") != std::string::npos);
        CHECK(cached(errors, attrs, 0, t) == small_workspace);
        t = call.tensors();
        call.inputs[1] = nullptr;
        const auto null_pointer = uncached(attrs, 0, t);
        CHECK(null_pointer.second.find("input 'w' has a null data pointer") != std::string::npos);
        CHECK(cached(errors, attrs, 0, t) == null_pointer);
        CHECK(errors.stats().misses == 1 && errors.stats().hits == 3);
        // Failures of the shapes are not kept: every call checks again and says the same.
        ScaleCall bad(3, 5);
        bad.in[1] = shape({4, 1});
        const auto bad_rank = uncached(attrs, 0, bad.tensors());
        CHECK(bad_rank.first == Status::kBadArgument && bad_rank.second.find("input 'w' has rank 2") != std::string::npos);
        CHECK(cached(errors, attrs, 0, bad.tensors()) == bad_rank);
        CHECK(cached(errors, attrs, 0, bad.tensors()) == bad_rank);
        CHECK(cached(errors, attrs, 7, call.tensors()) == uncached(attrs, 7, call.tensors()));
        CHECK(errors.stats().entries == 1 && errors.stats().misses == 4);
    }

    // At most kCapacity plans; the least recently used goes first.
    {
        LaunchCache small;
        std::vector<ScaleCall> calls;
        for (int64_t rows = 1; rows <= 6; ++rows) calls.emplace_back(rows, 4);
        LaunchPlanRef plan;
        for (int i = 0; i < 4; ++i) CHECK(small.plan(kScale, attrs, 0, calls[i].in, &plan, &err) == Status::kOk);
        CHECK_EQ(small.stats().entries, LaunchCache::kCapacity);
        CHECK(small.find(kScale, 0, calls[0].in, 2) != nullptr);  // 0 is now the most recently used
        CHECK(small.plan(kScale, attrs, 0, calls[4].in, &plan, &err) == Status::kOk);
        CHECK(small.find(kScale, 0, calls[1].in, 2) == nullptr);  // evicted
        CHECK(small.find(kScale, 0, calls[0].in, 2) != nullptr);
        for (int round = 0; round < 20; ++round) {
            CHECK(small.plan(kScale, attrs, 0, calls[static_cast<size_t>(round % 6)].in, &plan, &err) == Status::kOk);
        }
        CHECK_EQ(small.stats().entries, LaunchCache::kCapacity);

        // A clone's cache shares the plans; clearing one leaves the other.
        LaunchCache clone(small);
        const LaunchPlanRef kept = small.find(kScale, 0, calls[1].in, 2);
        CHECK(kept && clone.find(kScale, 0, calls[1].in, 2) == kept);
        small.clear();
        CHECK(small.stats().entries == 0 && small.find(kScale, 0, calls[1].in, 2) == nullptr);
        CHECK(clone.find(kScale, 0, calls[1].in, 2) == kept);
    }

    // Many threads on one cache, cycling through more shapes than it keeps: every plan they get
    // equals the one built without the cache, and every launch goes through.
    {
        LaunchCache shared;
        std::vector<ScaleCall> calls;
        std::vector<detail::LaunchPlan> reference;
        for (int64_t rows = 1; rows <= 6; ++rows) {
            calls.emplace_back(rows, 3);
            reference.emplace_back();
            CHECK(detail::build_plan(kScale, attrs, 0, 0, calls.back().in, &reference.back(), &err) == Status::kOk);
        }
        recording::g_keep = false;
        recording::g_count = 0;
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        constexpr int kThreads = 8, kCalls = 400;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kCalls; ++i) {
                    const size_t k = static_cast<size_t>((i + t) % 6);
                    Error e;
                    LaunchPlanRef plan;
                    if (shared.plan(kScale, attrs, 0, calls[k].in, &plan, &e) != Status::kOk ||
                        !same_plan(*plan, reference[k]) ||
                        detail::run_plan(kScale, *plan, calls[k].tensors(), nullptr, &recording::api(), &e) !=
                            Status::kOk) {
                        ++wrong;
                    }
                    if (i % 50 == 0) shared.stats();
                    if (t == 0 && i % 100 == 99) shared.clear();
                }
            });
        }
        for (std::thread& t : threads) t.join();
        recording::g_keep = true;
        CHECK_EQ(wrong.load(), 0);
        CHECK_EQ(recording::g_count.load(), kThreads * kCalls * 2);
        const LaunchCache::Stats st = shared.stats();
        CHECK(st.entries <= LaunchCache::kCapacity);
        CHECK_EQ(st.hits + st.misses, static_cast<uint64_t>(kThreads * kCalls));
    }

    // Through the C API: a hit reports what the miss reported, and setting an attribute forgets
    // the plans (alpha decides the shape of 'stats').
    {
        char msg[512];
        void* instance = trtplug_instance_create(0, nullptr, 0, msg, sizeof msg);
        CHECK(instance != nullptr);
        const int32_t ranks[] = {2, 1};
        int64_t dims[2 * kMaxRank] = {3, 5};
        dims[kMaxRank] = 4;
        int64_t out_dims[2 * kMaxRank] = {3, 5};
        out_dims[kMaxRank] = 5;
        ScaleCall call(3, 5);
        auto run = [&] {
            msg[0] = '\0';
            const int32_t rc = trtplug_enqueue(instance, 0, 2, ranks, dims, call.inputs, 2, ranks, out_dims,
                                               call.outputs, call.ws, sizeof call.ws, nullptr, msg, sizeof msg);
            return std::make_pair(rc, std::string(msg));
        };
        const auto first = run();
        CHECK(first.first == static_cast<int32_t>(Status::kDriverMissing));
        CHECK(run() == first);
        const int32_t alpha = 5;
        CHECK(trtplug_instance_set_field(instance, "alpha", static_cast<int32_t>(FieldType::kInt32), &alpha, 1, msg,
                                         sizeof msg) == 0);
        const auto stale = run();
        CHECK(stale.first == static_cast<int32_t>(Status::kBadArgument));
        CHECK(stale.second.find("output 'stats' has shape (5), the plugin computes (3)") != std::string::npos);
        CHECK(run() == stale);
        out_dims[kMaxRank] = 3;
        CHECK(run() == first);
        // invalid input ranks on a call whose shapes are not cached: the same message every time
        const int32_t bad_ranks[] = {2, 9};
        const int32_t rc = trtplug_enqueue(instance, 0, 2, bad_ranks, dims, call.inputs, 2, ranks, out_dims,
                                           call.outputs, call.ws, sizeof call.ws, nullptr, msg, sizeof msg);
        CHECK(rc == static_cast<int32_t>(Status::kBadArgument) && std::string(msg).find("has rank 9") != std::string::npos);
        trtplug_instance_destroy(instance);
    }
    set_log_sink(nullptr, nullptr);
}

// The functions a plan keeps per context: a driver whose current context is per thread and whose
// handles name the context (and its id) they belong to, so that every launch can be checked to
// use a function of the calling thread's context.
namespace context_driver {

constexpr uintptr_t kContextBase = 0x7c000000;  // context k (1..kContexts) lives at kContextBase + k
constexpr int kContexts = 3;

thread_local int t_current = 0;  // 0: no context
std::atomic<unsigned long long> g_id[kContexts + 1];  // bumped: the context destroyed and re-made at its address
std::atomic<int> g_loads{0}, g_lookups{0}, g_launches{0}, g_wrong{0}, g_stale{0};

// A module or function handle: context k, its id, and (functions) the entry's length.
uintptr_t handle(int k, unsigned long long id, size_t entry) {
    return (static_cast<uintptr_t>(k) << 40) | (static_cast<uintptr_t>(id) << 16) | (entry & 0xffff) | 0x1000;
}
bool current(uintptr_t h) {
    return static_cast<int>(h >> 40) == t_current && ((h >> 16) & 0xffffff) == g_id[t_current].load();
}

void make_current(int k) { t_current = k; }

cu::Result ctx_get_current(cu::Context* c) {
    *c = t_current ? reinterpret_cast<cu::Context>(kContextBase + static_cast<uintptr_t>(t_current)) : nullptr;
    return cu::kSuccess;
}
cu::Result ctx_get_id(cu::Context c, unsigned long long* id) {
    *id = g_id[reinterpret_cast<uintptr_t>(c) - kContextBase].load();
    return cu::kSuccess;
}
cu::Result module_load(cu::Module* m, const void*, unsigned int, int32_t*, void**) {
    ++g_loads;
    *m = reinterpret_cast<cu::Module>(handle(t_current, g_id[t_current], 0));
    return cu::kSuccess;
}
cu::Result module_get_function(cu::Function* f, cu::Module m, const char* entry) {
    ++g_lookups;
    if (!current(reinterpret_cast<uintptr_t>(m))) return cu::kErrorInvalidHandle;
    *f = reinterpret_cast<cu::Function>(handle(t_current, g_id[t_current], std::strlen(entry)));
    return cu::kSuccess;
}
cu::Result func_set_attribute(cu::Function f, int32_t, int) {
    return current(reinterpret_cast<uintptr_t>(f)) ? cu::kSuccess : cu::kErrorInvalidHandle;
}
cu::Result launch(cu::Function f, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int,
                  unsigned int, cu::Stream, void**, void**) {
    const uintptr_t h = reinterpret_cast<uintptr_t>(f);
    if (static_cast<int>(h >> 40) != t_current) {
        ++g_wrong;  // another context's function: never acceptable
        return cu::kErrorInvalidHandle;
    }
    if (!current(h)) {
        ++g_stale;  // the same address, a destroyed context's function
        return cu::kErrorInvalidHandle;
    }
    ++g_launches;
    return cu::kSuccess;
}
cu::Result launch_cooperative(cu::Function f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                              unsigned int by, unsigned int bz, unsigned int shared, cu::Stream s, void** p) {
    return launch(f, gx, gy, gz, bx, by, bz, shared, s, p, nullptr);
}

std::atomic<int> g_unloads{0};
cu::Result ctx_push(cu::Context c) {
    t_current = static_cast<int>(reinterpret_cast<uintptr_t>(c) - kContextBase);
    return cu::kSuccess;
}
cu::Result ctx_pop(cu::Context* c) {
    ctx_get_current(c);
    t_current = 0;
    return cu::kSuccess;
}
cu::Result module_unload(cu::Module) {
    ++g_unloads;
    return cu::kSuccess;
}

// with_ids false: a driver before CUDA 12.0 (no cuCtxGetId). Static: the module cache keeps the
// first driver it sees for unloading at exit.
cu::Api make_api(bool with_ids) {
    cu::Api x = fake_driver::api();
    x.cuCtxPushCurrent = ctx_push;
    x.cuCtxPopCurrent = ctx_pop;
    x.cuModuleUnload = module_unload;
    x.cuCtxGetCurrent = ctx_get_current;
    x.cuCtxGetId = with_ids ? ctx_get_id : nullptr;
    x.cuModuleLoadDataEx = module_load;
    x.cuModuleGetFunction = module_get_function;
    x.cuFuncSetAttribute = func_set_attribute;
    x.cuLaunchKernel = launch;
    x.cuLaunchCooperativeKernel = launch_cooperative;
    return x;
}

}  // namespace context_driver

TEST_GROUP(launch_fast_path) {
    namespace cd = context_driver;
    for (auto& id : cd::g_id) id = 1;
    static const cu::Api api = cd::make_api(true);
    static const cu::Api old_api = cd::make_api(false);
    const AttrValues attrs = defaults(kScale);
    Error err;
    ScaleCall a(3, 5), b(6, 7);
    LaunchCache cache;
    // One enqueue through the cache, as the C API and the TensorRT adapter make it.
    auto enqueue_on = [&](LaunchCache& c, ScaleCall& call, const cu::Api& with, Error* e) {
        LaunchPlanRef plan;
        Status st = c.plan(kScale, attrs, 0, call.in, &plan, e);
        return st != Status::kOk ? st : detail::run_plan(kScale, *plan, call.tensors(), nullptr, &with, e);
    };
    auto plan_for = [&](ScaleCall& call) { return cache.find(kScale, 0, call.in, 2); };
    cu::Function functions[2];

    // No context: the same message as before, nothing kept.
    CHECK_FAILS(enqueue_on(cache, a, api, &err), err, Status::kCudaError, "no CUDA context is current");

    // The first enqueue in a context loads the module once and keeps both functions in the plan.
    cd::make_current(1);
    CHECK(enqueue_on(cache, a, api, &err) == Status::kOk);
    CHECK_EQ(cd::g_loads.load(), 1);
    CHECK_EQ(cd::g_lookups.load(), 2);  // scale_f32, reduce_f32
    CHECK_EQ(cd::g_launches.load(), 2);
    const detail::ContextKey ctx1{reinterpret_cast<cu::Context>(cd::kContextBase + 1), 1};
    CHECK(plan_for(a) && plan_for(a)->functions.find(ctx1, functions, 2));

    // Repeated with the same shapes: the plan's functions, not the module cache: it may forget the
    // context entirely and nothing loads again.
    detail::forget_context(ctx1.context);
    for (int i = 0; i < 10; ++i) CHECK(enqueue_on(cache, a, api, &err) == Status::kOk);
    CHECK_EQ(cd::g_loads.load(), 1);
    CHECK_EQ(cd::g_lookups.load(), 2);
    CHECK_EQ(cd::g_launches.load(), 22);

    // New shapes: a new plan, its functions found through the module cache (loaded again there
    // since it was told to forget), then kept in that plan too.
    CHECK(enqueue_on(cache, b, api, &err) == Status::kOk);
    CHECK_EQ(cd::g_loads.load(), 2);
    CHECK(plan_for(b) && plan_for(b)->functions.find(ctx1, functions, 2));
    CHECK(enqueue_on(cache, a, api, &err) == Status::kOk && enqueue_on(cache, b, api, &err) == Status::kOk);
    CHECK_EQ(cd::g_loads.load(), 2);

    // A second context: its own module and functions; each context launches its own from then on.
    std::thread([&] {
        cd::make_current(2);
        Error e;
        CHECK(enqueue_on(cache, a, api, &e) == Status::kOk);
        CHECK(enqueue_on(cache, a, api, &e) == Status::kOk);
    }).join();
    CHECK_EQ(cd::g_loads.load(), 3);
    const detail::ContextKey ctx2{reinterpret_cast<cu::Context>(cd::kContextBase + 2), 1};
    CHECK(plan_for(a)->functions.find(ctx2, functions, 2) && plan_for(a)->functions.find(ctx1, functions, 2));
    cd::make_current(2);
    CHECK(enqueue_on(cache, a, api, &err) == Status::kOk);
    cd::make_current(1);
    CHECK(enqueue_on(cache, a, api, &err) == Status::kOk);
    CHECK_EQ(cd::g_loads.load(), 3);

    // A clone starts with the plans and their functions: nothing loads, nothing is looked up.
    LaunchCache clone(cache);
    const int lookups = cd::g_lookups;
    CHECK(enqueue_on(clone, a, api, &err) == Status::kOk && enqueue_on(clone, b, api, &err) == Status::kOk);
    CHECK(cd::g_loads == 3 && cd::g_lookups == lookups);

    // Context 1 destroyed and re-made at its address (a new id): the kept functions are not used.
    cd::g_id[1] = 2;
    CHECK(enqueue_on(cache, a, api, &err) == Status::kOk);
    CHECK_EQ(cd::g_loads.load(), 4);
    CHECK_EQ(cd::g_stale.load(), 0);
    // Without cuCtxGetId (every context's id reads 0) only the driver's answer tells: one rejected
    // launch, a reload, the launch again.
    CHECK(enqueue_on(cache, a, old_api, &err) == Status::kOk);
    const int loads = cd::g_loads, launches = cd::g_launches;
    cd::g_id[1] = 3;
    CHECK(enqueue_on(cache, a, old_api, &err) == Status::kOk);
    CHECK(cd::g_stale == 1 && cd::g_loads == loads + 1 && cd::g_launches == launches + 2);
    CHECK(enqueue_on(cache, a, old_api, &err) == Status::kOk && cd::g_stale == 1 && cd::g_loads == loads + 1);
    // A function that stays rejected is reported after that one reload.
    {
        cu::Api broken = old_api;
        broken.cuLaunchKernel = [](cu::Function, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int,
                                   unsigned int, unsigned int, cu::Stream, void**, void**) -> cu::Result {
            return cu::kErrorInvalidHandle;
        };
        const int before = cd::g_loads;
        CHECK_FAILS(enqueue_on(cache, a, broken, &err), err, Status::kCudaError,
                    "launching 'scale_kernels' (grid 1,1,1 block 256,1,1, 0 bytes shared) failed");
        CHECK_EQ(cd::g_loads.load(), before + 1);
    }

    // PlanFunctions itself: a fifth context replaces the oldest, forget drops one, more launches
    // than it keeps are never kept.
    {
        detail::PlanFunctions kept;
        cu::Function f[detail::PlanFunctions::kLaunches + 1] = {};
        for (int k = 1; k <= detail::PlanFunctions::kContexts + 1; ++k) {
            f[0] = reinterpret_cast<cu::Function>(static_cast<uintptr_t>(k));
            kept.store(detail::ContextKey{reinterpret_cast<cu::Context>(static_cast<uintptr_t>(k)), 7}, f, 1);
        }
        cu::Function out = nullptr;
        CHECK(!kept.find(detail::ContextKey{reinterpret_cast<cu::Context>(1), 7}, &out, 1));
        CHECK(kept.find(detail::ContextKey{reinterpret_cast<cu::Context>(5), 7}, &out, 1) &&
              out == reinterpret_cast<cu::Function>(5));
        CHECK(!kept.find(detail::ContextKey{reinterpret_cast<cu::Context>(5), 8}, &out, 1));  // another id
        kept.forget(reinterpret_cast<cu::Context>(5));
        CHECK(!kept.find(detail::ContextKey{reinterpret_cast<cu::Context>(5), 7}, &out, 1));
        const detail::ContextKey k9{reinterpret_cast<cu::Context>(9), 1};
        kept.store(k9, f, detail::PlanFunctions::kLaunches + 1);
        CHECK(!kept.find(k9, f, detail::PlanFunctions::kLaunches + 1));
        detail::PlanFunctions copy(kept);  // a copy starts empty
        CHECK(!copy.find(detail::ContextKey{reinterpret_cast<cu::Context>(4), 7}, &out, 1));
    }

    // Many threads, three contexts, six shapes cycling through a cache of four plans that one
    // thread clears now and then, while another context is re-made: every launch goes to a
    // function of the calling thread's context and every enqueue succeeds.
    {
        LaunchCache shared;
        std::vector<ScaleCall> calls;
        for (int64_t rows = 1; rows <= 6; ++rows) calls.emplace_back(rows, 3);
        std::atomic<int> failed{0};
        const int before = cd::g_launches;
        std::vector<std::thread> threads;
        constexpr int kThreads = 6, kCalls = 300;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                cd::make_current(1 + t % cd::kContexts);
                for (int i = 0; i < kCalls; ++i) {
                    Error e;
                    if (enqueue_on(shared, calls[static_cast<size_t>((i + t) % 6)], api, &e) != Status::kOk) ++failed;
                    if (t == 0 && i % 100 == 99) shared.clear();
                    if (t == 1 && i == kCalls / 2) ++cd::g_id[3];  // context 3 re-made: the others keep going
                }
            });
        }
        for (std::thread& t : threads) t.join();
        CHECK_EQ(failed.load(), 0);
        CHECK_EQ(cd::g_launches.load() - before, kThreads * kCalls * 2);
    }
    CHECK_EQ(cd::g_wrong.load(), 0);
    cd::make_current(0);
}

// Runs in its own process: TRTPLUG_LIBCUDA points the loader at a file that does not exist, so
// the driver is missing whatever the machine has.
TEST_GROUP(no_driver) {
    setenv("TRTPLUG_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
    set_log_sink(capture, nullptr);
    PackCase c;
    Error err;
    TensorArgs t = c.tensors();
    CHECK_FAILS(enqueue(kScale, c.attrs, 0, t, nullptr, &err), err, Status::kDriverMissing,
                "cannot load the CUDA driver (/nonexistent/libcuda.so.1)");
    // argument errors are reported before the driver is needed
    t.workspace_bytes = 100;
    CHECK_FAILS(enqueue(kScale, c.attrs, 0, t, nullptr, &err), err, Status::kBadArgument,
                "workspace of 100 bytes");
    t = c.tensors();
    c.out[1] = shape({4});
    CHECK_FAILS(enqueue(kScale, c.attrs, 0, t, nullptr, &err), err, Status::kBadArgument,
                "output 'stats' has shape (4), the plugin computes (5) from the inputs");
    c.out[1] = shape({5});
    CHECK_FAILS(enqueue(kScale, c.attrs, 7, t, nullptr, &err), err, Status::kBadArgument, "variant 7 out of range");
    CHECK_FAILS(prepare_modules(kScale, &err), err, Status::kDriverMissing, "cannot load the CUDA driver");
    DeviceInfo info{true, 1, 1};
    CHECK_FAILS(device_info(&info, &err), err, Status::kDriverMissing, "cannot load the CUDA driver");
    CHECK(!info.driver_loaded && info.driver_version == 0 && info.sm == 0);
    // through the C API
    char msg[512];
    CHECK(trtplug_prepare(msg, sizeof msg) == static_cast<int32_t>(Status::kDriverMissing));
    CHECK(std::string(msg).find("cannot load the CUDA driver") != std::string::npos);
    int32_t loaded = 1, version = 1, sm = 1;
    CHECK(trtplug_device_info(&loaded, &version, &sm, msg, sizeof msg) == static_cast<int32_t>(Status::kDriverMissing));
    CHECK(loaded == 0 && sm == 0);
    set_log_sink(nullptr, nullptr);
}

// Runs in its own process with the real loader: the driver is either there or reported missing.
TEST_GROUP(system_driver) {
    unsetenv("TRTPLUG_LIBCUDA");
    DeviceInfo info;
    Error err;
    const Status s = device_info(&info, &err);
    if (info.driver_loaded) {
        std::printf("libcuda loaded (driver %d); the missing-driver assertion is skipped\n", info.driver_version);
        CHECK(info.driver_version > 0);
    } else {
        CHECK(s == Status::kDriverMissing && err.message.find("libcuda.so.1") != std::string::npos);
        PackCase c;
        TensorArgs t = c.tensors();
        CHECK_FAILS(enqueue(kScale, c.attrs, 0, t, nullptr, &err), err, Status::kDriverMissing, "libcuda.so.1");
    }
}

// Needs a GPU (run by the gpu-marked pytest): the fixture's placeholder images must fail to load
// with a clear message naming both the cubin and the PTX fallback, never a crash.
TEST_GROUP(gpu_module_errors) {
    unsetenv("TRTPLUG_LIBCUDA");
    Error err;
    const cu::Api* api = cu::driver(&err);
    if (!api) {
        std::printf("SKIP: %s\n", err.message.c_str());
        return;
    }
    set_log_sink(capture, nullptr);
    std::thread([&] {  // a thread with no current context
        Error e;
        CHECK_FAILS(prepare_modules(kScale, &e), e, Status::kCudaError, "no CUDA context is current");
    }).join();
    cu::Device dev = 0;
    cu::Context ctx = nullptr;
    CHECK(api->cuDeviceGet(&dev, 0) == cu::kSuccess);
    CHECK(api->cuDevicePrimaryCtxRetain(&ctx, dev) == cu::kSuccess);
    CHECK(api->cuCtxSetCurrent(ctx) == cu::kSuccess);
    DeviceInfo info;
    CHECK(device_info(&info, &err) == Status::kOk && info.driver_loaded && info.sm >= 70);
    std::printf("device sm_%d, driver %d\n", info.sm, info.driver_version);
    const Status s = prepare_modules(kScale, &err);
    std::printf("prepare_modules: %s\n", err.message.c_str());
    if (info.sm >= 75) {
        // The placeholder cubin fails to load; the placeholder PTX parts link into a module
        // without the kernel. Both facts are in the message.
        CHECK_FAILS(Status(s), err, Status::kCudaError,
                    "kernel 'scale_f32' not found in module 'scale_kernels' (JIT-compiled from its sm_75 PTX (2 parts)");
        if (info.sm / 10 == 8 || info.sm / 10 == 9) {
            CHECK(err.message.find("cubin of module 'scale_kernels' on this sm_") != std::string::npos);
        }
    } else {
        CHECK_FAILS(Status(s), err, Status::kNoImage, "no kernel image of module 'scale_kernels'");
    }
    Error again;  // the failure is cached: same answer, no second JIT attempt
    CHECK(prepare_modules(kScale, &again) == s && again.message == err.message);
    PackCase c;
    TensorArgs t = c.tensors();
    CHECK(enqueue(kScale, c.attrs, 0, t, nullptr, &again) == s);
    api->cuDevicePrimaryCtxRelease(dev);
    set_log_sink(nullptr, nullptr);
}

int main(int argc, char** argv) { return testing::run_main(argc, argv); }
