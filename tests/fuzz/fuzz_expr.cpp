// libFuzzer target: the expression evaluator (registry/core/expr.cpp) and the shape checks that
// run plugin programs (shapes.cpp) on arbitrary programs, input shapes and attribute values.
//
// Input (tests/fuzz/seeds.py writes seeds in this layout):
//   u8  bits 0-1: how many of the two input shapes the evaluator sees (0, 1, 2, 2)
//   2 x { u8 rank (% 10: 9 is out of range), rank x u8 dim (kDims[b] or, past the table, b - 128) }
//   u8 alpha (kWords index), u8 n (1..4 items of the int list `dims`), n x u8 item (kWords index)
//   then words until the end: u8 b < kWords size: kWords[b]; otherwise 8 raw bytes.
// The program is evaluated by eval_expr and eval_known, printed by expr_text/expr_values, and used
// as output 0's shape, a constraint and a workspace extent of a plugin with the attributes of
// TestScale. Checks: every failure is kExprError or kBadArgument with a message; with all dims
// known eval_known agrees with eval_expr; a program eval_expr accepts prints without "malformed";
// an accepted output shape or workspace size is not negative.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core_internal.h"
#include "fixture_plugins.h"
#include "fuzz_input.h"

using namespace trtplug;

FUZZ_FINDING_IMPL

namespace {

const int64_t kWords[] = {
    kOpConst, kOpDim, kOpNumel, kOpRank, kOpAttr, kOpAttrItem, kOpAdd, kOpSub, kOpMul, kOpFloorDiv, kOpCeilDiv,
    kOpMin, kOpMax, kOpMod, kOpEq, kOpNe, kOpLt, kOpLe, kOpGt, kOpGe, kOpAnd, kOpOr,
    0, 1, 2, 3, 4, 5, 7, 8, 16, 64, 256, 1024, -1, -2, -3, -8, 9, 28, 99,
    INT64_MAX, INT64_MIN, INT64_MAX / 2 + 1, -(INT64_MAX / 2) - 1, INT32_MAX, INT32_MIN, int64_t{1} << 32,
    int64_t{1} << 62, 3037000500,  // ~sqrt(INT64_MAX)
};
constexpr size_t kNumWords = sizeof kWords / sizeof kWords[0];

const int64_t kDims[] = {0, 1, 2, 3, 4, 7, 16, 255, 1024, -1, -2, INT64_MAX, INT64_MAX / 3, int64_t{1} << 31,
                         int64_t{1} << 32, 3037000500};
constexpr size_t kNumDims = sizeof kDims / sizeof kDims[0];

int64_t word(fuzz::Input& in) {
    const uint8_t b = in.u8();
    return b < kNumWords ? kWords[b] : static_cast<int64_t>(in.u64());
}

bool is_expected_failure(Status s) { return s == Status::kExprError || s == Status::kBadArgument; }

void check_failure(const char* where, Status s, const Error& err) {
    if (s == Status::kOk) return;
    FUZZ_CHECK(is_expected_failure(s), where, err.message.c_str());
    FUZZ_CHECK(err.status == s && !err.message.empty(), where, "failure without a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::Input in(data, size);
    static const int32_t kEnvInputs[] = {0, 1, 2, 2};
    const int32_t env_inputs = kEnvInputs[in.u8() & 3];
    Shape shapes[2];
    bool all_known = true;
    for (Shape& s : shapes) {
        s.rank = in.u8() % 10;
        for (int32_t a = 0; a < s.rank && a < kMaxRank; ++a) {
            const uint8_t b = in.u8();
            s.dims[a] = b < kNumDims ? kDims[b] : static_cast<int64_t>(b) - 128;
            all_known = all_known && s.dims[a] >= 0;
        }
    }
    AttrValues attrs;
    attrs_default(fixture::kScale, &attrs);
    attrs[0].ints = {kWords[in.u8() % kNumWords]};
    attrs[2].ints.assign(1 + in.u8() % 4, 0);
    for (int64_t& item : attrs[2].ints) item = kWords[in.u8() % kNumWords];
    std::vector<int64_t> code;
    while (in.remaining() > 0) code.push_back(word(in));
    const Expr expr{code.data(), static_cast<int32_t>(code.size())};

    const EvalEnv env{env_inputs, shapes, &fixture::kScale, &attrs};
    int64_t value = 0;
    Error err;
    const Status s = eval_expr(expr, env, &value, &err);
    check_failure("eval_expr", s, err);
    if (s == Status::kOk) FUZZ_CHECK(err.message.empty(), "eval_expr succeeded with a message", err.message.c_str());

    bool known = false;
    int64_t known_value = 0;
    Error kerr;
    const Status ks = detail::eval_known(expr, env, &known, &known_value, &kerr);
    check_failure("eval_known", ks, kerr);
    if (all_known && s == Status::kOk) {
        FUZZ_CHECK(ks == Status::kOk && known && known_value == value, "eval_known disagrees with eval_expr",
                   kerr.message.c_str());
    }
    if (all_known && s != Status::kOk && env_inputs == 2) {
        FUZZ_CHECK(ks == s, "eval_known accepts a program eval_expr refuses", err.message.c_str());
    }

    const std::string text = detail::expr_text(expr, fixture::kScale);
    FUZZ_CHECK(!text.empty(), "expr_text printed nothing", "");
    if (s == Status::kOk) FUZZ_CHECK(text != "<malformed expression>", "an evaluable program prints as malformed", "");
    (void)detail::expr_values(expr, env);

    // The program as a plugin's output shape, constraint and workspace extent.
    static const char* const kIo[] = {"x", "w", "y"};
    static const int32_t kAnyRank[] = {-1, -1};
    static const DType kTypes[] = {DType::kFloat32, DType::kFloat32, DType::kFloat32};
    const OutputDesc outputs[] = {{1, &expr}};
    const WorkspaceDesc workspace[] = {{DType::kFloat32, 1, &expr}};
    const VariantDesc variants[] = {{kTypes, nullptr, 0, workspace, 1}};
    const ConstraintDesc constraints[] = {{expr, "the fuzzed condition"}};
    PluginDesc desc = fixture::kScale;
    desc.n_inputs = 2;
    desc.n_outputs = 1;
    desc.io_names = kIo;
    desc.input_ranks = kAnyRank;
    desc.outputs = outputs;
    desc.variants = variants;
    desc.n_variants = 1;
    desc.n_modules = 0;
    desc.modules = nullptr;
    desc.constraints = constraints;
    desc.n_constraints = 1;

    Error cerr;
    check_failure("check_constraints", check_constraints(desc, attrs, shapes, &cerr), cerr);
    Error kserr;
    check_failure("check_known_shapes", check_known_shapes(desc, attrs, shapes, 0, &kserr), kserr);
    Shape out;
    Error oerr;
    const Status os = output_shape(desc, attrs, shapes, 0, &out, &oerr);
    check_failure("output_shape", os, oerr);
    if (os == Status::kOk) FUZZ_CHECK(out.rank == 1 && out.dims[0] >= 0, "output_shape accepted a negative extent", "");
    size_t bytes = 0;
    Error werr;
    check_failure("workspace_size", workspace_size(desc, attrs, 0, shapes, &bytes, &werr), werr);
    return 0;
}
