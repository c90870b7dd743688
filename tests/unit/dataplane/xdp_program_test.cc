// The engine's XDP program run on test frames through BPF_PROG_TEST_RUN: which frames are the
// engine's, which stay with the kernel, and the counter each one lands in. Needs root (the
// program is loaded into this kernel); without it the suite fails, it does not skip.
#include "dataplane/xdp_program.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/mman.h>
#include <xdp/xsk.h>

#include <boost/test/unit_test.hpp>

#include "dataplane/xdp_holder.h"
#include "tests/support/frames.h"

using namespace slip::test;
using slip::dataplane::XdpCounters;
using slip::dataplane::XdpFilterConfig;
using slip::dataplane::XdpProgram;
using slip::stack::Ipv4Addr;
using slip::stack::Ipv6Addr;
using slip::stack::MacAddr;

namespace {

constexpr uint16_t kOwnedTcp = 80;
constexpr uint16_t kOwnedUdp = 443;

Ipv6Addr engine_link_local() { return Ipv6Addr::link_local_from_mac(kEngineMac); }

// Another address whose solicited-node group is the engine's (same low 24 bits).
Ipv6Addr group_sharing_address() { return *Ipv6Addr::parse("fd00::1:0:0:2"); }

XdpFilterConfig engine_config(bool share_host) {
    XdpFilterConfig c;
    const uint32_t v4 = kEngineIp.value;
    c.ipv4 = {uint8_t(v4 >> 24), uint8_t(v4 >> 16), uint8_t(v4 >> 8), uint8_t(v4)};
    c.ipv6[0] = engine_ip6().bytes;
    c.ipv6[1] = engine_link_local().bytes;
    c.share_host = share_host;
    c.tcp_ports = {kOwnedTcp};
    c.udp_ports = {kOwnedUdp, 4433};
    return c;
}

struct Outcome {
    uint32_t action = 0;
    int reason = -1;  // the one counter that moved, -1 when none or several did
};

// A freshly loaded program per test case, so its counters start at zero.
struct Filter {
    XdpProgram prog;

    explicit Filter(bool share_host = false) {
        const std::string err = prog.load();
        BOOST_REQUIRE_MESSAGE(err.empty(), "cannot load the XDP program (this suite needs root): " << err);
        BOOST_REQUIRE(prog.configure(engine_config(share_host)).empty());
    }

    Outcome run(const Bytes& frame) {
        const XdpCounters before = prog.counters();
        Bytes data = frame;
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data.data(), .data_size_in = static_cast<uint32_t>(data.size()),
                    .repeat = 1);
        const int err = bpf_prog_test_run_opts(prog.prog_fd(), &opts);
        BOOST_REQUIRE_MESSAGE(err == 0, "BPF_PROG_TEST_RUN failed: " << err);
        const XdpCounters after = prog.counters();
        Outcome o{opts.retval, -1};
        int moved = 0;
        for (size_t r = 0; r < after.size(); ++r) {
            if (after[r] != before[r]) {
                ++moved;
                o.reason = after[r] == before[r] + 1 ? static_cast<int>(r) : -1;
            }
        }
        if (moved != 1) {
            o.reason = -1;
        }
        return o;
    }
};

std::string name_of(int reason) {
    return reason < 0 ? "none or several" : slip::dataplane::xdp_reason_name(static_cast<slip_xdp_reason>(reason));
}

// The frame is passed to the kernel and counted under `reason`. A frame for the engine shows
// as passed_no_socket here: the test's XSK map is empty (see redirects_into_a_bound_socket).
void expect(Filter& f, const Bytes& frame, slip_xdp_reason reason) {
    const Outcome o = f.run(frame);
    BOOST_TEST(o.action == XDP_PASS);
    BOOST_TEST(name_of(o.reason) == name_of(reason));
}

void expect_engine(Filter& f, const Bytes& frame) { expect(f, frame, SLIP_XDP_PASSED_NO_SOCKET); }

Bytes ipv4_frame(const Ipv4Fields& fields, const Bytes& l4) {
    return make_ethernet(kEngineMac, kPeerMac, 0x0800, make_ipv4(fields, l4));
}

Bytes ipv6_frame(const Ipv6Addr& dst, uint8_t next, const Bytes& payload) {
    return make_ethernet(kEngineMac, kPeerMac, 0x86dd, make_ipv6(peer_ip6(), dst, next, 64, payload));
}

Bytes udp6_to_engine(uint16_t dport) { return make_udp6(peer_ip6(), engine_ip6(), 40000, dport, {1, 2, 3, 4}); }

