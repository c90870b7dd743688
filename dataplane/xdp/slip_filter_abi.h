/* The contract between the XDP program (slip_filter.bpf.c, compiled for BPF) and its loader
 * (dataplane/xdp_program.cc): map layouts and the counter table. Plain C, for both compilers;
 * every field is a fixed-width Linux type so both sides agree on the layout. */
#ifndef SLIP_XDP_FILTER_ABI_H
#define SLIP_XDP_FILTER_ABI_H

#include <linux/types.h>

/* Map names, as the loader finds them in the object (and in the program attached to an
 * interface). "xsks_map" is the name DPDK 22.11's af_xdp driver looks up to insert its
 * sockets, keyed by queue index. */
#define SLIP_XDP_PROG_NAME "slip_xdp_filter"
#define SLIP_XDP_MAP_XSKS "xsks_map"
#define SLIP_XDP_MAP_CONFIG "slip_config"
#define SLIP_XDP_MAP_TCP_PORTS "slip_tcp_ports"
#define SLIP_XDP_MAP_UDP_PORTS "slip_udp_ports"
#define SLIP_XDP_MAP_COUNTERS "slip_counters"
#define SLIP_XDP_MAP_TCP_LISTEN "slip_tcp_listen"
#define SLIP_XDP_MAP_SYN_COOKIE "slip_syn_cookie"
#define SLIP_XDP_MAP_CLOCK "slip_clock"

#define SLIP_XDP_MAX_QUEUES 64
#define SLIP_XDP_MAX_OWNED_PORTS 1024
#define SLIP_XDP_IPV6_ADDRS 2 /* a global address and the link-local one */
/* IPv6 extension headers the program walks before giving up (the verifier needs a bound). */
#define SLIP_XDP_MAX_EXT_HEADERS 6

/* slip_xdp_config.flags */
/* The engine shares its addresses with the host's kernel: only TCP/UDP to the owned ports
 * (slip_tcp_ports, slip_udp_ports) is the engine's; ICMP, ARP, ND and everything else stay
 * with the kernel, which answers for the shared address. */
#define SLIP_XDP_SHARE_HOST (1u << 0)

/* The only entry (key 0) of the ARRAY map slip_config. Addresses in network byte order;
 * an all-zero address is "none". */
struct slip_xdp_config {
    __u32 ipv4;
    __u32 flags;
    __u8 ipv6[SLIP_XDP_IPV6_ADDRS][16];
};

/* Keys of slip_tcp_ports / slip_udp_ports (HASH maps): the port in host byte order; any
 * value marks it owned. */
typedef __u32 slip_xdp_port_key;

/* SYN cookies answered from XDP (RFC 4987 §3.6), in the same encoding as the engine's TCP
 * (stack/tcp/tcp_listen.cc), so the engine accepts the final ACK as one of its own cookies:
 *   ISN   = time slot (5 bits) | MSS index (3 bits) | 24 bits of SipHash-2-4 under `key` over
 *           (16, 16, engine address, peer address (IPv4 as ::ffff:a.b.c.d), engine port, peer
 *           port, peer ISN, full time slot, MSS index), big-endian, 50 bytes;
 *   TSval = the engine's millisecond clock with the peer's window scale (15: none) in bits
 *           1..4 and SACK-permitted in bit 0, never ahead of the clock (RFC 7323 §5.4).
 * The clock both sides read: bpf_ktime_get_ns() (CLOCK_MONOTONIC) plus slip_clock[queue],
 * the engine's time minus CLOCK_MONOTONIC, rewritten by the engine every second. */
#define SLIP_XDP_COOKIES_ON (1u << 0)  /* answer SYNs to slip_tcp_listen ports */
#define SLIP_XDP_COOKIE_TIMESTAMPS (1u << 1)
#define SLIP_XDP_COOKIE_WSCALE (1u << 2)
#define SLIP_XDP_COOKIE_SACK (1u << 3)
#define SLIP_XDP_COOKIE_SLOT_SECONDS 64

/* The only entry (key 0) of the ARRAY map slip_syn_cookie. */
struct slip_xdp_syn_cookie {
    __u64 key[2];      /* SipHash-2-4 key (k0, k1) of the current rotation */
    __u32 ts_offset;   /* added to the millisecond clock (RFC 7323 §5.4) */
    __u32 flags;       /* SLIP_XDP_COOKIE* */
    __u16 mss_ipv4;    /* the engine's MSS for IPv4 and IPv6 peers (before the cookie's rounding) */
    __u16 mss_ipv6;
    __u16 window;      /* the SYN-ACK's window (never scaled, RFC 7323 §2.2) */
    __u8 wscale;       /* the engine's window scale */
    __u8 reserved;
};

/* Why a frame went where it went: the index into the PERCPU_ARRAY slip_counters (one __u64
 * per CPU per reason). Exactly one of the reasons before SLIP_XDP_SYN_FAST_OPEN is counted per
 * frame. */
enum slip_xdp_reason {
    SLIP_XDP_REDIRECTED = 0,          /* the engine's, handed to its XSK socket */
    SLIP_XDP_PASSED_NO_SOCKET,        /* the engine's, but no socket on this queue: to the kernel */
    SLIP_XDP_PASSED_NOT_OURS,         /* IPv4/IPv6/ARP/ND for another address */
    SLIP_XDP_PASSED_PORT_NOT_OWNED,   /* shared address, TCP/UDP port the engine does not own */
    SLIP_XDP_PASSED_OTHER_PROTO,      /* other ethertype, or (shared) other L4 protocol */
    SLIP_XDP_PASSED_VLAN,             /* 802.1Q / 802.1ad tagged: the engine takes untagged frames */
    SLIP_XDP_PASSED_FRAGMENT,         /* IPv4 or IPv6 fragment: no ports to classify by */
    SLIP_XDP_PASSED_EXT_CHAIN_TOO_LONG, /* more IPv6 extension headers than the program walks */
    SLIP_XDP_PASSED_TRUNCATED,        /* a header runs past the end of the frame */
    SLIP_XDP_PASSED_MALFORMED,        /* bad IPv4 IHL/total length, bad ARP sizes */
    SLIP_XDP_SYN_COOKIE_SENT,         /* a SYN answered with a SYN cookie (XDP_TX) */
    /* With cookies on, SYNs the program leaves to the engine, counted in addition to their
     * fate above (redirected, or passed when no socket): */
    SLIP_XDP_SYN_FAST_OPEN,           /* carries a Fast Open option (RFC 7413): the engine's */
    SLIP_XDP_SYN_DATA,                /* carries data: a stateless answer would lose it */
    SLIP_XDP_SYN_NOT_LISTENING,       /* to a port without a listener: the engine resets it */
    SLIP_XDP_REASONS                  /* number of reasons, not a reason */
};

#endif
