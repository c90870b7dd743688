#include "stack/net/neighbor_table.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "stack/base/rng.h"
#include "tests/support/frames.h"
#include "tests/support/print.h"
#include "tests/support/leak_check.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

// Records what the table asks of its owner; frees what it is handed, as the owner does.
struct FakeEvents final : NeighborEvents {
    struct Probe {
        Ipv6Addr ip;
        std::optional<MacAddr> known_mac;
    };
    std::vector<Probe> probes;
    std::vector<Mbuf*> dropped;
    std::vector<Ipv6Addr> expired_ips;

    void send_probe(const Ipv6Addr& ip, const MacAddr* known_mac) override {
        probes.push_back({ip, known_mac != nullptr ? std::optional<MacAddr>(*known_mac) : std::nullopt});
    }
    void drop_unresolved(Mbuf* m) override {
        dropped.push_back(m);
        buf::free(m);
    }
    void expired(const Ipv6Addr& ip) override { expired_ips.push_back(ip); }
};

// Every test starts and ends with the same number of buffers in use.
Mbuf* packet(uint8_t tag) { return make_mbuf(Bytes{tag, tag, tag}); }
Ipv6Addr host(uint32_t n) { return Ipv6Addr::v4_mapped(Ipv4Addr{0x0a000000u + n}); }

const MacAddr kMacA{{0x02, 0xaa, 0, 0, 0, 1}};
const MacAddr kMacB{{0x02, 0xbb, 0, 0, 0, 2}};
const Instant kT0{1'000'000'000};

NeighborOptions small_options() {
    NeighborOptions o;
    o.capacity = 4;
    o.max_pending = 3;
    o.reachable_time = Duration::seconds(30);
    o.stale_time = Duration::seconds(60);
    o.retrans_time = Duration::seconds(1);
    o.max_probes = 3;
    BOOST_REQUIRE(o.validate().empty());
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(neighbor_table)

BOOST_FIXTURE_TEST_CASE(lookup_on_empty_queues_and_asks_for_a_probe, LeakCheck) {
    NeighborTable t(small_options());
    BOOST_TEST(t.next_deadline() == Instant::never());
    const auto r = t.lookup_or_queue(host(1), packet(1), kT0);
    BOOST_TEST((r.outcome == NeighborOutcome::queued));
    BOOST_TEST(r.probe);
    BOOST_TEST(!r.probe_unicast);
    BOOST_TEST(t.size() == 1u);
    BOOST_TEST(t.pending_packets() == 1u);
    const NeighborEntry* e = t.find(host(1));
    BOOST_REQUIRE(e != nullptr);
    BOOST_TEST((e->state == NeighborState::incomplete));
    BOOST_TEST(e->probes_sent == 1);
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(1));

    // A second packet joins the queue without another probe (RFC 1122 §2.3.2.1: at
    // most one request per second per destination).
    const auto r2 = t.lookup_or_queue(host(1), packet(2), kT0 + Duration::milliseconds(10));
    BOOST_TEST((r2.outcome == NeighborOutcome::queued));
    BOOST_TEST(!r2.probe);
    BOOST_TEST(t.pending_packets() == 2u);
    // The destructor frees what is still queued (checked by LeakCheck).
}

BOOST_FIXTURE_TEST_CASE(queue_is_bounded, LeakCheck) {
    NeighborTable t(small_options());
    for (uint8_t i = 0; i < 3; ++i) {
        BOOST_TEST((t.lookup_or_queue(host(1), packet(i), kT0).outcome == NeighborOutcome::queued));
    }
    Mbuf* extra = packet(9);
    BOOST_TEST((t.lookup_or_queue(host(1), extra, kT0).outcome == NeighborOutcome::queue_full));
    buf::free(extra);  // not taken: the caller drops it
    BOOST_TEST(t.pending_packets() == 3u);
    // Another neighbor has its own queue.
    BOOST_TEST((t.lookup_or_queue(host(2), packet(4), kT0).outcome == NeighborOutcome::queued));
}

BOOST_FIXTURE_TEST_CASE(max_pending_upper_bound, LeakCheck) {
    NeighborOptions o = small_options();
    o.max_pending = kMaxPendingPerNeighbor;
    BOOST_REQUIRE(o.validate().empty());
    NeighborTable t(o);
    for (uint32_t i = 0; i < kMaxPendingPerNeighbor; ++i) {
        BOOST_TEST((t.lookup_or_queue(host(1), packet(1), kT0).outcome == NeighborOutcome::queued));
    }
    Mbuf* extra = packet(9);
    BOOST_TEST((t.lookup_or_queue(host(1), extra, kT0).outcome == NeighborOutcome::queue_full));
    buf::free(extra);
    o.max_pending = kMaxPendingPerNeighbor + 1;
    BOOST_TEST(!o.validate().empty());
}

BOOST_FIXTURE_TEST_CASE(learn_without_create_ignores_unknown, LeakCheck) {
    // RFC 826: update an existing mapping; only create one when we are the target.
    NeighborTable t(small_options());
    const auto waiting = t.learn(host(1), kMacA, kT0, false);
    BOOST_TEST(waiting.empty());
    BOOST_TEST(t.find(host(1)) == nullptr);
    BOOST_TEST(t.size() == 0u);
    BOOST_TEST(t.next_deadline() == Instant::never());

    BOOST_TEST(t.learn(host(1), kMacA, kT0, true).empty());
    const NeighborEntry* e = t.find(host(1));
    BOOST_REQUIRE(e != nullptr);
    BOOST_TEST((e->state == NeighborState::reachable));
    BOOST_TEST(e->mac == kMacA);
    BOOST_TEST(t.size() == 1u);
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(30));

    // Now without create it updates.
    t.learn(host(1), kMacB, kT0 + Duration::seconds(1), false);
    BOOST_TEST(t.find(host(1))->mac == kMacB);

    Mbuf* m = packet(1);
    const auto r = t.lookup_or_queue(host(1), m, kT0 + Duration::seconds(2));
    BOOST_TEST((r.outcome == NeighborOutcome::resolved));
    BOOST_TEST(r.mac == kMacB);
    BOOST_TEST(!r.probe);
    buf::free(m);  // resolved: the caller sends it
}

