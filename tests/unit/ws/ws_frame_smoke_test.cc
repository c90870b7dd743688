// Deterministic fuzz smoke test of the WebSocket frame target (tests/fuzz/ws_frame_target.h),
// run in every build: valid streams of frames, as a client and as a server sends them, then
// 200,000 seeded mutations of them (bit flips, byte overwrites with length-field values,
// inserts, deletes, truncations, splices of other streams) through the target, which aborts
// on a broken invariant. The mutations must be seen to reach every verdict: whole messages,
// Close payloads good and bad, and failures with 1002 (header and sequence), 1007 and 1009.
// The libFuzzer build (tests/fuzz/ws_frame_libfuzzer.cc) explores further from the same seeds.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "apps/ws/frame.h"
#include "tests/fuzz/ws_frame_target.h"

using namespace slip::apps::ws;
using namespace slip::test;

namespace {

using Bytes = std::vector<uint8_t>;

// splitmix64: enough for picking mutations, and fixed by its seed.
class Mixer {
public:
    explicit Mixer(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    size_t below(size_t bound) { return static_cast<size_t>(next() % bound); }

private:
    uint64_t m_state;
};

// Setup byte (see ws_frame_target.h): who we are, the message limit, the largest piece.
uint8_t setup(bool client, unsigned limit_index, unsigned largest_piece) {
    return static_cast<uint8_t>((client ? 1 : 0) | (limit_index << 1) | ((largest_piece - 1) << 3));
}

struct StreamBuilder {
    bool client;  // true: frames as a server sends them (unmasked), read by a client
    Bytes bytes;
    uint8_t key_seed = 0x35;

    StreamBuilder& frame(bool fin, Opcode opcode, std::string_view payload) {
        uint8_t header[kMaxFrameHeader];
        const MaskKey key = {key_seed, static_cast<uint8_t>(key_seed * 3), 0xa5, static_cast<uint8_t>(~key_seed)};
        key_seed = static_cast<uint8_t>(key_seed + 0x4b);
        const size_t n = client ? write_frame_header(header, fin, opcode, payload.size())
                                : write_masked_frame_header(header, fin, opcode, payload.size(), key);
        bytes.insert(bytes.end(), header, header + n);
        Bytes body(payload.begin(), payload.end());
        if (!client) {
            mask(body, key, 0);
        }
        bytes.insert(bytes.end(), body.begin(), body.end());
        return *this;
    }
    StreamBuilder& raw(std::initializer_list<uint8_t> wire) {
        bytes.insert(bytes.end(), wire);
        return *this;
    }
};

StreamBuilder start(uint8_t setup_byte) {
    const bool client = (setup_byte & 1) != 0;
    return StreamBuilder{.client = client, .bytes = {setup_byte}};
}

// Streams that exercise each rule, read as a server and as a client, in large and small pieces.
std::vector<Bytes> seeds() {
    std::vector<Bytes> out;
    const std::string close_normal = std::string("\x03\xe8", 2) + "bye";
    const std::string kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
    for (const bool client : {false, true}) {
        const uint8_t roomy = setup(client, 3, 32);
        out.push_back(start(roomy).frame(true, Opcode::text, "Hello").bytes);
        out.push_back(start(setup(client, 1, 5))
                          .frame(false, Opcode::text, kosme.substr(0, 3))
                          .frame(true, Opcode::ping, "ping")
                          .frame(false, Opcode::continuation, kosme.substr(3, 4))
                          .frame(true, Opcode::pong, "")
                          .frame(true, Opcode::continuation, kosme.substr(7))
                          .frame(true, Opcode::close, close_normal)
                          .bytes);
        out.push_back(start(setup(client, 2, 17))
                          .frame(true, Opcode::binary, std::string(300, '\x9c'))
                          .frame(false, Opcode::text, "\xf0\x9f")
                          .frame(false, Opcode::continuation, "\x98")
                          .frame(true, Opcode::continuation, "\x80!")
                          .frame(true, Opcode::close, "")
                          .bytes);
        out.push_back(start(setup(client, 0, 1))
                          .frame(true, Opcode::binary, std::string(100, 'b'))
                          .frame(true, Opcode::binary, std::string(126, 'c'))
                          .bytes);
        out.push_back(start(setup(client, 3, 9))
                          .frame(true, Opcode::text, "ok \xed\xa0\x80 not")
                          .frame(true, Opcode::close, std::string("\x03\xed", 2))
                          .bytes);
        out.push_back(start(setup(client, 3, 4))
                          .frame(true, Opcode::close, std::string("\x03\xe8\xff", 3))
                          .frame(true, Opcode::close, "\x03")
                          .frame(false, Opcode::text, "cut \xe2\x82")
                          .frame(true, Opcode::continuation, "")
                          .bytes);
        out.push_back(start(setup(client, 2, 12)).frame(true, Opcode::binary, std::string(65536, 'z')).bytes);
        out.back().resize(80);  // the 64-bit length form, the payload cut short
    }
    // Lengths in longer forms than needed, for a server: masked, 5 bytes in 16 and in 64 bits.
    out.push_back(start(setup(false, 3, 3))
                      .raw({0x81, 0xfe, 0x00, 0x05, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 'e'})
                      .raw({0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x02, 1, 2, 3, 4, 9, 9})
                      .bytes);
    return out;
}

// One random change: the setup byte is data like any other.
void mutate(Bytes& input, const std::vector<Bytes>& all, Mixer& mixer) {
    static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x88, 0x89, 0x8a, 0xc0, 0xff};
    const size_t at = input.empty() ? 0 : mixer.below(input.size());
    switch (input.empty() ? 2 : mixer.below(6)) {
    case 0:
        input[at] ^= static_cast<uint8_t>(1u << mixer.below(8));
        break;
    case 1:
        input[at] = mixer.below(2) == 0 ? kInteresting[mixer.below(std::size(kInteresting))]
                                        : static_cast<uint8_t>(mixer.next());
        break;
    case 2: {
        const size_t count = 1 + mixer.below(8);
        for (size_t i = 0; i < count; ++i) {
            input.insert(input.begin() + static_cast<long>(at), static_cast<uint8_t>(mixer.next()));
        }
        break;
    }
    case 3:
        input.erase(input.begin() + static_cast<long>(at),
                    input.begin() + static_cast<long>(std::min(input.size(), at + 1 + mixer.below(8))));
        break;
    case 4:
        input.resize(at + 1);
        break;
    default: {
        const Bytes& other = all[mixer.below(all.size())];
        const size_t from = mixer.below(other.size());
        const size_t length = std::min(other.size() - from, 1 + mixer.below(24));
        input.insert(input.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
                     other.begin() + static_cast<long>(from + length));
        break;
    }
    }
}

struct Tally {
    uint64_t messages = 0, text_messages = 0, controls = 0, close_codes = 0, close_bad = 0;
    uint64_t header_1002 = 0, sequence_1002 = 0, invalid_1007 = 0, too_big_1009 = 0, clean = 0;