Bytes neighbor_solicitation(const Ipv6Addr& dst, const Ipv6Addr& target) {
    const Bytes ns = make_neighbor_message(peer_ip6(), dst, 135, 0, target, make_link_addr_option(1, kPeerMac));
    return make_ethernet(kEngineMac, kPeerMac, 0x86dd, make_ipv6(peer_ip6(), dst, 58, 255, ns));
}

Bytes arp_frame(uint16_t op, Ipv4Addr target) {
    return make_ethernet(MacAddr::broadcast(), kPeerMac, 0x0806, make_arp(op, kPeerMac, kPeerIp, MacAddr{}, target));
}

// `inner` (a whole untagged frame) with a tag of `tpid` after the MAC addresses.
Bytes tagged(const Bytes& inner, uint16_t tpid) {
    Bytes b(inner.begin(), inner.begin() + 12);
    const uint8_t tag[4] = {uint8_t(tpid >> 8), uint8_t(tpid), 0x00, 0x05};
    b.insert(b.end(), tag, tag + 4);
    b.insert(b.end(), inner.begin() + 12, inner.end());
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xdp_program)

BOOST_AUTO_TEST_CASE(frames_for_the_engine_in_shared_mode) {
    Filter f(true);
    expect_engine(f, make_tcp_frame({.dport = kOwnedTcp}, {}));
    expect_engine(f, make_tcp_frame({.dport = kOwnedTcp}, {}, true));
    expect_engine(f, make_udp4_frame(40000, kOwnedUdp, {9}));
    expect_engine(f, ipv6_frame(engine_ip6(), 17, udp6_to_engine(kOwnedUdp)));
}

BOOST_AUTO_TEST_CASE(frames_for_the_kernel_in_shared_mode) {
    Filter f(true);
    expect(f, make_tcp_frame({.dport = 22}, {}), SLIP_XDP_PASSED_PORT_NOT_OWNED);
    expect(f, make_tcp_frame({.dport = kOwnedUdp}, {}, true), SLIP_XDP_PASSED_PORT_NOT_OWNED);
    expect(f, make_udp4_frame(40000, kOwnedTcp, {9}), SLIP_XDP_PASSED_PORT_NOT_OWNED);
    // ICMP, ARP and ND for a shared address: the kernel answers them.
    expect(f, ipv4_frame({.protocol = 1}, make_icmp_echo(8, 1, 1, {})), SLIP_XDP_PASSED_OTHER_PROTO);
    expect(f, arp_frame(1, kEngineIp), SLIP_XDP_PASSED_OTHER_PROTO);
    expect(f, neighbor_solicitation(engine_ip6().solicited_node(), engine_ip6()), SLIP_XDP_PASSED_NOT_OURS);
    expect(f, neighbor_solicitation(engine_ip6(), engine_ip6()), SLIP_XDP_PASSED_OTHER_PROTO);
}

BOOST_AUTO_TEST_CASE(frames_for_the_engine_in_own_address_mode) {
    Filter f;
    expect_engine(f, make_tcp_frame({.dport = 22}, {}));
    expect_engine(f, ipv4_frame({.protocol = 1}, make_icmp_echo(8, 1, 1, {})));
    expect_engine(f, arp_frame(1, kEngineIp));  // a request for its address
    expect_engine(f, arp_frame(2, kEngineIp));  // a reply to it
    expect_engine(f, neighbor_solicitation(engine_ip6().solicited_node(), engine_ip6()));
    expect_engine(f, neighbor_solicitation(engine_link_local().solicited_node(), engine_link_local()));
    expect_engine(f, neighbor_solicitation(engine_ip6(), engine_ip6()));  // unicast, RFC 4861 §7.3.1
    const Bytes na = make_neighbor_message(peer_ip6(), engine_ip6(), 136, 0x60, peer_ip6(), {});
    expect_engine(f, ipv6_frame(engine_ip6(), 58, na));
}

