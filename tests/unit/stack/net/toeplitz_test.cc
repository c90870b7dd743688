// The Toeplitz hash against the RSS verification suite's vectors (Microsoft's key): IPv4
// addresses alone and with TCP ports, IPv6 with ports.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "stack/net/addr.h"
#include "stack/net/toeplitz.h"

using namespace slip::stack;

namespace {

// Source address, destination address, source port, destination port: the input order.
std::vector<uint8_t> tuple(const std::vector<uint8_t>& src, const std::vector<uint8_t>& dst, int sport, int dport) {
    std::vector<uint8_t> in(src);
    in.insert(in.end(), dst.begin(), dst.end());
    if (sport >= 0) {
        in.push_back(uint8_t(sport >> 8));
        in.push_back(uint8_t(sport));
        in.push_back(uint8_t(dport >> 8));
        in.push_back(uint8_t(dport));
    }
    return in;
}

std::vector<uint8_t> v6(const char* text) {
    const auto a = Ipv6Addr::parse(text);
    BOOST_REQUIRE(a.has_value());
    return std::vector<uint8_t>(a->bytes.begin(), a->bytes.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(toeplitz)

BOOST_AUTO_TEST_CASE(ipv4_vectors_of_the_rss_verification_suite) {
    struct Vector {
        std::vector<uint8_t> src, dst;
        int sport, dport;
        uint32_t addresses, with_ports;
    };
    const Vector vectors[] = {
        {{66, 9, 149, 187}, {161, 142, 100, 80}, 2794, 1766, 0x323e8fc2, 0x51ccc178},
        {{199, 92, 111, 2}, {65, 69, 140, 83}, 14230, 4739, 0xd718262a, 0xc626b0ea},
        {{24, 19, 198, 95}, {12, 22, 207, 184}, 12898, 38024, 0xd2d0a5de, 0x5c2b394a},
        {{38, 27, 205, 30}, {209, 142, 163, 6}, 48228, 2217, 0x82989176, 0xafc7327f},
        {{153, 39, 163, 191}, {202, 188, 127, 2}, 44251, 1303, 0x5d1809c5, 0x10e828a2},
    };
    const Toeplitz t;
    for (const Vector& v : vectors) {
        BOOST_TEST(t.hash(tuple(v.src, v.dst, -1, -1)) == v.addresses);
        BOOST_TEST(t.hash(tuple(v.src, v.dst, v.sport, v.dport)) == v.with_ports);
    }
}

BOOST_AUTO_TEST_CASE(ipv6_vectors_of_the_rss_verification_suite) {
    const Toeplitz t;
    BOOST_TEST(t.hash(tuple(v6("3ffe:2501:200:1fff::7"), v6("3ffe:2501:200:3::1"), 2794, 1766)) == 0x40207d3du);
    BOOST_TEST(t.hash(tuple(v6("3ffe:501:8::260:97ff:fe40:efab"), v6("ff02::1"), 14230, 4739)) == 0xdde51bbfu);
}

BOOST_AUTO_TEST_SUITE_END()
