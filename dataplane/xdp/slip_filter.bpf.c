/* The engine's XDP program: hands the engine's XSK sockets only the frames that are the
 * engine's, and passes everything else to the host's kernel, so the engine and the kernel
 * share one interface.
 *
 * What is the engine's (slip_config, filled by the loader at start):
 *  - own addresses (default): IPv4 and IPv6 to its addresses (any protocol), ARP requests
 *    and replies whose target is its IPv4 address, ICMPv6 Neighbor Solicitations for its
 *    IPv6 addresses sent to their solicited-node groups (RFC 4861 §7.2.2; unicast NS/NA to
 *    an address of the engine are covered by the address);
 *  - SLIP_XDP_SHARE_HOST: the addresses are also the kernel's, so only TCP/UDP to the ports
 *    in slip_tcp_ports / slip_udp_ports; ICMP, ARP and ND stay with the kernel.
 * SYNs to the engine's listening ports are answered here with SYN cookies
 * (slip_syn_cookie.bpf.h) while the engine has them switched on.
 * Anything not parsed whole (truncated, malformed, fragments, VLAN tags, IPv6 extension
 * chains longer than SLIP_XDP_MAX_EXT_HEADERS) is passed to the kernel, never redirected,
 * and counted under its reason (slip_filter_abi.h) in slip_counters. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "slip_filter_abi.h"

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, SLIP_XDP_MAX_QUEUES);
    __type(key, __u32);
    __type(value, __u32);
} xsks_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct slip_xdp_config);
} slip_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SLIP_XDP_MAX_OWNED_PORTS);
    __type(key, slip_xdp_port_key);
    __type(value, __u8);
} slip_tcp_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SLIP_XDP_MAX_OWNED_PORTS);
    __type(key, slip_xdp_port_key);
    __type(value, __u8);
} slip_udp_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SLIP_XDP_REASONS);
    __type(key, __u32);
    __type(value, __u64);
} slip_counters SEC(".maps");

#include "slip_syn_cookie.bpf.h"

#define ETH_P_ARP_BE bpf_htons(0x0806)
#define IPV4_MORE_FRAGMENTS 0x2000
#define IPV4_FRAGMENT_OFFSET 0x1fff
#define ICMPV6_NEIGHBOR_SOLICITATION 135

/* ARP for IPv4 over Ethernet (RFC 826): the only kind the engine speaks. */
struct arp_eth_ipv4 {
    __be16 htype;
    __be16 ptype;
    __u8 hlen;
    __u8 plen;
    __be16 op;
    __u8 sha[6];
    __u8 spa[4];
    __u8 tha[6];
    __u8 tpa[4];
} __attribute__((packed));

/* ICMPv6 Neighbor Solicitation (RFC 4861 §4.3) up to its target address. */
struct icmp6_ns {
    __u8 type;
    __u8 code;
    __be16 checksum;
    __u32 reserved;
    __u8 target[16];
};

/* IPv6 extension header prefix (RFC 8200 §4): next header, length in 8-octet units - 1. */
struct ext_prefix {
    __u8 nexthdr;
    __u8 hdrlen;
};

static __always_inline int is_set(const __u8 a[16]) {
    const __u32* w = (const __u32*)a;
    return (w[0] | w[1] | w[2] | w[3]) != 0;
}

