// A minimal test runner for the core's C++ tests: named test groups, CHECK macros that report
// the file, line and expression, and helpers shared by the tests and the fuzzer.
#pragma once

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "trtplug_core.h"

namespace testing {

struct Group {
    const char* name;
    void (*run)();
};

inline std::vector<Group>& groups() {
    static std::vector<Group> g;
    return g;
}

inline int& failures() {
    static int n = 0;
    return n;
}

struct Register {
    Register(const char* name, void (*run)()) { groups().push_back({name, run}); }
};

#define TEST_GROUP(name)                                  \
    static void name();                                   \
    static testing::Register register_##name(#name, name); \
    static void name()

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
            ++testing::failures();                                                          \
        }                                                                                   \
    } while (0)

#define CHECK_EQ(a, b)                                                                               \
    do {                                                                                             \
        const auto va = (a);                                                                         \
        const auto vb = (b);                                                                         \
        if (!(va == vb)) {                                                                           \
            std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__, __LINE__, #a, #b, \
                         static_cast<long long>(va), static_cast<long long>(vb));                   \
            ++testing::failures();                                                                   \
        }                                                                                            \
    } while (0)

// Checks that a call failed with `status` and that its message contains `fragment`.
#define CHECK_FAILS(call, err, want, fragment)                                                              \
    do {                                                                                                      \
        const trtplug::Status got_ = (call);                                                                  \
        if (got_ != (want) || (err).status != (want) ||                                                       \
            (err).message.find(fragment) == std::string::npos) {                                              \
            std::fprintf(stderr, "%s:%d: %s: expected status %d with message containing \"%s\", got %d: \"%s\"\n", \
                         __FILE__, __LINE__, #call, static_cast<int>(want), fragment, static_cast<int>(got_), \
                         (err).message.c_str());                                                              \
            ++testing::failures();                                                                            \
        }                                                                                                     \
    } while (0)

inline int run_main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--list") == 0) {
        for (const Group& g : groups()) std::printf("%s\n", g.name);
        return 0;
    }
    int ran = 0;
    for (const Group& g : groups()) {
        bool selected = argc <= 1;
        for (int i = 1; i < argc; ++i) selected = selected || std::strcmp(argv[i], g.name) == 0;
        if (!selected) continue;
        const int before = failures();
        g.run();
        ++ran;
        std::printf("%s %s\n", failures() == before ? "PASS" : "FAIL", g.name);
    }
    if (ran == 0) {
        std::fprintf(stderr, "no test group matched\n");
        return 2;
    }
    return failures() == 0 ? 0 : 1;
}

}  // namespace testing