BOOST_AUTO_TEST_CASE(frames_for_the_kernel_in_own_address_mode) {
    Filter f;
    const Ipv4Addr host = Ipv4Addr::from_octets(10, 0, 0, 3);
    expect(f, ipv4_frame({.dst = host, .protocol = 1}, make_icmp_echo(8, 1, 1, {})), SLIP_XDP_PASSED_NOT_OURS);
    expect(f, ipv6_frame(*Ipv6Addr::parse("fd00::3"), 17, udp6_to_engine(kOwnedUdp)), SLIP_XDP_PASSED_NOT_OURS);
    expect(f, arp_frame(1, host), SLIP_XDP_PASSED_NOT_OURS);
    // The engine's group, but a solicitation for the kernel's address that shares it.
    expect(f, neighbor_solicitation(engine_ip6().solicited_node(), group_sharing_address()), SLIP_XDP_PASSED_NOT_OURS);
    // Other traffic to the group (an MLD report, say) is not the engine's either.
    expect(f, ipv6_frame(engine_ip6().solicited_node(), 17, udp6_to_engine(kOwnedUdp)), SLIP_XDP_PASSED_NOT_OURS);
    expect(f, make_ethernet(kEngineMac, kPeerMac, 0x88cc, Bytes(46, 0)), SLIP_XDP_PASSED_OTHER_PROTO);
    expect(f, ipv4_frame({.dst = Ipv4Addr::from_octets(255, 255, 255, 255)}, make_udp4(kPeerIp, kEngineIp, 68, 67, {})),
           SLIP_XDP_PASSED_NOT_OURS);
}

BOOST_AUTO_TEST_CASE(an_unconfigured_program_takes_nothing) {
    XdpProgram prog;
    BOOST_REQUIRE_MESSAGE(prog.load().empty(), "cannot load the XDP program (this suite needs root)");
    Bytes frame = make_tcp_frame({.dport = kOwnedTcp}, {});
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = uint32_t(frame.size()), .repeat = 1);
    BOOST_REQUIRE(bpf_prog_test_run_opts(prog.prog_fd(), &opts) == 0);
    BOOST_TEST(opts.retval == XDP_PASS);
    BOOST_TEST(prog.counters()[SLIP_XDP_PASSED_NOT_OURS] == 1u);
}

BOOST_AUTO_TEST_CASE(truncated_and_malformed_frames_go_to_the_kernel) {
    Filter f;
    const Bytes tcp4 = make_tcp_frame({.dport = kOwnedTcp}, {});
    // Cut inside the IPv4 header, then inside the TCP header (the IPv4 length fixed to match).
    expect(f, Bytes(tcp4.begin(), tcp4.begin() + 14 + 12), SLIP_XDP_PASSED_TRUNCATED);
    Bytes short_tcp(tcp4.begin(), tcp4.begin() + 14 + 20 + 10);
    short_tcp[14 + 2] = 0;
    short_tcp[14 + 3] = 30;
    expect(f, short_tcp, SLIP_XDP_PASSED_TRUNCATED);
    // The IPv4 total length claims more than the frame holds.
    Bytes long_claim = tcp4;
    long_claim[14 + 2] = 0x05;
    expect(f, long_claim, SLIP_XDP_PASSED_TRUNCATED);
    Bytes bad_ihl = tcp4;
    bad_ihl[14] = 0x44;
    expect(f, bad_ihl, SLIP_XDP_PASSED_MALFORMED);
    Bytes length_below_header = tcp4;
    length_below_header[14 + 2] = 0;
    length_below_header[14 + 3] = 16;
    expect(f, length_below_header, SLIP_XDP_PASSED_MALFORMED);
    Bytes bad_version = tcp4;
    bad_version[14] = 0x65;
    expect(f, bad_version, SLIP_XDP_PASSED_MALFORMED);
    // IHL covering options past the frame's end.
    Bytes ihl_past_end(tcp4.begin(), tcp4.begin() + 14 + 20);
    ihl_past_end[14] = 0x4f;
    ihl_past_end[14 + 2] = 0;
    ihl_past_end[14 + 3] = 60;
    expect(f, ihl_past_end, SLIP_XDP_PASSED_TRUNCATED);
    const Bytes v6 = ipv6_frame(engine_ip6(), 17, udp6_to_engine(kOwnedUdp));
    expect(f, Bytes(v6.begin(), v6.begin() + 14 + 30), SLIP_XDP_PASSED_TRUNCATED);
    expect(f, Bytes(v6.begin(), v6.begin() + 14 + 40 + 4), SLIP_XDP_PASSED_TRUNCATED);
    const Bytes arp = arp_frame(1, kEngineIp);
    expect(f, Bytes(arp.begin(), arp.begin() + 14 + 20), SLIP_XDP_PASSED_TRUNCATED);
    Bytes arp_bad_sizes = arp;
    arp_bad_sizes[14 + 4] = 8;
    expect(f, arp_bad_sizes, SLIP_XDP_PASSED_MALFORMED);
    // Just an Ethernet header.
    expect(f, Bytes(tcp4.begin(), tcp4.begin() + 14), SLIP_XDP_PASSED_TRUNCATED);
}