static __always_inline int same_addr(const __u8 a[16], const __u8 b[16]) {
    const __u32* x = (const __u32*)a;
    const __u32* y = (const __u32*)b;
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

static __always_inline int is_engine_v6(const struct slip_xdp_config* cfg, const __u8 a[16]) {
    return (is_set(cfg->ipv6[0]) && same_addr(a, cfg->ipv6[0])) ||
           (is_set(cfg->ipv6[1]) && same_addr(a, cfg->ipv6[1]));
}

/* ff02::1:ffXX:XXXX with the low 24 bits of one of the engine's addresses (RFC 4291 §2.7.1). */
static __always_inline int is_engine_solicited_node(const struct slip_xdp_config* cfg, const __u8 a[16]) {
    static const __u8 prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
    for (int i = 0; i < 13; i++) {
        if (a[i] != prefix[i]) {
            return 0;
        }
    }
    for (int k = 0; k < SLIP_XDP_IPV6_ADDRS; k++) {
        const __u8* own = cfg->ipv6[k];
        if (is_set(own) && a[13] == own[13] && a[14] == own[14] && a[15] == own[15]) {
            return 1;
        }
    }
    return 0;
}

static __always_inline int owns_port(void* ports, __be16 port) {
    slip_xdp_port_key key = bpf_ntohs(port);
    return bpf_map_lookup_elem(ports, &key) != 0;
}

/* The transport layer of a packet to one of the engine's addresses. */
static __always_inline enum slip_xdp_reason classify_l4(const struct slip_xdp_config* cfg, __u8 proto, void* l4,
                                                        void* end) {
    if (proto == IPPROTO_TCP) {
        struct tcphdr* th = l4;
        if ((void*)(th + 1) > end) {
            return SLIP_XDP_PASSED_TRUNCATED;
        }
        if ((cfg->flags & SLIP_XDP_SHARE_HOST) && !owns_port(&slip_tcp_ports, th->dest)) {
            return SLIP_XDP_PASSED_PORT_NOT_OWNED;
        }
        return SLIP_XDP_REDIRECTED;
    }
    if (proto == IPPROTO_UDP) {
        struct udphdr* uh = l4;
        if ((void*)(uh + 1) > end) {
            return SLIP_XDP_PASSED_TRUNCATED;
        }
        if ((cfg->flags & SLIP_XDP_SHARE_HOST) && !owns_port(&slip_udp_ports, uh->dest)) {
            return SLIP_XDP_PASSED_PORT_NOT_OWNED;
        }
        return SLIP_XDP_REDIRECTED;
    }
    /* ICMP and the rest: the address's owner answers them. */
    return (cfg->flags & SLIP_XDP_SHARE_HOST) ? SLIP_XDP_PASSED_OTHER_PROTO : SLIP_XDP_REDIRECTED;
}

static __always_inline enum slip_xdp_reason classify_ipv4(const struct slip_xdp_config* cfg, void* l3, void* end) {
    struct iphdr* ip = l3;
    if ((void*)(ip + 1) > end) {
        return SLIP_XDP_PASSED_TRUNCATED;
    }
    if (ip->version != 4 || ip->ihl < 5) {
        return SLIP_XDP_PASSED_MALFORMED;
    }
    const __u32 header_len = ip->ihl * 4;
    const __u32 total_len = bpf_ntohs(ip->tot_len);
    if (total_len < header_len) {
        return SLIP_XDP_PASSED_MALFORMED;
    }
    if (l3 + total_len > end) {
        return SLIP_XDP_PASSED_TRUNCATED;
    }
    if (cfg->ipv4 == 0 || ip->daddr != cfg->ipv4) {
        return SLIP_XDP_PASSED_NOT_OURS;
    }
    if (ip->frag_off & bpf_htons(IPV4_MORE_FRAGMENTS | IPV4_FRAGMENT_OFFSET)) {
        return SLIP_XDP_PASSED_FRAGMENT;
    }
    return classify_l4(cfg, ip->protocol, l3 + header_len, end);
}

static __always_inline int is_extension_header(__u8 nexthdr) {
    return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS ||
           nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_AH;
}

static __always_inline enum slip_xdp_reason classify_ipv6(const struct slip_xdp_config* cfg, void* l3, void* end) {
    struct ipv6hdr* ip6 = l3;
    if ((void*)(ip6 + 1) > end) {
        return SLIP_XDP_PASSED_TRUNCATED;
    }
    if (ip6->version != 6) {
        return SLIP_XDP_PASSED_MALFORMED;
    }
    const __u8* dst = ip6->daddr.in6_u.u6_addr8;
    const int to_engine = is_engine_v6(cfg, dst);
    const int to_group = !(cfg->flags & SLIP_XDP_SHARE_HOST) && is_engine_solicited_node(cfg, dst);
    if (!to_engine && !to_group) {
        return SLIP_XDP_PASSED_NOT_OURS;
    }
    __u8 nexthdr = ip6->nexthdr;
    void* pos = ip6 + 1;
    for (int i = 0; i < SLIP_XDP_MAX_EXT_HEADERS; i++) {
        if (!is_extension_header(nexthdr)) {
            break;
        }
        if (nexthdr == IPPROTO_FRAGMENT) {
            return SLIP_XDP_PASSED_FRAGMENT;
        }
        struct ext_prefix* ext = pos;
        if ((void*)(ext + 1) > end) {
            return SLIP_XDP_PASSED_TRUNCATED;
        }
        /* AH counts its length in 4-octet units - 2 (RFC 4302 §2.2), the others in 8-octet units - 1. */
        const __u32 len = nexthdr == IPPROTO_AH ? (ext->hdrlen + 2u) * 4u : (ext->hdrlen + 1u) * 8u;
        nexthdr = ext->nexthdr;
        pos += len;
        if (pos > end) {
            return SLIP_XDP_PASSED_TRUNCATED;
        }
    }
    if (is_extension_header(nexthdr)) {
        return SLIP_XDP_PASSED_EXT_CHAIN_TOO_LONG;
    }
    if (to_engine) {
        return classify_l4(cfg, nexthdr, pos, end);
    }
    /* A solicited-node group the kernel may share (same low 24 bits): only a Neighbor
     * Solicitation whose target is the engine's is the engine's. */
    struct icmp6_ns* ns = pos;
    if (nexthdr != IPPROTO_ICMPV6) {
        return SLIP_XDP_PASSED_NOT_OURS;
    }
    if ((void*)(ns + 1) > end) {
        return SLIP_XDP_PASSED_TRUNCATED;
    }
    if (ns->type == ICMPV6_NEIGHBOR_SOLICITATION && is_engine_v6(cfg, ns->target)) {
        return SLIP_XDP_REDIRECTED;
    }
    return SLIP_XDP_PASSED_NOT_OURS;
}

static __always_inline enum slip_xdp_reason classify_arp(const struct slip_xdp_config* cfg, void* l3, void* end) {
    struct arp_eth_ipv4* arp = l3;
    if ((void*)(arp + 1) > end) {
        return SLIP_XDP_PASSED_TRUNCATED;
    }
    if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 || arp->plen != 4) {
        return SLIP_XDP_PASSED_MALFORMED;
    }
    if (cfg->flags & SLIP_XDP_SHARE_HOST) {
        return SLIP_XDP_PASSED_OTHER_PROTO;
    }
    __u32 target;
    __builtin_memcpy(&target, arp->tpa, sizeof target);
    /* Requests for the engine's address and replies to it (RFC 826): both name it as target. */
    if (cfg->ipv4 != 0 && target == cfg->ipv4) {
        return SLIP_XDP_REDIRECTED;
    }
    return SLIP_XDP_PASSED_NOT_OURS;
}

