// Fuzzer for the core's input parsers, built with -fsanitize=address,undefined.
//   fuzz_core [deserialize_iterations] [seed]
// deserialize: random bytes and mutations of valid blobs (CRC left broken, or recomputed so the
// body parser is reached), truncations, length-field edits and splices. Every accepted blob must
// pass attrs_validate and re-serialize to identical bytes; every rejected one must say why and
// leave the output untouched; a blob changed without fixing its CRC must be rejected.
// Also fuzzes eval_expr with random programs and attrs_set_field with random fields.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "blob_util.h"
#include "fixture_plugins.h"

using namespace trtplug;
using blob::Bytes;

namespace {

struct Rng {
    uint64_t s;
    uint64_t next() {  // splitmix64
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return n ? static_cast<uint32_t>(next() % n) : 0; }
    bool coin() { return next() & 1; }
};

int g_failures = 0;

void failure(const char* what, const Bytes& input, const std::string& detail) {
    if (++g_failures > 10) return;
    std::fprintf(stderr, "FUZZ FAILURE: %s (%zu-byte input): %s\n  bytes:", what, input.size(), detail.c_str());
    for (size_t i = 0; i < input.size() && i < 96; ++i) std::fprintf(stderr, " %02x", input[i]);
    std::fprintf(stderr, "\n");
}

AttrValues random_scale_values(Rng& r) {
    AttrValues v;
    attrs_default(fixture::kScale, &v);
    v[0].ints = {1 + r.below(100)};
    v[1].floats = {static_cast<float>(static_cast<int32_t>(r.below(2001)) - 1000) / 100.0f};
    v[2].ints.assign(1 + r.below(4), 0);
    for (int64_t& x : v[2].ints) x = r.coin() ? r.below(10) : r.below(0x7fffffff);
    v[3].text.assign(r.below(17), 'a');
    for (char& c : v[3].text) c = static_cast<char>(1 + r.below(255));
    v[4].ints = {r.below(2)};
    v[5].floats.assign(r.below(9), 0.0f);
    for (float& f : v[5].floats) f = static_cast<float>(r.below(401)) / 100.0f;
    return v;
}

AttrValues random_needs_values(Rng& r) {
    AttrValues v;
    attrs_default(fixture::kNeeds, &v);
    v[0].floats = {static_cast<float>(r.below(101)) / 100.0f};
    v[1].text.assign(1 + r.below(8), 'x');
    return v;
}

void mutate(Rng& r, Bytes& b) {
    const uint32_t kind = r.below(6);
    if (b.empty()) {
        b.push_back(static_cast<unsigned char>(r.next()));
        return;
    }
    switch (kind) {
        case 0: {  // flip bits
            for (uint32_t n = 1 + r.below(4); n > 0; --n) b[r.below(static_cast<uint32_t>(b.size()))] ^= static_cast<unsigned char>(1u << r.below(8));
            break;
        }
        case 1: {  // random bytes
            for (uint32_t n = 1 + r.below(4); n > 0; --n) b[r.below(static_cast<uint32_t>(b.size()))] = static_cast<unsigned char>(r.next());
            break;
        }
        case 2: {  // insert
            const size_t at = r.below(static_cast<uint32_t>(b.size() + 1));
            b.insert(b.begin() + static_cast<long>(at), 1 + r.below(8), static_cast<unsigned char>(r.next()));
            break;
        }
        case 3: {  // erase
            const size_t at = r.below(static_cast<uint32_t>(b.size()));
            const size_t n = 1 + r.below(8);
            b.erase(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(std::min(b.size(), at + n)));
            break;
        }
        case 4: {  // length-field edit: a u16 or u32 with a boundary value at some offset
            static const uint32_t values[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 255, 256, 0x7fff, 0xffff, 0x10000,
                                              0x7fffffffu, 0xffffffffu};
            const uint32_t v = r.coin() ? values[r.below(sizeof values / sizeof values[0])] : static_cast<uint32_t>(b.size()) + r.below(5) - 2;
            const size_t width = r.coin() ? 2 : 4;
            if (b.size() < width) break;
            const size_t at = r.below(static_cast<uint32_t>(b.size() - width + 1));
            for (size_t i = 0; i < width; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
            break;
        }
        default: {  // truncate
            b.resize(r.below(static_cast<uint32_t>(b.size())));
            break;
        }
    }
}

void check_deserialize(const PluginDesc& desc, const Bytes& input, bool must_reject) {
    // An exactly-sized heap copy, so that any read past the end is caught by AddressSanitizer.
    std::unique_ptr<unsigned char[]> data(new unsigned char[input.size() + (input.empty() ? 1 : 0)]);
    if (!input.empty()) std::memcpy(data.get(), input.data(), input.size());
    AttrValues out(1);
    out[0].text = "sentinel";
    Error err;
    const Status s = deserialize(desc, data.get(), input.size(), &out, &err);
    if (s == Status::kOk) {
        if (must_reject) failure("a blob changed without fixing its CRC was accepted", input, "");
        Error verr;
        if (attrs_validate(desc, out, &verr) != Status::kOk) failure("accepted values fail attrs_validate", input, verr.message);
        if (blob::serialize(desc, out) != input) failure("accepted blob does not re-serialize to the same bytes", input, "");
        return;
    }
    if (s != Status::kBadSerialization) failure("unexpected status", input, std::to_string(static_cast<int>(s)) + " " + err.message);
    if (err.message.empty() || err.status != s) failure("rejection without a message", input, "");
    if (out.size() != 1 || out[0].text != "sentinel") failure("a rejected blob changed the output", input, err.message);
}

void fuzz_deserialize(Rng& r, long iterations) {
    std::vector<Bytes> scale_corpus, needs_corpus;
    for (int i = 0; i < 24; ++i) scale_corpus.push_back(blob::serialize(fixture::kScale, random_scale_values(r)));
    for (int i = 0; i < 8; ++i) needs_corpus.push_back(blob::serialize(fixture::kNeeds, random_needs_values(r)));
    AttrValues d;
    attrs_default(fixture::kScale, &d);
    scale_corpus.push_back(blob::serialize(fixture::kScale, d));
    for (const Bytes& b : scale_corpus) {
        if (b.empty()) {
            failure("a valid corpus value did not serialize", b, "");
            return;
        }
        check_deserialize(fixture::kScale, b, false);
    }
    long accepted = 0;
    for (long i = 0; i < iterations; ++i) {
        const bool scale_target = r.below(8) != 0;
        const PluginDesc& desc = scale_target ? fixture::kScale : fixture::kNeeds;
        const std::vector<Bytes>& own = scale_target ? scale_corpus : needs_corpus;
        const Bytes& seed = own[r.below(static_cast<uint32_t>(own.size()))];
        Bytes b;
        bool must_reject = false;
        switch (r.below(10)) {
            case 0: {  // random bytes, sometimes behind a valid header
                b.resize(r.below(160));
                for (unsigned char& c : b) c = static_cast<unsigned char>(r.next());
                if (r.coin() && b.size() >= 16) blob::fix_header(b), blob::put_u32(b, 0, kSerialMagic), blob::put_u32(b, 4, 1), blob::fix_header(b);
                break;
            }
            case 1:
            case 2:
            case 3: {  // mutations, CRC left as it was
                b = seed;
                for (uint32_t n = 1 + r.below(3); n > 0; --n) mutate(r, b);
                must_reject = b != seed;
                break;
            }
            case 4: {  // a blob of the other plugin
                const std::vector<Bytes>& other = scale_target ? needs_corpus : scale_corpus;
                b = other[r.below(static_cast<uint32_t>(other.size()))];
                must_reject = true;
                break;
            }
            case 5: {  // splice two blobs, header fixed
                const Bytes& other = scale_corpus[r.below(static_cast<uint32_t>(scale_corpus.size()))];
                const size_t cut_a = r.below(static_cast<uint32_t>(seed.size()));
                const size_t cut_b = r.below(static_cast<uint32_t>(other.size()));
                b.assign(seed.begin(), seed.begin() + static_cast<long>(cut_a));
                b.insert(b.end(), other.begin() + static_cast<long>(cut_b), other.end());
                blob::fix_header(b);
                break;
            }
            default: {  // mutations with the header's length and CRC recomputed
                b = seed;
                for (uint32_t n = 1 + r.below(3); n > 0; --n) mutate(r, b);
                blob::fix_header(b);
                break;
            }
        }
        check_deserialize(desc, b, must_reject);
        Error err;
        AttrValues out;
        if (deserialize(desc, b.data(), b.size(), &out, &err) == Status::kOk) ++accepted;
    }
    std::printf("deserialize: %ld inputs, %ld accepted\n", iterations, accepted);
}

void fuzz_expressions(Rng& r, long iterations) {
    static const int64_t words[] = {kOpConst, kOpDim, kOpNumel, kOpRank, kOpAttr, kOpAttrItem, kOpAdd, kOpSub, kOpMul,
                                    kOpFloorDiv, kOpCeilDiv, kOpMin, kOpMax, 0, 1, 2, 3, -1, -2, 7, 100, INT64_MAX,
                                    INT64_MIN, INT64_MAX / 2 + 1, -(INT64_MAX / 2) - 1, 1ll << 32, 99, -7};
    AttrValues attrs;
    attrs_default(fixture::kScale, &attrs);
    long ok = 0;
    for (long i = 0; i < iterations; ++i) {
        std::vector<int64_t> code;
        if (r.coin()) {  // random words
            code.resize(r.below(24));
            for (int64_t& w : code) w = r.below(5) == 0 ? static_cast<int64_t>(r.next()) : words[r.below(sizeof words / sizeof words[0])];
        } else {  // well-formed programs with random leaves and operators
            int depth = 0;
            for (uint32_t n = r.below(20); n > 0 || depth != 1; n = n ? n - 1 : 0) {
                if (depth >= 2 && (r.coin() || n == 0)) {
                    code.push_back(kOpAdd + r.below(7));
                    --depth;
                    continue;
                }
                if (depth > 8 && n == 0) break;
                switch (r.below(5)) {
                    case 0: code.insert(code.end(), {kOpConst, words[13 + r.below(15)]}); break;
                    case 1: code.insert(code.end(), {kOpDim, r.below(2), static_cast<int64_t>(r.below(5)) - 2}); break;
                    case 2: code.insert(code.end(), {kOpNumel, r.below(2)}); break;
                    case 3: code.insert(code.end(), {kOpAttr, r.coin() ? 0 : 4}); break;
                    default: code.insert(code.end(), {kOpAttrItem, 2, r.below(3)}); break;
                }
                ++depth;
            }
        }
        Shape in[2];
        in[0].rank = static_cast<int32_t>(r.below(kMaxRank + 1));
        in[1].rank = static_cast<int32_t>(r.below(kMaxRank + 1));
        for (Shape& s : in) {
            for (int32_t a = 0; a < s.rank; ++a) s.dims[a] = r.below(4) == 0 ? INT64_MAX / 3 : r.below(50);
        }
        EvalEnv env{2, in, &fixture::kScale, &attrs};
        int64_t value = 0;
        Error err;
        const Status s = eval_expr(Expr{code.data(), static_cast<int32_t>(code.size())}, env, &value, &err);
        if (s == Status::kOk) {
            ++ok;
        } else if (s != Status::kExprError || err.message.empty()) {
            failure("eval_expr failed without kExprError and a message", Bytes(), err.message);
        }
    }
    std::printf("eval_expr: %ld programs, %ld evaluated\n", iterations, ok);
}

void fuzz_fields(Rng& r, long iterations) {
    static const char* names[] = {"alpha", "beta", "dims", "mode", "flag", "scales", "nope", ""};
    static const FieldType types[] = {FieldType::kFloat16, FieldType::kFloat32, FieldType::kFloat64, FieldType::kInt8,
                                      FieldType::kInt16, FieldType::kInt32, FieldType::kChar, FieldType::kInt64,
                                      static_cast<FieldType>(42)};
    static const size_t sizes[] = {2, 4, 8, 1, 2, 4, 1, 8, 1};
    long ok = 0;
    for (long i = 0; i < iterations; ++i) {
        AttrValues v;
        attrs_default(fixture::kScale, &v);
        const uint32_t t = r.below(sizeof types / sizeof types[0]);
        const int32_t length = static_cast<int32_t>(r.below(12));
        std::unique_ptr<unsigned char[]> data(new unsigned char[sizes[t] * static_cast<size_t>(length) + 1]);
        for (size_t k = 0; k < sizes[t] * static_cast<size_t>(length); ++k) {
            data[k] = static_cast<unsigned char>(r.below(3) == 0 ? r.next() : r.below(3));
        }
        Error err;
        const Status s = attrs_set_field(fixture::kScale, &v, names[r.below(8)], types[t], data.get(), length, &err);
        if (s == Status::kOk) {
            ++ok;
            Error verr;
            if (attrs_validate(fixture::kScale, v, &verr) != Status::kOk) failure("a set field fails validation", Bytes(), verr.message);
            const Bytes b = blob::serialize(fixture::kScale, v);
            AttrValues back;
            if (deserialize(fixture::kScale, b.data(), b.size(), &back, &verr) != Status::kOk || blob::serialize(fixture::kScale, back) != b) {
                failure("a set field does not round-trip", b, verr.message);
            }
        } else if (s != Status::kBadArgument || err.message.empty()) {
            failure("attrs_set_field failed without kBadArgument and a message", Bytes(), err.message);
        }
    }
    std::printf("attrs_set_field: %ld fields, %ld accepted\n", iterations, ok);
}

}  // namespace

int main(int argc, char** argv) {
    const long iterations = argc > 1 ? std::atol(argv[1]) : 200000;
    Rng r{argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20240601ull};
    fuzz_deserialize(r, iterations);
    fuzz_expressions(r, iterations / 5);
    fuzz_fields(r, iterations / 5);
    if (g_failures) {
        std::fprintf(stderr, "%d fuzz failures\n", g_failures);
        return 1;
    }
    std::printf("no failures\n");
    return 0;
}
