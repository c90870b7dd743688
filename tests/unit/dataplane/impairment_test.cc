#include "dataplane/impairment.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <map>
#include <set>
#include <vector>

#include "stack/base/byte_order.h"
#include "tests/support/frames.h"
#include "tests/support/print.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::dataplane;
using namespace slip::stack;
using namespace slip::test;

namespace {

// A 64-byte frame whose first 4 bytes number it; the rest is a fixed pattern.
Bytes frame_bytes(uint32_t seq) {
    Bytes b(64);
    for (size_t i = 0; i < b.size(); ++i) {
        b[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    store_be32(b.data(), seq);
    return b;
}
Mbuf* frame(uint32_t seq) { return make_mbuf(frame_bytes(seq)); }
uint32_t seq_of(const Mbuf* m) { return load_be32(buf::data(m)); }

ImpairmentOptions parse_ok(const std::string& spec) {
    std::string error;
    const auto o = ImpairmentOptions::parse(spec, error);
    BOOST_REQUIRE_MESSAGE(o.has_value(), spec << ": " << error);
    return *o;
}

// Feeds packets numbered first.. one batch at `now`; returns what came out (caller frees).
std::vector<Mbuf*> feed(Impairment& imp, uint32_t first, uint32_t count, Instant now) {
    std::vector<Mbuf*> in;
    for (uint32_t i = 0; i < count; ++i) {
        in.push_back(frame(first + i));
    }
    std::vector<Mbuf*> out(2 * count);
    const uint32_t n = imp.process(in, now, out);
    out.resize(n);
    return out;
}

std::vector<Mbuf*> release_all(Impairment& imp, Instant now) {
    std::vector<Mbuf*> out(imp.held());
    out.resize(imp.release(now, out));
    return out;
}

void free_all(const std::vector<Mbuf*>& ms) {
    for (Mbuf* m : ms) {
        buf::free(m);
    }
}

std::vector<uint32_t> seqs(const std::vector<Mbuf*>& ms) {
    std::vector<uint32_t> s;
    for (const Mbuf* m : ms) {
        s.push_back(seq_of(m));
    }
    return s;
}

// RFC-less bookkeeping identity: every packet in is lost, refused, out or still held,
// counting each duplicate as one more packet in.
void check_stats(const Impairment& imp) {
    const ImpairmentStats& s = imp.stats();
    BOOST_TEST(s.packets_in + s.duplicated == s.lost + s.overflow + s.packets_out + imp.held());
}

// Which of `count` numbered packets survive a loss-only impairment.
std::vector<bool> survivors(const ImpairmentOptions& o, uint32_t count) {
    Impairment imp(o, pool());
    std::vector<bool> alive(count, false);
    for (uint32_t first = 0; first < count; first += 32) {
        const auto out = feed(imp, first, 32, Instant{1});
        for (const Mbuf* m : out) {
            alive[seq_of(m)] = true;
        }
        free_all(out);
    }
    return alive;
}

constexpr Instant kT0{1'000'000'000};

}  // namespace

BOOST_AUTO_TEST_SUITE(impairment)

BOOST_AUTO_TEST_CASE(parse_full_spec) {
    const auto o = parse_ok("loss=10%,delay=5ms,jitter=1ms,reorder=1%,duplicate=0.5%,corrupt=0.1%,seed=7");
    BOOST_TEST(o.loss == 0.10, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(o.reorder == 0.01, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(o.duplicate == 0.005, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(o.corrupt == 0.001, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(o.delay.ns == 5'000'000);
    BOOST_TEST(o.jitter.ns == 1'000'000);
    BOOST_TEST(o.seed == 7u);
    BOOST_TEST(o.enabled());
}

BOOST_AUTO_TEST_CASE(parse_other_forms) {
    BOOST_TEST(parse_ok("loss=0.25").loss == 0.25);  // a fraction
    BOOST_TEST(parse_ok("loss=100%").loss == 1.0);
    BOOST_TEST(parse_ok("loss=0%").loss == 0.0);
    BOOST_TEST(parse_ok("dup=50%").duplicate == 0.5);
    BOOST_TEST(parse_ok("delay=200us").delay.ns == 200'000);
    BOOST_TEST(parse_ok("delay=1s").delay.ns == 1'000'000'000);
    BOOST_TEST(parse_ok("delay=750ns").delay.ns == 750);
    BOOST_TEST(parse_ok("delay=1.5ms").delay.ns == 1'500'000);
    BOOST_TEST(parse_ok("reorder-gap=3ms").reorder_gap.ns == 3'000'000);
    BOOST_TEST(parse_ok("gap=2us").reorder_gap.ns == 2'000);
    BOOST_TEST(parse_ok("limit=10").limit == 10u);
    BOOST_TEST(parse_ok("seed=18446744073709551615").seed == UINT64_MAX);
    BOOST_TEST(parse_ok("loss=1%,,delay=1ms").delay.ns == 1'000'000);  // empty items skipped
    const auto none = parse_ok("");
    BOOST_TEST(!none.enabled());
    BOOST_TEST(none.to_string() == "none");
    BOOST_TEST(!parse_ok("seed=9,limit=5").enabled());
}

BOOST_AUTO_TEST_CASE(parse_rejects) {
    for (const char* spec : {
             "lose=10%",          // unknown key
             "delay",             // no value
             "loss",
             "loss=",
             "loss=abc",
             "loss=10%%",
             "loss=10 %",
             "loss=101%",         // more than 100%
             "loss=100.5%",
             "loss=1.5",
             "loss=-1%",
             "loss=nan",
             "loss=inf",
             "duplicate=200%",
             "corrupt=2",
             "reorder=-0.1",
             "delay=5",           // no unit
             "delay=5m",
             "delay=ms",
             "delay=-1ms",
             "delay=nanms",
             "jitter=1h",
             "gap=0ms",           // a zero gap would not reorder anything
             "seed=",
             "seed=7x",
             "limit=0",
             "limit=4194305",
             "limit=-1",
             "limit=ten",
             "loss=10%,bogus=1",  // a good item does not excuse a bad one
             "LOSS=10%",
         }) {
        std::string error;
        const auto o = ImpairmentOptions::parse(spec, error);
        BOOST_TEST(!o.has_value(), spec);
        BOOST_TEST(!error.empty(), spec);
    }
}

BOOST_AUTO_TEST_CASE(validate) {
    ImpairmentOptions o;
    BOOST_TEST(o.validate().empty());
    o.loss = 1.01;
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.jitter = Duration::nanoseconds(-1);
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.limit = 0;
    BOOST_TEST(!o.validate().empty());
}

BOOST_FIXTURE_TEST_CASE(disabled_passes_everything_in_order, LeakCheck) {
    Impairment imp(ImpairmentOptions{}, pool());
    BOOST_TEST(!imp.enabled());
    std::vector<uint32_t> got;
    for (uint32_t first = 0; first < 256; first += 32) {
        const auto out = feed(imp, first, 32, kT0);
        BOOST_REQUIRE(out.size() == 32u);
        const auto s = seqs(out);
        got.insert(got.end(), s.begin(), s.end());
        free_all(out);
    }
    for (uint32_t i = 0; i < 256; ++i) {
        BOOST_TEST(got[i] == i);
    }
    BOOST_TEST(imp.held() == 0u);
    BOOST_TEST(imp.next_release() == Instant::never());
    BOOST_TEST(imp.stats().packets_in == 256u);
    BOOST_TEST(imp.stats().packets_out == 256u);
    check_stats(imp);
}

BOOST_FIXTURE_TEST_CASE(loss_rate, LeakCheck) {
    const auto alive = survivors(parse_ok("loss=10%,seed=3"), 100'000);
    size_t lost = 0;
    for (bool a : alive) {
        lost += a ? 0 : 1;
    }
    const double rate = double(lost) / 100'000;
    BOOST_TEST(rate > 0.09);
    BOOST_TEST(rate < 0.11);
}

BOOST_FIXTURE_TEST_CASE(loss_stats, LeakCheck) {
    Impairment imp(parse_ok("loss=30%"), pool());
    for (uint32_t first = 0; first < 3200; first += 32) {
        free_all(feed(imp, first, 32, kT0));
    }
    const ImpairmentStats& s = imp.stats();
    BOOST_TEST(s.packets_in == 3200u);
    BOOST_TEST(s.lost + s.packets_out == 3200u);
    BOOST_TEST(s.lost > 0u);
    check_stats(imp);
}

BOOST_FIXTURE_TEST_CASE(loss_extremes, LeakCheck) {
    const auto none = survivors(parse_ok("loss=0%,corrupt=0%,delay=0ms"), 1000);  // enabled() false
    BOOST_TEST(std::count(none.begin(), none.end(), true) == 1000);
    const auto all = survivors(parse_ok("loss=100%"), 1000);
    BOOST_TEST(std::count(all.begin(), all.end(), true) == 0);
}

BOOST_FIXTURE_TEST_CASE(seed_determines_the_pattern, LeakCheck) {
    const auto a = survivors(parse_ok("loss=20%,seed=42"), 2000);
    const auto b = survivors(parse_ok("loss=20%,seed=42"), 2000);
    const auto c = survivors(parse_ok("loss=20%,seed=43"), 2000);
    BOOST_TEST((a == b));
    BOOST_TEST((a != c));
}

BOOST_FIXTURE_TEST_CASE(delay_holds_until_due, LeakCheck) {
    Impairment imp(parse_ok("delay=5ms"), pool());
    const auto now_out = feed(imp, 0, 20, kT0);
    BOOST_TEST(now_out.empty());
    BOOST_TEST(imp.held() == 20u);
    const Instant due = kT0 + Duration::milliseconds(5);
    BOOST_TEST(imp.next_release() == due);
    // A packet arriving later is due later.
    const auto later = feed(imp, 20, 1, kT0 + Duration::milliseconds(1));
    BOOST_TEST(later.empty());

    BOOST_TEST(release_all(imp, due + Duration::nanoseconds(-1)).empty());
    const auto out = release_all(imp, due);
    BOOST_REQUIRE(out.size() == 20u);
    for (uint32_t i = 0; i < 20; ++i) {
        BOOST_TEST(seq_of(out[i]) == i);
    }
    free_all(out);
    BOOST_TEST(imp.next_release() == kT0 + Duration::milliseconds(6));
    const auto last = release_all(imp, kT0 + Duration::milliseconds(6));
    BOOST_REQUIRE(last.size() == 1u);
    BOOST_TEST(seq_of(last[0]) == 20u);
    free_all(last);
    BOOST_TEST(imp.held() == 0u);
    BOOST_TEST(imp.stats().delayed == 21u);
    check_stats(imp);
}

BOOST_FIXTURE_TEST_CASE(release_respects_the_output_size, LeakCheck) {
    Impairment imp(parse_ok("delay=1ms"), pool());
    free_all(feed(imp, 0, 10, kT0));
    std::array<Mbuf*, 4> out{};
    const Instant t = kT0 + Duration::milliseconds(1);
    uint32_t next = 0;
    for (uint32_t expect : {4u, 4u, 2u, 0u}) {
        const uint32_t n = imp.release(t, out);
        BOOST_TEST(n == expect);
        for (uint32_t i = 0; i < n; ++i) {
            BOOST_TEST(seq_of(out[i]) == next++);
            buf::free(out[i]);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(jitter_stays_within_bounds, LeakCheck) {
    // Every packet leaves between delay - jitter and delay + jitter after it arrived.
    const Duration delay = Duration::milliseconds(5);
    const Duration jitter = Duration::milliseconds(1);
    Impairment imp(parse_ok("delay=5ms,jitter=1ms,seed=11"), pool());
    std::map<uint32_t, Instant> arrived;
    std::vector<std::pair<uint32_t, Instant>> left;
    Instant now = kT0;
    uint32_t seq = 0;
    auto collect = [&](const std::vector<Mbuf*>& out) {
        for (Mbuf* m : out) {
            left.emplace_back(seq_of(m), now);
        }
        free_all(out);
    };
    for (int i = 0; i < 500; ++i) {
        // Jump to each release time exactly, so "left at" is the packet's due time.
        while (imp.next_release() <= now) {
            collect(release_all(imp, now));
        }
        arrived[seq] = now;
        collect(feed(imp, seq, 1, now));
        ++seq;
        const Instant next_arrival = now + Duration::microseconds(37);
        while (imp.next_release() < next_arrival) {
            now = imp.next_release();
            collect(release_all(imp, now));
        }
        now = next_arrival;
    }
    while (imp.held() > 0) {
        now = imp.next_release();
        collect(release_all(imp, now));
    }
    BOOST_REQUIRE(left.size() == 500u);
    Duration lo = Duration::seconds(1);
    Duration hi{};
    for (const auto& [s, t] : left) {
        const Duration waited = t - arrived.at(s);
        BOOST_TEST(waited.ns >= delay.ns - jitter.ns, "packet " << s << " waited " << waited.ns);
        BOOST_TEST(waited.ns <= delay.ns + jitter.ns, "packet " << s << " waited " << waited.ns);
        lo = std::min(lo, waited);
        hi = std::max(hi, waited);
    }
    // And the jitter is really there: the spread covers most of the window.
    BOOST_TEST((hi.ns - lo.ns) > jitter.ns);
    BOOST_TEST(imp.stats().packets_out == 500u);
}

BOOST_FIXTURE_TEST_CASE(reorder_produces_inversions, LeakCheck) {
    Impairment imp(parse_ok("reorder=50%,seed=5"), pool());
    std::vector<uint32_t> order;
    Instant now = kT0;
    for (uint32_t seq = 0; seq < 200; ++seq) {
        const auto out = feed(imp, seq, 1, now);
        const auto s = seqs(out);
        order.insert(order.end(), s.begin(), s.end());
        free_all(out);
        now = now + Duration::microseconds(100);  // reorder_gap (1 ms) spans 10 arrivals
        const auto due = release_all(imp, now);
        const auto d = seqs(due);
        order.insert(order.end(), d.begin(), d.end());
        free_all(due);
    }
    const auto rest = release_all(imp, now + Duration::seconds(1));
    const auto r = seqs(rest);
    order.insert(order.end(), r.begin(), r.end());
    free_all(rest);

    BOOST_REQUIRE(order.size() == 200u);
    BOOST_TEST(std::set<uint32_t>(order.begin(), order.end()).size() == 200u);  // each exactly once
    size_t inversions = 0;
    for (size_t i = 1; i < order.size(); ++i) {
        inversions += order[i] < order[i - 1] ? 1 : 0;
    }
    BOOST_TEST(inversions >= 1u);
    BOOST_TEST(imp.stats().reordered > 50u);
    BOOST_TEST(imp.stats().reordered < 150u);
    check_stats(imp);
}

BOOST_FIXTURE_TEST_CASE(duplicate_makes_independent_copies, LeakCheck) {
    Impairment imp(parse_ok("duplicate=100%"), pool());
    const auto out = feed(imp, 0, 16, kT0);
    BOOST_REQUIRE(out.size() == 32u);
    BOOST_TEST(std::set<Mbuf*>(out.begin(), out.end()).size() == 32u);  // distinct buffers
    std::map<uint32_t, std::vector<Mbuf*>> by_seq;
    for (Mbuf* m : out) {
        by_seq[seq_of(m)].push_back(m);
    }
    BOOST_REQUIRE(by_seq.size() == 16u);
    for (auto& [seq, copies] : by_seq) {
        BOOST_REQUIRE(copies.size() == 2u);
        BOOST_TEST(bytes_of(copies[0]) == frame_bytes(seq));
        BOOST_TEST(bytes_of(copies[1]) == frame_bytes(seq));
        // Not sharing data: writing one leaves the other alone.
        BOOST_TEST((buf::data(copies[0]) != buf::data(copies[1])));
        buf::data(copies[0])[10] ^= 0xff;
        BOOST_TEST(bytes_of(copies[1]) == frame_bytes(seq));
    }
    BOOST_TEST(imp.stats().duplicated == 16u);
    BOOST_TEST(imp.stats().packets_out == 32u);
    check_stats(imp);
    free_all(out);
}

BOOST_FIXTURE_TEST_CASE(corrupt_flips_exactly_one_bit, LeakCheck) {
    Impairment imp(parse_ok("corrupt=100%,seed=9"), pool());
    std::set<size_t> bytes_hit;
    for (uint32_t first = 0; first < 512; first += 32) {
        const auto out = feed(imp, first, 32, kT0);
        BOOST_REQUIRE(out.size() == 32u);
        for (size_t i = 0; i < out.size(); ++i) {
            const Bytes got = bytes_of(out[i]);
            // The corrupted frame may have its number hit too: compare with the original
            // by position in the (in-order) output.
            const Bytes want = frame_bytes(first + uint32_t(i));
            BOOST_REQUIRE(got.size() == want.size());
            int flipped = 0;
            for (size_t k = 0; k < got.size(); ++k) {
                const int bits = std::popcount(static_cast<unsigned>(got[k] ^ want[k]));
                flipped += bits;
                if (bits != 0) {
                    bytes_hit.insert(k);
                }
            }
            BOOST_TEST(flipped == 1, "packet " << first + i);
        }
        free_all(out);
    }
    BOOST_TEST(imp.stats().corrupted == 512u);
    BOOST_TEST(bytes_hit.size() > 32u);  // spread over the frame, not always one place
}

BOOST_FIXTURE_TEST_CASE(corrupt_clears_checksum_offload_flags, LeakCheck) {
    // The NIC's "checksum good" no longer holds for a corrupted frame.
    Impairment imp(parse_ok("corrupt=100%"), pool());
    Mbuf* m = frame(1);
    m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    std::array<Mbuf*, 1> in{m};
    std::array<Mbuf*, 2> out{};
    BOOST_REQUIRE(imp.process(in, kT0, out) == 1u);
    BOOST_TEST(!buf::ip_checksum_verified(out[0]));
    BOOST_TEST(!buf::l4_checksum_verified(out[0]));
    buf::free(out[0]);
}

BOOST_FIXTURE_TEST_CASE(limit_overflow_is_counted, LeakCheck) {
    Impairment imp(parse_ok("delay=1ms,limit=10"), pool());
    const auto out = feed(imp, 0, 15, kT0);
    BOOST_TEST(out.empty());
    BOOST_TEST(imp.held() == 10u);
    BOOST_TEST(imp.stats().overflow == 5u);
    check_stats(imp);
    const auto released = release_all(imp, kT0 + Duration::milliseconds(1));
    BOOST_TEST(seqs(released) == (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    free_all(released);
    check_stats(imp);
}

BOOST_FIXTURE_TEST_CASE(stats_stay_consistent_under_everything, LeakCheck) {
    {
        Impairment imp(parse_ok("loss=10%,delay=2ms,jitter=1ms,reorder=20%,duplicate=10%,corrupt=5%,limit=300,seed=77"),
                       pool());
        Instant now = kT0;
        uint32_t seq = 0;
        for (int round = 0; round < 400; ++round) {
            const uint32_t batch = 1 + (round * 7) % 32;
            free_all(feed(imp, seq, batch, now));
            seq += batch;
            check_stats(imp);
            now = now + Duration::microseconds(50);
            if (round % 3 == 0) {
                free_all(release_all(imp, now));
                check_stats(imp);
            }
        }
        const ImpairmentStats& s = imp.stats();
        BOOST_TEST(s.packets_in == seq);
        BOOST_TEST(s.lost > 0u);
        BOOST_TEST(s.duplicated > 0u);
        BOOST_TEST(s.corrupted > 0u);
        BOOST_TEST(s.reordered > 0u);
        BOOST_TEST(s.overflow > 0u);
        BOOST_TEST(imp.held() > 0u);
        // The destructor frees whatever is still held (checked by LeakCheck).
    }
}

BOOST_AUTO_TEST_CASE(to_string_round_trips_through_parse) {
    const auto o = parse_ok("loss=10%,delay=5ms,jitter=1ms,reorder=1%,duplicate=0.5%,corrupt=0.1%,seed=7");
    const auto again = parse_ok(o.to_string());
    BOOST_TEST(again.loss == o.loss, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(again.duplicate == o.duplicate, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(again.corrupt == o.corrupt, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(again.reorder == o.reorder, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(again.delay.ns == o.delay.ns);
    BOOST_TEST(again.jitter.ns == o.jitter.ns);
    BOOST_TEST(again.seed == o.seed);
}

BOOST_AUTO_TEST_SUITE_END()