    void add(const WsFrameReach& reach) {
        messages += reach.messages;
        text_messages += reach.text_messages;
        controls += reach.control_frames;
        close_codes += reach.close_with_code;
        close_bad += reach.close_payload_bad;
        if (reach.failure == 0) {
            ++clean;
        } else if (reach.failure == 1002) {
            ++(reach.failed_in_header ? header_1002 : sequence_1002);
        } else if (reach.failure == 1007) {
            ++invalid_1007;
        } else if (reach.failure == 1009) {
            ++too_big_1009;
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ws_frame_smoke)

// The seeds as built: every frame accepted up to the failures they were built to show.
BOOST_AUTO_TEST_CASE(seeds_run) {
    const std::vector<Bytes> all = seeds();
    const WsFrameReach hello = ws_frame_run(all[0].data(), all[0].size());
    BOOST_TEST(hello.messages == 1u);
    BOOST_TEST(hello.failure == 0);
    const WsFrameReach fragments = ws_frame_run(all[1].data(), all[1].size());
    BOOST_TEST(fragments.text_messages == 1u);
    BOOST_TEST(fragments.control_frames == 3u);
    BOOST_TEST(fragments.close_with_code == 1u);
    BOOST_TEST(fragments.failure == 0);
    BOOST_TEST(ws_frame_run(all[2].data(), all[2].size()).messages == 2u);
    BOOST_TEST(ws_frame_run(all[3].data(), all[3].size()).failure == 1009);
    BOOST_TEST(ws_frame_run(all[4].data(), all[4].size()).failure == 1007);
    const WsFrameReach close_bad = ws_frame_run(all[5].data(), all[5].size());
    BOOST_TEST(close_bad.close_payload_bad);
    BOOST_TEST(close_bad.failure == 1007);
    BOOST_TEST(ws_frame_run(all.back().data(), all.back().size()).messages == 2u);
    for (const Bytes& seed : all) {
        ws_frame_fuzz_one(seed.data(), seed.size());
    }
    BOOST_TEST(ws_frame_fuzz_one(nullptr, 0) == 0);
}

BOOST_AUTO_TEST_CASE(mutations) {
    const std::vector<Bytes> all = seeds();
    Mixer mixer(0x5eed'0000'6455ULL);
    Tally tally;
    constexpr int kRuns = 200'000;
    for (int run = 0; run < kRuns; ++run) {
        Bytes input = all[mixer.below(all.size())];
        const size_t changes = 1 + mixer.below(4);
        for (size_t i = 0; i < changes; ++i) {
            mutate(input, all, mixer);
        }
        tally.add(ws_frame_run(input.data(), input.size()));
    }
    BOOST_TEST_MESSAGE("ws_frame_smoke: " << kRuns << " mutations: " << tally.clean << " clean, "
                       << tally.header_1002 << " header 1002, " << tally.sequence_1002 << " sequence 1002, "
                       << tally.invalid_1007 << " 1007, " << tally.too_big_1009 << " 1009; " << tally.messages
                       << " messages (" << tally.text_messages << " text), " << tally.controls << " control frames, "
                       << tally.close_codes << " Close codes, " << tally.close_bad << " bad Close payloads");
    BOOST_TEST(tally.clean > 1000u);
    BOOST_TEST(tally.header_1002 > 1000u);
    BOOST_TEST(tally.sequence_1002 > 100u);
    BOOST_TEST(tally.invalid_1007 > 100u);
    BOOST_TEST(tally.too_big_1009 > 100u);
    BOOST_TEST(tally.text_messages > 1000u);
    BOOST_TEST(tally.close_codes > 100u);
    BOOST_TEST(tally.close_bad > 100u);
}

BOOST_AUTO_TEST_SUITE_END()
