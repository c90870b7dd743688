// The QUIC wire fuzz target (tests/fuzz/quic_wire_target.h) run deterministically: every
// seed of the corpus in tests/fuzz/corpus/quic_wire as is, then mutated (bytes flipped,
// cut, duplicated) from a fixed seed. An invariant broken aborts the suite; the coverage
// checks say the seeds still reach every part of the parsers.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "tests/fuzz/quic_wire_target.h"

namespace {

using Bytes = std::vector<uint8_t>;

std::vector<Bytes> corpus() {
    const char* dir = std::getenv("SLIP_QUIC_CORPUS");
    std::vector<Bytes> seeds;
    if (dir == nullptr) {
        return seeds;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return seeds;
}

Bytes mutate(const Bytes& seed, std::mt19937& rng) {
    Bytes b = seed;
    const int edits = 1 + int(rng() % 4);
    for (int i = 0; i < edits && b.size() > 1; ++i) {
        const size_t at = 1 + rng() % (b.size() - 1);  // the selector byte stays
        switch (rng() % 4) {
        case 0: b[at] = uint8_t(rng()); break;
        case 1: b[at] ^= uint8_t(1u << (rng() % 8)); break;
        case 2: b.resize(at); break;
        default: b.insert(b.begin() + long(at), b.begin() + long(at), b.begin() + long(std::min(b.size(), at + 8))); break;
        }
    }
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quic_wire_smoke)

BOOST_AUTO_TEST_CASE(seeds_and_their_mutations_keep_every_invariant) {
    const std::vector<Bytes> seeds = corpus();
    BOOST_REQUIRE_MESSAGE(seeds.size() >= 9u, "the corpus (SLIP_QUIC_CORPUS) is missing");
    slip::test::QuicWireReach total;
    const auto add = [&](const Bytes& b) {
        const slip::test::QuicWireReach r = slip::test::quic_wire_run(b.data(), b.size());
        total.packets += r.packets;
        total.frames += r.frames;
        total.ack_ranges += r.ack_ranges;
        total.frame_errors += r.frame_errors;
        total.params_decoded += r.params_decoded;
        total.params_refused += r.params_refused;
    };
    std::mt19937 rng(2026);
    for (const Bytes& seed : seeds) {
        add(seed);
        for (int i = 0; i < 3000; ++i) {
            add(mutate(seed, rng));
        }
    }
    BOOST_TEST(total.packets > 1000u);
    BOOST_TEST(total.frames > 10000u);
    BOOST_TEST(total.ack_ranges > 1000u);
    BOOST_TEST(total.frame_errors > 100u);
    BOOST_TEST(total.params_decoded > 100u);
    BOOST_TEST(total.params_refused > 100u);
}

BOOST_AUTO_TEST_SUITE_END()