BOOST_AUTO_TEST_CASE(ipv4_options_are_walked) {
    Filter f(true);
    const Bytes tcp = make_tcp_frame({.dport = kOwnedTcp}, {});
    const Bytes segment(tcp.begin() + 14 + 20, tcp.end());
    expect_engine(f, ipv4_frame({.protocol = 6, .options = {1, 1, 1, 0}}, segment));
}

BOOST_AUTO_TEST_CASE(fragments_go_to_the_kernel) {
    Filter f;
    expect(f, ipv4_frame({.frag = 0x2000}, make_udp4(kPeerIp, kEngineIp, 1, kOwnedUdp, {1})), SLIP_XDP_PASSED_FRAGMENT);
    expect(f, ipv4_frame({.frag = 0x0010}, Bytes(16, 0)), SLIP_XDP_PASSED_FRAGMENT);
    const Bytes frag = make_ipv6_fragment_header(17, 0, true, 7);
    Bytes payload = frag;
    const Bytes udp = udp6_to_engine(kOwnedUdp);
    payload.insert(payload.end(), udp.begin(), udp.end());
    expect(f, ipv6_frame(engine_ip6(), 44, payload), SLIP_XDP_PASSED_FRAGMENT);
}

BOOST_AUTO_TEST_CASE(vlan_and_qinq_tags_go_to_the_kernel) {
    Filter f;
    const Bytes tcp = make_tcp_frame({.dport = kOwnedTcp}, {});
    expect(f, tagged(tcp, 0x8100), SLIP_XDP_PASSED_VLAN);
    expect(f, tagged(tagged(tcp, 0x8100), 0x88a8), SLIP_XDP_PASSED_VLAN);
}

BOOST_AUTO_TEST_CASE(ipv6_extension_headers) {
    Filter f(true);
    const Bytes udp = udp6_to_engine(kOwnedUdp);
    // Hop-by-Hop, then Destination Options (two units long), then UDP.
    Bytes chain = make_ipv6_options_header(60, {});
    const Bytes dest = make_ipv6_options_header(17, Bytes(10, 0));
    chain.insert(chain.end(), dest.begin(), dest.end());
    chain.insert(chain.end(), udp.begin(), udp.end());
    expect_engine(f, ipv6_frame(engine_ip6(), 0, chain));
    // Through a routing header to an unowned port.
    Bytes routed = make_ipv6_routing_header(17, 0, 0, Bytes(4, 0));
    const Bytes unowned = udp6_to_engine(53);
    routed.insert(routed.end(), unowned.begin(), unowned.end());
    expect(f, ipv6_frame(engine_ip6(), 43, routed), SLIP_XDP_PASSED_PORT_NOT_OWNED);
    // As many Destination Options headers as the program walks, then one more.
    const auto chain_of = [&](int headers) {
        Bytes b;
        for (int i = 0; i < headers; ++i) {
            const Bytes h = make_ipv6_options_header(i + 1 < headers ? 60 : 17, {});
            b.insert(b.end(), h.begin(), h.end());
        }
        b.insert(b.end(), udp.begin(), udp.end());
        return ipv6_frame(engine_ip6(), 60, b);
    };
    expect_engine(f, chain_of(SLIP_XDP_MAX_EXT_HEADERS));
    expect(f, chain_of(SLIP_XDP_MAX_EXT_HEADERS + 1), SLIP_XDP_PASSED_EXT_CHAIN_TOO_LONG);
    // An extension header whose length runs past the frame.
    Bytes overlong = make_ipv6_options_header(17, {});
    overlong[1] = 200;
    overlong.insert(overlong.end(), udp.begin(), udp.end());
    expect(f, ipv6_frame(engine_ip6(), 0, overlong), SLIP_XDP_PASSED_TRUNCATED);
}

// With a bound AF_XDP socket in the XSK map, the engine's frames are redirected.
BOOST_AUTO_TEST_CASE(redirects_into_a_bound_socket) {
    Filter f;
    constexpr size_t kFrames = 64;
    const size_t size = kFrames * XSK_UMEM__DEFAULT_FRAME_SIZE;
    void* area = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    BOOST_REQUIRE(area != MAP_FAILED);
    xsk_ring_prod fill{};
    xsk_ring_cons completion{};
    xsk_ring_cons rx{};
    xsk_umem* umem = nullptr;
    BOOST_REQUIRE_EQUAL(xsk_umem__create(&umem, area, size, &fill, &completion, nullptr), 0);
    xsk_socket_config cfg{};
    cfg.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS;
    cfg.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS;
    cfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
    cfg.bind_flags = XDP_COPY;
    // The test run's frames arrive on the loopback device's queue 0.
    xsk_socket* xsk = nullptr;
    const int created = xsk_socket__create(&xsk, "lo", 0, umem, &rx, nullptr, &cfg);
    BOOST_REQUIRE_MESSAGE(created == 0, "cannot bind an AF_XDP socket to lo: " << created);
    const uint32_t queue = 0;
    const int fd = xsk_socket__fd(xsk);
    BOOST_REQUIRE_EQUAL(bpf_map_update_elem(f.prog.xsks_map_fd(), &queue, &fd, BPF_ANY), 0);

    const Outcome engine = f.run(make_tcp_frame({.dport = kOwnedTcp}, {}));
    BOOST_TEST(engine.action == XDP_REDIRECT);
    BOOST_TEST(name_of(engine.reason) == "redirected");
    const Outcome kernel = f.run(arp_frame(1, Ipv4Addr::from_octets(10, 0, 0, 3)));
    BOOST_TEST(kernel.action == XDP_PASS);
    BOOST_TEST(name_of(kernel.reason) == "passed_not_ours");

    xsk_socket__delete(xsk);
    xsk_umem__delete(umem);
    munmap(area, size);
}