BOOST_FIXTURE_TEST_CASE(learn_returns_the_waiting_packets, LeakCheck) {
    NeighborTable t(small_options());
    Mbuf* sent[3] = {packet(1), packet(2), packet(3)};
    for (Mbuf* m : sent) {
        t.lookup_or_queue(host(7), m, kT0);
    }
    // Learning without create is enough: the incomplete entry exists.
    const auto waiting = t.learn(host(7), kMacA, kT0 + Duration::milliseconds(3), false);
    BOOST_REQUIRE(waiting.size() == 3u);
    for (size_t i = 0; i < 3; ++i) {
        BOOST_TEST(waiting[i] == sent[i]);  // in the order they were queued
    }
    BOOST_TEST((t.find(host(7))->state == NeighborState::reachable));
    for (Mbuf* m : waiting) {
        buf::free(m);  // "sent"
    }
    t.release_pending(host(7));
    BOOST_TEST(t.pending_packets() == 0u);
    BOOST_TEST(t.find(host(7))->pending_count == 0);
    t.release_pending(host(8));  // unknown address: harmless
}

BOOST_FIXTURE_TEST_CASE(reachable_becomes_stale_then_expires, LeakCheck) {
    NeighborTable t(small_options());
    FakeEvents ev;
    t.learn(host(1), kMacA, kT0, true);
    const Instant stale_at = kT0 + Duration::seconds(30);
    t.on_timer(stale_at + Duration::nanoseconds(-1), ev);
    BOOST_TEST((t.find(host(1))->state == NeighborState::reachable));
    t.on_timer(stale_at, ev);
    BOOST_TEST((t.find(host(1))->state == NeighborState::stale));
    BOOST_TEST(t.next_deadline() == stale_at + Duration::seconds(60));
    BOOST_TEST(ev.probes.empty());
    BOOST_TEST(ev.expired_ips.empty());
    // Unused, it is forgotten after stale_time.
    t.on_timer(stale_at + Duration::seconds(60), ev);
    BOOST_TEST(t.find(host(1)) == nullptr);
    BOOST_TEST(t.size() == 0u);
    BOOST_REQUIRE(ev.expired_ips.size() == 1u);
    BOOST_TEST(ev.expired_ips[0] == host(1));
    BOOST_TEST(t.next_deadline() == Instant::never());
}

