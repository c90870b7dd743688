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

/* Why a frame went where it went: the index into the PERCPU_ARRAY slip_counters (one __u64
 * per CPU per reason). Exactly one reason is counted per frame. */
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
    SLIP_XDP_REASONS                  /* number of reasons, not a reason */
};

#endif