static __always_inline enum slip_xdp_reason classify(const struct slip_xdp_config* cfg, void* data, void* end) {
    struct ethhdr* eth = data;
    if ((void*)(eth + 1) > end) {
        return SLIP_XDP_PASSED_TRUNCATED;
    }
    const __be16 type = eth->h_proto;
    if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD)) {
        return SLIP_XDP_PASSED_VLAN;
    }
    if (type == bpf_htons(ETH_P_IP)) {
        return classify_ipv4(cfg, eth + 1, end);
    }
    if (type == bpf_htons(ETH_P_IPV6)) {
        return classify_ipv6(cfg, eth + 1, end);
    }
    if (type == ETH_P_ARP_BE) {
        return classify_arp(cfg, eth + 1, end);
    }
    return SLIP_XDP_PASSED_OTHER_PROTO;
}

SEC("xdp")
int slip_xdp_filter(struct xdp_md* ctx) {
    void* data = (void*)(long)ctx->data;
    void* end = (void*)(long)ctx->data_end;
    __u32 key = 0;
    const struct slip_xdp_config* cfg = bpf_map_lookup_elem(&slip_config, &key);
    enum slip_xdp_reason reason = cfg ? classify(cfg, data, end) : SLIP_XDP_PASSED_NOT_OURS;
    int action = XDP_PASS;
    int syn = SYN_NOT_ANSWERED;
    if (reason == SLIP_XDP_REDIRECTED) {
        syn = answer_syn(ctx, &action);
        if (syn == SLIP_XDP_SYN_COOKIE_SENT) {
            reason = SLIP_XDP_SYN_COOKIE_SENT;
        }
    }
    if (reason == SLIP_XDP_REDIRECTED) {
        /* XDP_PASS when the queue has no socket (the engine not started, or fewer queues). */
        action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
        if (action != XDP_REDIRECT) {
            reason = SLIP_XDP_PASSED_NO_SOCKET;
        }
    }
    key = reason;
    __u64* count = bpf_map_lookup_elem(&slip_counters, &key);
    if (count) {
        *count += 1;
    }
    if (syn >= SLIP_XDP_SYN_FAST_OPEN) {
        key = syn;
        count = bpf_map_lookup_elem(&slip_counters, &key);
        if (count) {
            *count += 1;
        }
    }
    return action;
}

/* GPL-compatible: the kernel grants its GPL-only helpers (the TCP SYN-cookie helpers among
 * them) only to programs that declare such a license. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