// Attach, adopt (as the engine does with the program the af_xdp driver attached), refuse a
// second program, detach. On the loopback device in generic mode: the program passes what is
// not the engine's, and nothing of the engine's comes over lo.
BOOST_AUTO_TEST_CASE(attach_adopt_and_detach_on_loopback) {
    Filter f;
    if (slip::dataplane::find_xdp_holder("lo")) {
        BOOST_FAIL("lo already has an XDP program; remove it with 'ip link set dev lo xdp off'");
    }
    BOOST_REQUIRE_MESSAGE(f.prog.attach("lo", slip::dataplane::XdpMode::generic).empty(), "cannot attach to lo");
    BOOST_TEST(f.prog.attached());
    BOOST_TEST(std::string(slip::dataplane::xdp_mode_name(f.prog.attached_mode())) == "generic");

    XdpProgram adopted;
    BOOST_REQUIRE_EQUAL(adopted.adopt_attached("lo"), "");
    // Configured through the adopted descriptors, seen by the loaded program: the shared-host
    // switch turns an unowned port from the engine's into the kernel's.
    BOOST_REQUIRE_EQUAL(adopted.configure(engine_config(true)), "");
    BOOST_TEST(name_of(f.run(make_tcp_frame({.dport = 22}, {})).reason) == "passed_port_not_owned");
    BOOST_TEST(adopted.counters()[SLIP_XDP_PASSED_PORT_NOT_OWNED] == 1u);

    XdpProgram second;
    BOOST_REQUIRE_EQUAL(second.load(), "");
    const std::string refused = second.attach("lo", slip::dataplane::XdpMode::automatic);
    BOOST_TEST(refused.find("'slip_xdp_filter' is attached to lo") != std::string::npos, refused);
    BOOST_TEST(!second.attached());

    f.prog.detach();
    BOOST_TEST(!slip::dataplane::find_xdp_holder("lo").has_value());
    adopted.detach();  // already gone: a no-op
}

// A program of ours that no other process holds (as after SIGKILL: the holder lookup does not
// count this process) is removed by name; another program is left alone.
BOOST_AUTO_TEST_CASE(a_stale_program_of_ours_is_removed) {
    Filter f;
    BOOST_REQUIRE_MESSAGE(f.prog.attach("lo", slip::dataplane::XdpMode::generic).empty(), "cannot attach to lo");
    BOOST_TEST(slip::dataplane::remove_stale_xdp_program("lo"));
    BOOST_TEST(!slip::dataplane::find_xdp_holder("lo").has_value());
    BOOST_TEST(!slip::dataplane::remove_stale_xdp_program("lo"));
    f.prog.detach();  // already gone: a no-op
}

BOOST_AUTO_TEST_CASE(attach_errors_are_one_line) {
    Filter f;
    const std::string missing = f.prog.attach("nosuchif0", slip::dataplane::XdpMode::automatic);
    BOOST_TEST(missing.find("does not exist") != std::string::npos, missing);
    XdpProgram none;
    const std::string adopt = none.adopt_attached("lo");
    BOOST_TEST(adopt.find("no XDP program") != std::string::npos, adopt);
    BOOST_TEST(missing.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(reason_names) {
    BOOST_TEST(std::string(slip::dataplane::xdp_reason_name(SLIP_XDP_REDIRECTED)) == "redirected");
    for (int r = 0; r < SLIP_XDP_REASONS; ++r) {
        BOOST_TEST(std::string(slip::dataplane::xdp_reason_name(static_cast<slip_xdp_reason>(r))) != "?");
    }
}

BOOST_AUTO_TEST_SUITE_END()