BOOST_FIXTURE_TEST_CASE(stale_lookup_resolves_and_probes_unicast, LeakCheck) {
    // RFC 4861 §7.3.3: a stale entry is used at once while it is confirmed by unicast.
    NeighborTable t(small_options());
    FakeEvents ev;
    t.learn(host(1), kMacA, kT0, true);
    const Instant stale_at = kT0 + Duration::seconds(30);
    t.on_timer(stale_at, ev);
    const Instant now = stale_at + Duration::seconds(5);
    Mbuf* m = packet(1);
    const auto r = t.lookup_or_queue(host(1), m, now);
    buf::free(m);
    BOOST_TEST((r.outcome == NeighborOutcome::resolved));
    BOOST_TEST(r.mac == kMacA);
    BOOST_TEST(r.probe);
    BOOST_TEST(r.probe_unicast);
    BOOST_TEST((t.find(host(1))->state == NeighborState::probe));
    BOOST_TEST(t.next_deadline() == now + Duration::seconds(1));

    // Further lookups while probing do not ask for more probes.
    Mbuf* m2 = packet(2);
    const auto r2 = t.lookup_or_queue(host(1), m2, now + Duration::milliseconds(1));
    buf::free(m2);
    BOOST_TEST((r2.outcome == NeighborOutcome::resolved));
    BOOST_TEST(!r2.probe);

    // Unanswered, the timer repeats unicast probes to the old address, then forgets it.
    t.on_timer(now + Duration::seconds(1), ev);
    t.on_timer(now + Duration::seconds(2), ev);
    BOOST_REQUIRE(ev.probes.size() == 2u);
    for (const auto& p : ev.probes) {
        BOOST_TEST(p.ip == host(1));
        BOOST_REQUIRE(p.known_mac.has_value());
        BOOST_TEST(*p.known_mac == kMacA);
    }
    BOOST_TEST(t.find(host(1)) != nullptr);
    t.on_timer(now + Duration::seconds(3), ev);
    BOOST_TEST(t.find(host(1)) == nullptr);
    BOOST_TEST(ev.probes.size() == 2u);
    BOOST_TEST(ev.dropped.empty());
    BOOST_TEST(ev.expired_ips.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(answer_while_probing_makes_it_reachable, LeakCheck) {
    NeighborTable t(small_options());
    FakeEvents ev;
    t.learn(host(1), kMacA, kT0, true);
    t.on_timer(kT0 + Duration::seconds(30), ev);
    Mbuf* m = packet(1);
    t.lookup_or_queue(host(1), m, kT0 + Duration::seconds(31));
    buf::free(m);
    t.learn(host(1), kMacB, kT0 + Duration::seconds(31) + Duration::milliseconds(5), false);
    const NeighborEntry* e = t.find(host(1));
    BOOST_TEST((e->state == NeighborState::reachable));
    BOOST_TEST(e->mac == kMacB);
    BOOST_TEST(e->probes_sent == 0);
    // The old probe deadline passing does nothing now.
    t.on_timer(kT0 + Duration::seconds(40), ev);
    BOOST_TEST(ev.probes.empty());
    BOOST_TEST((t.find(host(1))->state == NeighborState::reachable));
}

BOOST_FIXTURE_TEST_CASE(unanswered_resolution_drops_the_queue, LeakCheck) {
    NeighborOptions o = small_options();
    o.max_probes = 4;
    NeighborTable t(o);
    FakeEvents ev;
    Mbuf* queued[3] = {packet(1), packet(2), packet(3)};
    for (Mbuf* m : queued) {
        BOOST_TEST((t.lookup_or_queue(host(3), m, kT0).outcome == NeighborOutcome::queued));
    }
    // Before the first retransmission nothing happens.
    t.on_timer(kT0 + Duration::milliseconds(999), ev);
    BOOST_TEST(ev.probes.empty());
    // Probes every retrans_time until max_probes were sent (the first by the caller).
    for (uint32_t k = 1; k < o.max_probes; ++k) {
        const Instant at = kT0 + Duration::seconds(k);
        t.on_timer(at, ev);
        BOOST_REQUIRE(ev.probes.size() == k);
        BOOST_TEST(ev.probes.back().ip == host(3));
        BOOST_TEST(!ev.probes.back().known_mac.has_value());  // multicast: no address known
        BOOST_TEST(t.find(host(3))->probes_sent == k + 1);
        BOOST_TEST(t.next_deadline() == at + Duration::seconds(1));
        BOOST_TEST(ev.dropped.empty());
        // Between retransmissions the timer is quiet.
        t.on_timer(at + Duration::milliseconds(500), ev);
        BOOST_TEST(ev.probes.size() == k);
    }
    // One more interval: give up, hand back every queued packet, forget the entry.
    t.on_timer(kT0 + Duration::seconds(o.max_probes), ev);
    BOOST_TEST(ev.probes.size() == o.max_probes - 1);
    BOOST_REQUIRE(ev.dropped.size() == 3u);
    for (size_t i = 0; i < 3; ++i) {
        BOOST_TEST(ev.dropped[i] == queued[i]);
    }
    BOOST_TEST(t.find(host(3)) == nullptr);
    BOOST_TEST(t.size() == 0u);
    BOOST_TEST(t.pending_packets() == 0u);
    BOOST_REQUIRE(ev.expired_ips.size() == 1u);
    BOOST_TEST(ev.expired_ips[0] == host(3));
    BOOST_TEST(t.next_deadline() == Instant::never());
    // A later lookup starts over.
    const auto r = t.lookup_or_queue(host(3), packet(4), kT0 + Duration::seconds(10));
    BOOST_TEST((r.outcome == NeighborOutcome::queued));
    BOOST_TEST(r.probe);
}

BOOST_FIXTURE_TEST_CASE(single_probe_gives_up_after_one_interval, LeakCheck) {
    NeighborOptions o = small_options();
    o.max_probes = 1;
    NeighborTable t(o);
    FakeEvents ev;
    t.lookup_or_queue(host(1), packet(1), kT0);
    t.on_timer(kT0 + Duration::seconds(1), ev);
    BOOST_TEST(ev.probes.empty());
    BOOST_TEST(ev.dropped.size() == 1u);
    BOOST_TEST(t.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(capacity_full, LeakCheck) {
    NeighborTable t(small_options());  // capacity 4
    for (uint32_t i = 0; i < 4; ++i) {
        BOOST_TEST((t.lookup_or_queue(host(i), packet(1), kT0).outcome == NeighborOutcome::queued));
    }
    Mbuf* m = packet(2);
    const auto r = t.lookup_or_queue(host(100), m, kT0);
    BOOST_TEST((r.outcome == NeighborOutcome::table_full));
    BOOST_TEST(!r.probe);
    buf::free(m);
    BOOST_TEST(t.learn(host(101), kMacA, kT0, true).empty());
    BOOST_TEST(t.find(host(101)) == nullptr);
    BOOST_TEST(t.size() == 4u);
    // Existing entries still work at capacity.
    const auto waiting = t.learn(host(2), kMacA, kT0, false);
    BOOST_TEST(waiting.size() == 1u);
    for (Mbuf* sent : waiting) {
        buf::free(sent);
    }
    t.release_pending(host(2));
}

BOOST_FIXTURE_TEST_CASE(next_deadline_is_the_earliest, LeakCheck) {
    NeighborTable t(small_options());
    FakeEvents ev;
    t.learn(host(1), kMacA, kT0, true);  // stale at +30 s
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(30));
    t.lookup_or_queue(host(2), packet(1), kT0 + Duration::seconds(5));  // probe at +6 s
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(6));
    // on_timer before the deadline is a no-op.
    t.on_timer(kT0 + Duration::seconds(5), ev);
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(6));
    t.on_timer(kT0 + Duration::seconds(6), ev);
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(7));
    t.on_timer(kT0 + Duration::seconds(7), ev);
    t.on_timer(kT0 + Duration::seconds(8), ev);  // host(2) given up
    BOOST_TEST(t.find(host(2)) == nullptr);
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(30));
    t.on_timer(kT0 + Duration::seconds(30), ev);
    BOOST_TEST(t.next_deadline() == kT0 + Duration::seconds(90));
    t.on_timer(kT0 + Duration::seconds(90), ev);
    BOOST_TEST(t.next_deadline() == Instant::never());
    BOOST_TEST(t.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(late_timer_catches_up_on_every_entry, LeakCheck) {
    // One on_timer call long after many deadlines handles every due entry once.
    NeighborOptions o = small_options();
    o.capacity = 64;
    NeighborTable t(o);
    FakeEvents ev;
    for (uint32_t i = 0; i < 64; ++i) {
        t.learn(host(i), kMacA, kT0 + Duration::milliseconds(i), true);
    }
    t.on_timer(kT0 + Duration::seconds(31), ev);
    for (uint32_t i = 0; i < 64; ++i) {
        BOOST_TEST((t.find(host(i))->state == NeighborState::stale));
    }
    t.on_timer(kT0 + Duration::seconds(200), ev);
    BOOST_TEST(t.size() == 0u);
    BOOST_TEST(ev.expired_ips.size() == 64u);
    BOOST_TEST(std::set<Ipv6Addr>(ev.expired_ips.begin(), ev.expired_ips.end()).size() == 64u);
}

BOOST_FIXTURE_TEST_CASE(random_churn_keeps_every_entry_findable, LeakCheck) {
    // Inserts (learn/lookup) and deletions (expiry, failed resolution) in a random mix,
    // on tables small enough that probe runs wrap past the end of the slot array
    // (capacity 1..8 -> 2..16 slots, up to half full), so backward-shift deletion moves
    // entries across the wrap. A model of which addresses the table holds is kept from
    // the table's own answers and expiry events; after every step each modelled address
    // must be findable and nothing else.
    for (uint32_t capacity : {1u, 2u, 3u, 4u, 8u, 64u}) {
        NeighborOptions o;
        o.capacity = capacity;
        o.max_pending = 2;
        o.retrans_time = Duration::nanoseconds(3);
        o.reachable_time = Duration::nanoseconds(5);
        o.stale_time = Duration::nanoseconds(7);
        o.max_probes = 2;
        BOOST_REQUIRE(o.validate().empty());
        NeighborTable t(o);
        FakeEvents ev;
        Rng rng(0x5eed + capacity);
        std::set<Ipv6Addr> model;
        // Fully random addresses (every byte), so home slots spread over the whole
        // array whatever the hash does with structured addresses.
        std::vector<Ipv6Addr> keys(capacity * 3 + 2);
        for (Ipv6Addr& k : keys) {
            for (uint8_t& b : k.bytes) {
                b = static_cast<uint8_t>(rng.next());
            }
        }
        Instant now{1000};
        bool ok = true;
        for (int step = 0; step < 20000 && ok; ++step) {
            const Ipv6Addr ip = keys[rng.below(keys.size())];
            const bool present = model.count(ip) != 0;
            switch (rng.below(3)) {
                case 0: {
                    Mbuf* m = packet(1);
                    const auto r = t.lookup_or_queue(ip, m, now);
                    if (r.outcome != NeighborOutcome::queued) {
                        buf::free(m);
                    }
                    if (r.outcome == NeighborOutcome::table_full) {
                        ok = ok && !present && model.size() == capacity;
                    } else {
                        model.insert(ip);
                    }
                    break;
                }
                case 1: {
                    const bool create = rng.below(2) == 0;
                    for (Mbuf* m : t.learn(ip, kMacA, now, create)) {
                        buf::free(m);
                    }
                    t.release_pending(ip);
                    if (create && !present && model.size() < capacity) {
                        model.insert(ip);
                    }
                    break;
                }
                default:
                    now = now + Duration::nanoseconds(int64_t(rng.below(4)));
                    ev.expired_ips.clear();
                    t.on_timer(now, ev);
                    for (const Ipv6Addr& gone : ev.expired_ips) {
                        ok = ok && model.erase(gone) == 1;
                    }
                    break;
            }
            ok = ok && t.size() == model.size();
            for (const Ipv6Addr& held : model) {
                const NeighborEntry* e = t.find(held);
                ok = ok && e != nullptr && e->ip == held && e->state != NeighborState::free;
            }
            for (const Ipv6Addr& other : keys) {
                ok = ok && (t.find(other) != nullptr) == (model.count(other) != 0);
            }
            if (!ok) {
                BOOST_TEST(ok, "capacity " << capacity << " step " << step);
            }
        }
        BOOST_TEST(ok, "capacity " << capacity);
    }
}

// Regression: slot_of() once took bits 32.. of a 64-bit product, which depend only on
// the low bits of its inputs, so every neighbor of 10.0.0.0/24 (or every fd00::N) shared
// one home slot and the table degraded into one long probe run (correct, but O(n) per
// lookup). Entries live in one slot array, so a run shows as consecutive addresses.
BOOST_FIXTURE_TEST_CASE(one_subnet_spreads_over_the_table, LeakCheck) {
    NeighborOptions o;
    o.capacity = 256;  // 512 slots
    for (bool v6_keys : {false, true}) {
        NeighborTable t(o);
        std::vector<const NeighborEntry*> where;
        for (uint32_t i = 1; i <= 16; ++i) {
            Ipv6Addr ip = host(i);  // 10.0.0.i
            if (v6_keys) {
                ip = *Ipv6Addr::parse("fd00::");
                ip.bytes[15] = static_cast<uint8_t>(i);  // fd00::i
            }
            t.learn(ip, kMacA, kT0, true);
            where.push_back(t.find(ip));
        }
        const auto [lo, hi] = std::minmax_element(where.begin(), where.end());
        // With 16 entries hashed into 512 slots, all 16 in one run of 16 is (much) less
        // likely than 1 in 10^20.
        BOOST_TEST(*hi - *lo > 15, (v6_keys ? "fd00::1..16" : "10.0.0.1..16") << " occupy one run of slots");
    }
}

BOOST_AUTO_TEST_CASE(options_validate) {
    BOOST_TEST(NeighborOptions{}.validate().empty());
    NeighborOptions o;
    o.capacity = 0;
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.max_probes = 0;
    BOOST_TEST(!o.validate().empty());
    o = {};
    o.retrans_time = Duration{};
    BOOST_TEST(!o.validate().empty());
}

BOOST_AUTO_TEST_SUITE_END()
