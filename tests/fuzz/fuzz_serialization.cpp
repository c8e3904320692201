// libFuzzer target: deserialize() of the core on arbitrary bytes.
//
// Input: byte 0 picks the plugin (bits 0-1: TestScale, TestNeeds, TestRules) and whether the
// header's length and CRC-32 are recomputed before parsing (bit 2), so that mutations reach the
// body parser instead of stopping at the checksum; the rest is the blob.
// Checks (those of tests/native/fuzz_core.cpp): an accepted blob passes attrs_validate and
// re-serializes to the very same bytes; a rejected one fails with kBadSerialization and a message
// and leaves the output untouched. The blob is an exactly-sized heap copy, so any read past its
// end is caught by AddressSanitizer.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "blob_util.h"
#include "fixture_plugins.h"
#include "fuzz_input.h"

using namespace trtplug;

FUZZ_FINDING_IMPL

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const PluginDesc* const plugins[] = {&fixture::kScale, &fixture::kNeeds, &fixture::kRules, &fixture::kScale};
    const PluginDesc& desc = *plugins[data[0] & 3];
    blob::Bytes input(data + 1, data + size);
    if (data[0] & 4) blob::fix_header(input);

    std::unique_ptr<unsigned char[]> copy(new unsigned char[input.size()]);
    if (!input.empty()) std::memcpy(copy.get(), input.data(), input.size());
    AttrValues out(1);
    out[0].text = "sentinel";
    Error err;
    const Status s = deserialize(desc, copy.get(), input.size(), &out, &err);
    if (s == Status::kOk) {
        Error verr;
        FUZZ_CHECK(attrs_validate(desc, out, &verr) == Status::kOk, "accepted values fail attrs_validate:",
                   verr.message.c_str());
        FUZZ_CHECK(blob::serialize(desc, out) == input, "accepted blob does not re-serialize to the same bytes", "");
        FUZZ_CHECK(err.status == Status::kOk && err.message.empty(), "success leaves an error message:",
                   err.message.c_str());
        return 0;
    }
    FUZZ_CHECK(s == Status::kBadSerialization, "rejection with another status than kBadSerialization:",
               err.message.c_str());
    FUZZ_CHECK(err.status == s && !err.message.empty(), "rejection without a message", "");
    FUZZ_CHECK(out.size() == 1 && out[0].text == "sentinel", "a rejected blob changed the output:", err.message.c_str());
    return 0;
}
