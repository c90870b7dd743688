#include "stack/base/counters.h"

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <set>
#include <string>

using namespace slip::stack;

namespace {

bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
        return false;
    }
    for (char c : s) {
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
            return false;
        }
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(counters)

BOOST_AUTO_TEST_CASE(drop_reasons_have_unique_names_and_texts) {
    // Names are exported (telemetry, CLI), so they must be distinct, non-empty identifiers.
    std::set<std::string> names;
    std::set<std::string> texts;
    for (size_t i = 0; i < kDropReasonCount; ++i) {
        const auto r = static_cast<DropReason>(i);
        const std::string_view name = drop_reason_name(r);
        BOOST_TEST(is_identifier(name), "drop reason " << i << " '" << name << "'");
        BOOST_TEST(!drop_reason_text(r).empty(), name);
        BOOST_TEST(names.insert(std::string(name)).second, "duplicate name " << name);
        BOOST_TEST(texts.insert(std::string(drop_reason_text(r))).second, "duplicate text for " << name);
    }
    BOOST_TEST(names.size() == kDropReasonCount);
    // Spot checks that enum order and name table agree.
    BOOST_TEST(drop_reason_name(DropReason::eth_truncated) == "eth_truncated");
    BOOST_TEST(drop_reason_name(DropReason::udp_bad_length) == "udp_bad_length");
    BOOST_TEST(drop_reason_name(static_cast<DropReason>(kDropReasonCount - 1)) == "tcp_duplicate");
}

BOOST_AUTO_TEST_CASE(events_have_unique_names_and_texts) {
    std::set<std::string> names;
    std::set<std::string> texts;
    for (size_t i = 0; i < kEventCount; ++i) {
        const auto e = static_cast<Event>(i);
        const std::string_view name = event_name(e);
        BOOST_TEST(is_identifier(name), "event " << i << " '" << name << "'");
        BOOST_TEST(!event_text(e).empty(), name);
        BOOST_TEST(names.insert(std::string(name)).second, "duplicate name " << name);
        BOOST_TEST(texts.insert(std::string(event_text(e))).second, "duplicate text for " << name);
    }
    BOOST_TEST(event_name(Event::rx_frames) == "rx_frames");
    BOOST_TEST(event_name(static_cast<Event>(kEventCount - 1)) == "tcp_send_held_tx_full");
}

BOOST_AUTO_TEST_CASE(drop_reason_and_event_names_do_not_collide) {
    // They share one telemetry namespace.
    std::set<std::string> all;
    for (size_t i = 0; i < kDropReasonCount; ++i) {
        all.insert(std::string(drop_reason_name(static_cast<DropReason>(i))));
    }
    for (size_t i = 0; i < kEventCount; ++i) {
        BOOST_TEST(all.insert(std::string(event_name(static_cast<Event>(i)))).second);
    }
}

BOOST_AUTO_TEST_CASE(count_and_read_back) {
    Counters c;
    BOOST_TEST(c.total_drops() == 0u);
    c.drop(DropReason::ipv4_bad_checksum);
    c.drop(DropReason::ipv4_bad_checksum, 4);
    c.count(Event::rx_frames, 7);
    c.count(Event::rx_frames);
    BOOST_TEST(c[DropReason::ipv4_bad_checksum] == 5u);
    BOOST_TEST(c[DropReason::ipv4_truncated] == 0u);
    BOOST_TEST(c[Event::rx_frames] == 8u);
    BOOST_TEST(c.total_drops() == 5u);  // events are not drops
}

BOOST_AUTO_TEST_CASE(add_and_total) {
    Counters a;
    Counters b;
    for (size_t i = 0; i < kDropReasonCount; ++i) {
        a.drop(static_cast<DropReason>(i), i + 1);
        b.drop(static_cast<DropReason>(i), 1000 * (i + 1));
    }
    for (size_t i = 0; i < kEventCount; ++i) {
        a.count(static_cast<Event>(i), 2 * i);
        b.count(static_cast<Event>(i), 3);
    }
    const uint64_t n = kDropReasonCount;
    BOOST_TEST(a.total_drops() == n * (n + 1) / 2);
    Counters& result = (a += b);
    BOOST_TEST(&result == &a);
    for (size_t i = 0; i < kDropReasonCount; ++i) {
        BOOST_TEST(a[static_cast<DropReason>(i)] == 1001 * (i + 1));
        BOOST_TEST(b[static_cast<DropReason>(i)] == 1000 * (i + 1));  // the right side is untouched
    }
    for (size_t i = 0; i < kEventCount; ++i) {
        BOOST_TEST(a[static_cast<Event>(i)] == 2 * i + 3);
    }
    BOOST_TEST(a.total_drops() == 1001 * n * (n + 1) / 2);
    // Adding zero changes nothing; adding to itself doubles.
    const Counters before = a;
    a += Counters{};
    BOOST_TEST(a.drops == before.drops);
    a += a;
    BOOST_TEST(a.total_drops() == 2 * before.total_drops());
}

BOOST_AUTO_TEST_SUITE_END()
