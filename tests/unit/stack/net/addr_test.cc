#include "stack/net/addr.h"

#include <boost/test/unit_test.hpp>

#include "stack/base/rng.h"
#include "tests/support/print.h"

using namespace slip::stack;

namespace {

Ipv6Addr v6(const char* text) {
    const auto a = Ipv6Addr::parse(text);
    BOOST_REQUIRE_MESSAGE(a.has_value(), text);
    return *a;
}

// Bit i (0 = most significant) of an IPv6 address.
bool bit_of(const Ipv6Addr& a, unsigned i) { return (a.bytes[i / 8] >> (7 - i % 8)) & 1; }

}  // namespace

BOOST_AUTO_TEST_SUITE(addr)

BOOST_AUTO_TEST_CASE(mac_round_trip) {
    for (const char* text : {"02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "3a:5b:7c:9d:be:df"}) {
        const auto mac = MacAddr::parse(text);
        BOOST_REQUIRE_MESSAGE(mac.has_value(), text);
        BOOST_TEST(mac->to_string() == text);
    }
    // Upper case is accepted; printing is lower case.
    const auto upper = MacAddr::parse("AA:BB:CC:DD:EE:0F");
    BOOST_REQUIRE(upper.has_value());
    BOOST_TEST(upper->to_string() == "aa:bb:cc:dd:ee:0f");
    BOOST_TEST(MacAddr::parse("ff:ff:ff:ff:ff:ff")->is_broadcast());
    BOOST_TEST(MacAddr::parse("01:00:5e:00:00:01")->is_multicast());
    BOOST_TEST(!MacAddr::parse("02:00:5e:00:00:01")->is_multicast());
    BOOST_TEST(MacAddr{}.is_zero());
}

BOOST_AUTO_TEST_CASE(mac_rejects_garbage) {
    for (const char* text : {"", "zz:00:00:00:00:00", "02:00:00:00:00:0g", "02:00:00:00:00", "02:00:00:00:00:01:",
                             "02:00:00:00:00:011", "02-00-00-00-00-01", "0200.0000.0001", "02:00:00:00:00:1",
                             " 2:00:00:00:00:01", "02:00:00:00:00: 1", "02::00:00:00:00:1"}) {
        BOOST_TEST(!MacAddr::parse(text).has_value(), "'" << text << "'");
    }
}

BOOST_AUTO_TEST_CASE(ipv4_round_trip) {
    for (const char* text : {"10.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.254"}) {
        const auto a = Ipv4Addr::parse(text);
        BOOST_REQUIRE_MESSAGE(a.has_value(), text);
        BOOST_TEST(a->to_string() == text);
    }
    // Host-order value: the first octet is the most significant byte.
    BOOST_TEST(Ipv4Addr::parse("10.1.2.3")->value == 0x0a010203u);
    BOOST_TEST(Ipv4Addr::from_octets(10, 1, 2, 3).value == 0x0a010203u);
    BOOST_TEST(Ipv4Addr::parse("224.0.0.1")->is_multicast());
    BOOST_TEST(!Ipv4Addr::parse("223.255.255.255")->is_multicast());
    BOOST_TEST(Ipv4Addr::parse("255.255.255.255")->is_limited_broadcast());
    BOOST_TEST(Ipv4Addr{}.is_unspecified());
}

BOOST_AUTO_TEST_CASE(ipv4_rejects_garbage) {
    for (const char* text : {"", "10.0.0.256", "10.0.0", "10.0.0.1.2", "a.b.c.d", "10.0.0.1/24", "10.0.0.-1",
                             " 10.0.0.1", "10.0.0.1 ", "fd00::1"}) {
        BOOST_TEST(!Ipv4Addr::parse(text).has_value(), "'" << text << "'");
    }
}

BOOST_AUTO_TEST_CASE(ipv6_round_trip) {
    for (const char* text : {"fd00::1", "::", "::1", "fe80::1:2:3:4", "ff02::1:ff00:2", "2001:db8::8:800:200c:417a",
                             "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1"}) {
        BOOST_TEST(v6(text).to_string() == text);
    }
    const Ipv6Addr a = v6("fd00::2");
    BOOST_TEST(a.bytes[0] == 0xfd);
    BOOST_TEST(a.bytes[15] == 0x02);
    BOOST_TEST(v6("ff02::1").is_multicast());
    BOOST_TEST(!v6("fd00::1").is_multicast());
    BOOST_TEST(v6("fe80::1").is_link_local());
    BOOST_TEST(v6("febf::1").is_link_local());
    BOOST_TEST(!v6("fec0::1").is_link_local());
    BOOST_TEST(v6("::").is_unspecified());
}

BOOST_AUTO_TEST_CASE(ipv6_rejects_garbage) {
    for (const char* text : {"", "zz::1", "fd00:::1", "fd00::1::2", "1:2:3:4:5:6:7:8:9", "12345::1", "fd00::1/64",
                             "10.0.0.1", ":", "fd00::1 "}) {
        BOOST_TEST(!Ipv6Addr::parse(text).has_value(), "'" << text << "'");
    }
}

BOOST_AUTO_TEST_CASE(prefix_round_trip) {
    for (const char* text : {"10.0.0.2/24", "0.0.0.0/0", "10.0.0.1/32", "172.16.0.0/12"}) {
        const auto p = Ipv4Prefix::parse(text);
        BOOST_REQUIRE_MESSAGE(p.has_value(), text);
        BOOST_TEST(p->to_string() == text);
    }
    const auto p4 = Ipv4Prefix::parse("10.0.0.2/24");
    BOOST_TEST(p4->length == 24);
    BOOST_TEST(p4->addr.value == Ipv4Addr::from_octets(10, 0, 0, 2).value);  // host bits kept
    BOOST_TEST(p4->mask() == 0xffffff00u);
    BOOST_TEST(p4->subnet_broadcast().value == Ipv4Addr::from_octets(10, 0, 0, 255).value);

    for (const char* text : {"fd00::/64", "fd00::1/128", "::/0", "2001:db8::/32", "fe80::1/10"}) {
        const auto p = Ipv6Prefix::parse(text);
        BOOST_REQUIRE_MESSAGE(p.has_value(), text);
        BOOST_TEST(p->to_string() == text);
    }
}

BOOST_AUTO_TEST_CASE(prefix_rejects_garbage) {
    for (const char* text : {"10.0.0.256/24", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1", "/24", "10.0.0.1/2x",
                             "10.0.0.1/-1", "10.0.0.1/ 24", "10.0.0.1//24", "10.0.0.1/24/", "10.0.0.1/100000000000",
                             "fd00::/64", ""}) {
        BOOST_TEST(!Ipv4Prefix::parse(text).has_value(), "'" << text << "'");
    }
    for (const char* text : {"fd00::1/129", "fd00::1", "fd00::1/", "/64", "zz::/64", "fd00::/6x", "fd00::/-1",
                             "fd00::/99999999999999", "10.0.0.0/8", ""}) {
        BOOST_TEST(!Ipv6Prefix::parse(text).has_value(), "'" << text << "'");
    }
}

BOOST_AUTO_TEST_CASE(solicited_node) {
    // RFC 4291 §2.7.1: FF02:0:0:0:0:1:FFXX:XXXX from the low 24 bits; its example
    // 4037::01:800:200E:8C6C -> FF02::1:FF0E:8C6C.
    BOOST_TEST(v6("4037::01:800:200e:8c6c").solicited_node() == v6("ff02::1:ff0e:8c6c"));
    BOOST_TEST(v6("fd00::2").solicited_node() == v6("ff02::1:ff00:2"));
    BOOST_TEST(v6("fe80::aabb:ccdd:eeff:1122").solicited_node() == v6("ff02::1:ffff:1122"));
    BOOST_TEST(Ipv6Addr::all_nodes() == v6("ff02::1"));
}

BOOST_AUTO_TEST_CASE(multicast_mac) {
    // RFC 2464 §7: 33:33 followed by the last four octets of the group.
    BOOST_TEST(v6("ff02::1:ff0e:8c6c").multicast_mac() == *MacAddr::parse("33:33:ff:0e:8c:6c"));
    BOOST_TEST(Ipv6Addr::all_nodes().multicast_mac() == *MacAddr::parse("33:33:00:00:00:01"));
    BOOST_TEST(Ipv6Addr::all_nodes().multicast_mac().is_multicast());
}

BOOST_AUTO_TEST_CASE(link_local_from_mac) {
    // RFC 4291 Appendix A: the U/L bit (0x02 of the first octet) is inverted and
    // FF FE inserted in the middle. Its example 34-56-78-9A-BC-DE -> 3656:78FF:FE9A:BCDE.
    BOOST_TEST(Ipv6Addr::link_local_from_mac(*MacAddr::parse("34:56:78:9a:bc:de")) == v6("fe80::3656:78ff:fe9a:bcde"));
    // A locally administered address has the bit set, so it becomes 0.
    BOOST_TEST(Ipv6Addr::link_local_from_mac(*MacAddr::parse("02:00:00:00:00:02")) == v6("fe80::ff:fe00:2"));
    const Ipv6Addr ll = Ipv6Addr::link_local_from_mac(*MacAddr::parse("aa:bb:cc:dd:ee:ff"));
    BOOST_TEST(ll == v6("fe80::a8bb:ccff:fedd:eeff"));
    BOOST_TEST(ll.is_link_local());
}

BOOST_AUTO_TEST_CASE(v4_mapped) {
    // RFC 4291 §2.5.5.2: ::ffff:a.b.c.d.
    const Ipv4Addr v4 = Ipv4Addr::from_octets(10, 0, 0, 1);
    const Ipv6Addr mapped = Ipv6Addr::v4_mapped(v4);
    BOOST_TEST(mapped == v6("::ffff:10.0.0.1"));
    BOOST_TEST(mapped.is_v4_mapped());
    BOOST_TEST(mapped.mapped_v4().value == v4.value);
    for (uint32_t value : {0u, 1u, 0x7f000001u, 0xc0a80101u, 0xffffffffu}) {
        BOOST_TEST(Ipv6Addr::v4_mapped(Ipv4Addr{value}).mapped_v4().value == value);
    }
    BOOST_TEST(!v6("fd00::1").is_v4_mapped());
    BOOST_TEST(!v6("::10.0.0.1").is_v4_mapped());  // the deprecated v4-compatible form
    BOOST_TEST(!v6("1::ffff:10.0.0.1").is_v4_mapped());
    BOOST_TEST(!v6("::fffe:10.0.0.1").is_v4_mapped());
}

BOOST_AUTO_TEST_CASE(ipv4_prefix_contains_at_every_length) {
    const Ipv4Prefix p23 = *Ipv4Prefix::parse("10.0.0.0/23");
    BOOST_TEST(p23.contains(*Ipv4Addr::parse("10.0.1.255")));
    BOOST_TEST(!p23.contains(*Ipv4Addr::parse("10.0.2.0")));
    BOOST_TEST(Ipv4Prefix::parse("0.0.0.0/0")->contains(*Ipv4Addr::parse("255.1.2.3")));
    BOOST_TEST(!Ipv4Prefix::parse("10.0.0.1/32")->contains(*Ipv4Addr::parse("10.0.0.0")));
    // Against a bit-by-bit reference, at every length.
    Rng rng(4291);
    for (int i = 0; i < 200; ++i) {
        const Ipv4Addr base{static_cast<uint32_t>(rng.next())};
        for (unsigned len = 0; len <= 32; ++len) {
            const Ipv4Prefix p{base, static_cast<uint8_t>(len)};
            // Same first len bits except possibly the bit right after them.
            const uint32_t flip = len < 32 ? (uint32_t(1) << (31 - len)) : 0;
            BOOST_TEST(p.contains(base));
            BOOST_TEST(p.contains(Ipv4Addr{base.value ^ flip}));
            if (len > 0) {
                const uint32_t last = uint32_t(1) << (32 - len);  // the last prefix bit
                BOOST_TEST(!p.contains(Ipv4Addr{base.value ^ last}), "length " << len);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(ipv6_prefix_contains_at_every_length) {
    const Ipv6Prefix p10 = *Ipv6Prefix::parse("fe80::/10");
    BOOST_TEST(p10.contains(v6("febf::1")));
    BOOST_TEST(!p10.contains(v6("fec0::1")));
    BOOST_TEST(Ipv6Prefix::parse("::/0")->contains(v6("ff02::1")));
    Rng rng(8200);
    for (int i = 0; i < 50; ++i) {
        Ipv6Addr base;
        Ipv6Addr other;
        for (size_t b = 0; b < 16; ++b) {
            base.bytes[b] = static_cast<uint8_t>(rng.next());
            other.bytes[b] = static_cast<uint8_t>(rng.next());
        }
        for (unsigned len = 0; len <= 128; ++len) {
            const Ipv6Prefix p{base, static_cast<uint8_t>(len)};
            // Reference: the first len bits agree.
            bool same = true;
            for (unsigned bit = 0; bit < len; ++bit) {
                same = same && bit_of(base, bit) == bit_of(other, bit);
            }
            BOOST_TEST(p.contains(other) == same, "length " << len);
            BOOST_TEST(p.contains(base));
            if (len > 0) {
                Ipv6Addr flipped = base;
                flipped.bytes[(len - 1) / 8] ^= static_cast<uint8_t>(0x80 >> ((len - 1) % 8));
                BOOST_TEST(!p.contains(flipped), "length " << len);
            }
            if (len < 128) {
                Ipv6Addr flipped = base;
                flipped.bytes[len / 8] ^= static_cast<uint8_t>(0x80 >> (len % 8));
                BOOST_TEST(p.contains(flipped), "length " << len);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
