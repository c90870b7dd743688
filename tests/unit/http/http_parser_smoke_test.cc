// The HTTP parser's fuzz target run deterministically in every build: the sample requests
// as they are (under every limits setting and several piece sizes), then 200,000 seeded
// mutations of them (bit flips, byte overwrites, inserts of protocol fragments, deletes,
// duplicated ranges, splices of two samples). An invariant the target checks (split
// independence of the scanner and the decoder, views inside their input, agreement of the
// scanner and the parser on accepted heads) aborts; the test then checks that the mutations
// reached every outcome, so the run is known to exercise each path.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/http_parser_target.h"

using namespace slip::apps::http;
using namespace slip::test;

namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kMutations = 200'000;

// xorshift64*: the same sequence on every platform and standard library.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return m_state * 0x2545f4914f6cdd1dull;
    }
    size_t below(size_t n) { return n == 0 ? 0 : size_t(next() % n); }

private:
    uint64_t m_state;
};

// What a mutation inserts or writes: the bytes and fragments the parsers decide on.
constexpr std::string_view kFragments[] = {
    "\r\n", "\r", "\n", " ", "\t", ":", ";", ",", "=", "\"", "0", "1", "9", "f", "F", "@", "/",
    std::string_view("\0", 1), "\x7f", "\x80", "\xff", "\r\n\r\n", "\r\n ", "HTTP/1.1", "HTTP/2.0", "chunked",
    "Host: h\r\n", "Content-Length: 5\r\n", "Content-Length: 6\r\n", "Transfer-Encoding: chunked\r\n",
    "Transfer-Encoding: gzip\r\n", "Connection: close, upgrade\r\n", "Upgrade: websocket\r\n",
    "Expect: 100-continue\r\n", "5\r\nhello\r\n", "0\r\n\r\n", ";ext=1", "X-T: v\r\n", "ffffffffffffffff",
};

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

void mutate_once(Bytes& in, const std::vector<Bytes>& corpus, Rng& rng) {
    const std::string_view fragment = kFragments[rng.below(std::size(kFragments))];
    const size_t pos = rng.below(in.size() + 1);
    switch (rng.below(6)) {
        case 0:
            if (!in.empty()) {
                in[pos % in.size()] ^= uint8_t(1u << rng.below(8));
            }
            break;
        case 1:
            if (!in.empty()) {
                in[pos % in.size()] = rng.below(4) == 0 ? uint8_t(rng.next()) : uint8_t(fragment[0]);
            }
            break;
        case 2:
            in.insert(in.begin() + long(pos), fragment.begin(), fragment.end());
            break;
        case 3: {
            const size_t len = std::min(in.size() - pos, 1 + rng.below(16));
            in.erase(in.begin() + long(pos), in.begin() + long(pos + len));
            break;
        }
        case 4: {
            if (in.empty()) {
                break;
            }
            const size_t from = rng.below(in.size());
            const size_t len = std::min(in.size() - from, 1 + rng.below(32));
            const Bytes range(in.begin() + long(from), in.begin() + long(from + len));
            in.insert(in.begin() + long(pos), range.begin(), range.end());
            break;
        }
        default: {
            // A splice: this input up to pos, then another sample from some point on.
            const Bytes& other = corpus[rng.below(corpus.size())];
            const size_t from = rng.below(other.size() + 1);
            in.resize(pos);
            in.insert(in.end(), other.begin() + long(from), other.end());
            break;
        }
    }
}

// Counts of each outcome, keyed by a name and a status.
struct Tally {
    std::map<std::string, size_t> counts;
    void add(const HttpFuzzOutcome& o) {
        ++counts["scan/" + std::to_string(int(o.scan)) + "/" + std::to_string(o.scan_status)];
        if (o.head_parsed) {
            ++counts["head/" + std::to_string(status_code(o.head))];
        }
        ++counts["chunk/" + std::to_string(int(o.chunk)) + "/" + std::to_string(o.chunk_status)];
        if (o.chunk_data_bytes > 0) {
            ++counts["chunk/data"];
        }
    }
    size_t operator[](const std::string& key) const {
        const auto it = counts.find(key);
        return it == counts.end() ? 0 : it->second;
    }
};

HttpFuzzOutcome run(uint8_t piece_byte, uint8_t limits_byte, const Bytes& request) {
    Bytes input{piece_byte, limits_byte};
    input.insert(input.end(), request.begin(), request.end());
    return http_parser_fuzz_run(input.data(), input.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_parser_smoke)

BOOST_AUTO_TEST_CASE(samples_as_they_are) {
    for (std::string_view sample : http_samples::kAll) {
        for (uint8_t limits_byte = 0; limits_byte < 8; ++limits_byte) {
            for (uint8_t piece_byte : {0, 1, 2, 7, 63, 200, 255}) {
                run(piece_byte, limits_byte, to_bytes(sample));
            }
        }
    }
    // With the default limits every real request is accepted, and the refused seeds are
    // refused for their reason.
    Tally tally;
    for (std::string_view sample : http_samples::kAll) {
        tally.add(run(0, 0, to_bytes(sample)));
    }
    BOOST_TEST(tally["head/0"] == http_samples::kAll.size() - 2);
    BOOST_TEST(tally["head/501"] == 1u);
    BOOST_TEST(tally["head/505"] == 1u);
    BOOST_TEST((run(5, 0, to_bytes(http_samples::kChunkedTrailers)).chunk == ChunkState::done));
    // Too short for the control bytes: nothing runs.
    BOOST_TEST(http_parser_fuzz_one(nullptr, 0) == 0);
    const uint8_t one = 'G';
    BOOST_TEST(http_parser_fuzz_one(&one, 1) == 0);
}

BOOST_AUTO_TEST_CASE(seeded_mutations) {
    std::vector<Bytes> corpus;
    for (std::string_view sample : http_samples::kAll) {
        corpus.push_back(to_bytes(sample));
    }
    Rng rng(0x5eed'4177'9112ull);
    Tally tally;
    for (size_t i = 0; i < kMutations; ++i) {
        Bytes request = corpus[rng.below(corpus.size())];
        const size_t mutations = 1 + rng.below(4);
        for (size_t m = 0; m < mutations; ++m) {
            mutate_once(request, corpus, rng);
        }
        // Mostly the default limits, so mutations reach deep into accepted heads.
        const uint8_t limits_byte = rng.below(4) == 0 ? uint8_t(rng.below(8)) : 0;
        tally.add(run(uint8_t(rng.next()), limits_byte, request));
    }
    for (const auto& [key, count] : tally.counts) {
        BOOST_TEST_MESSAGE(key << ": " << count);
    }
    // Every outcome was reached (ScanState and ChunkState by their numeric value).
    for (const char* key : {"scan/0/0", "scan/1/0", "scan/2/400", "scan/2/431", "head/0", "head/400", "head/414",
                            "head/431", "head/501", "head/505", "chunk/0/0", "chunk/1/0", "chunk/2/400",
                            "chunk/2/413", "chunk/data"}) {
        BOOST_TEST(tally[key] > 0u, "outcome never reached: " << key);
    }
    // A fair share of mutated requests still parse.
    BOOST_TEST(tally["head/0"] > kMutations / 10);
}

BOOST_AUTO_TEST_SUITE_END()
