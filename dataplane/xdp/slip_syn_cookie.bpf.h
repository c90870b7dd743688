/* SYN cookies answered from XDP (RFC 4987 §3.6): a SYN to one of the engine's listening ports
 * gets its SYN-ACK here (XDP_TX), so a SYN flood never reaches the engine's XSK ring; the
 * engine's TCP accepts the final ACK as one of its own cookies (stack/tcp/tcp_listen.cc).
 * The encoding is the engine's, described in slip_filter_abi.h. Included by slip_filter.bpf.c
 * after its maps. */
#ifndef SLIP_SYN_COOKIE_BPF_H
#define SLIP_SYN_COOKIE_BPF_H

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SLIP_XDP_MAX_OWNED_PORTS);
    __type(key, slip_xdp_port_key);
    __type(value, __u8);
} slip_tcp_listen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct slip_xdp_syn_cookie);
} slip_syn_cookie SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SLIP_XDP_MAX_QUEUES);
    __type(key, __u32);
    __type(value, __s64);
} slip_clock SEC(".maps");

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERMITTED 4
#define TCP_OPT_TIMESTAMPS 8
#define TCP_OPT_FAST_OPEN 34
#define TCP_MAX_OPTION_BYTES 40
#define COOKIE_NO_WSCALE 15
#define MAX_WSCALE 14 /* RFC 7323 §2.3 */
#define COOKIE_MAC_INPUT 50

/* Not a SYN this path answers: the frame keeps the fate classify() gave it. */
#define SYN_NOT_ANSWERED (-1)

/* The MSS values a cookie carries in 3 bits (the peer's MSS is rounded down to one): 536,
 * 1200, 1220, 1360, 1400, 1440, 1460, 8960. Immediates, not a table: libbpf refuses the
 * merged-constant section clang would put a table in. */
static __always_inline __u16 cookie_mss(__u8 index) {
    switch (index & 7) {
        case 0: return 536;
        case 1: return 1200;
        case 2: return 1220;
        case 3: return 1360;
        case 4: return 1400;
        case 5: return 1440;
        case 6: return 1460;
        default: return 8960;
    }
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012), as crypto/siphash.cc computes it. */
#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                        \
    do {                                                                                \
        v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);                   \
        v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                                         \
        v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                                         \
        v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);                   \
    } while (0)

static __always_inline __u64 load_le64(const __u8* p) {
    __u64 v = 0;
#pragma unroll
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

/* The MAC over the 50-byte input the engine's TcpSecrets::syn_cookie_mac builds. */
static __always_inline __u32 cookie_mac(__u64 k0, __u64 k1, const __u8* msg) {
    __u64 v0 = 0x736f6d6570736575ULL ^ k0;
    __u64 v1 = 0x646f72616e646f6dULL ^ k1;
    __u64 v2 = 0x6c7967656e657261ULL ^ k0;
    __u64 v3 = 0x7465646279746573ULL ^ k1;
#pragma unroll
    for (int i = 0; i < COOKIE_MAC_INPUT / 8; i++) {
        const __u64 m = load_le64(msg + i * 8);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    /* The last two bytes and the length (SipHash's final block). */
    const __u64 b = (__u64)COOKIE_MAC_INPUT << 56 | (__u64)msg[49] << 8 | msg[48];
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    const __u64 h = v0 ^ v1 ^ v2 ^ v3;
    return (__u32)(h ^ (h >> 32));
}

static __always_inline void put_be32(__u8* p, __u32 v) {
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* What the SYN asked for: its options as the engine's parser reads them. */
struct syn_request {
    __u8 local[16];  /* the engine's address (IPv4 as ::ffff:a.b.c.d) */
    __u8 remote[16];
    __u8 local_mac[6];
    __u8 remote_mac[6];
    __be16 local_port;
    __be16 remote_port;
    __u32 isn;
    __u32 ts_val;
    __u16 mss;
    __u8 wscale;
    __u8 has_mss, has_wscale, has_sack, has_ts, ipv6;
};

/* The options of a SYN, copied out of the frame and walked with bpf_loop: an open-coded
 * walk over up to 40 bytes of options is too many paths for the verifier. */
struct option_walk {
    __u8 buf[72];  /* 40 option bytes; the rest keeps masked reads in bounds */
    __u32 pos;
    __u32 len;
    int result;  /* 0, SLIP_XDP_SYN_FAST_OPEN or SYN_NOT_ANSWERED */
    __u32 ts_val;
    __u16 mss;
    __u8 wscale;
    __u8 has_mss, has_wscale, has_sack, has_ts;
};

/* One option at w->pos (RFC 9293 §3.2); 1 ends the walk. */
static long walk_option(__u64 index, void* ctx) {
    struct option_walk* w = ctx;
    (void)index;
    const __u32 pos = w->pos;
    if (pos >= w->len || pos >= TCP_MAX_OPTION_BYTES) {
        return 1;
    }
    const __u8 kind = w->buf[pos & 63];
    if (kind == TCP_OPT_EOL) {
        return 1;
    }
    if (kind == TCP_OPT_NOP) {
        w->pos = pos + 1;
        return 0;
    }
    const __u32 len = pos + 1 < w->len ? w->buf[(pos + 1) & 63] : 0;
    if (len < 2 || pos + len > w->len) {
        w->result = SYN_NOT_ANSWERED;  /* the engine's parser refuses such a segment */
        return 1;
    }
    const __u8* d = &w->buf[(pos + 2) & 63];  /* masks for the verifier; the length check above bounds it */
    if (kind == TCP_OPT_FAST_OPEN) {
        w->result = SLIP_XDP_SYN_FAST_OPEN;
        return 1;
    }
    if (kind == TCP_OPT_MSS && len == 4) {
        w->mss = (__u16)d[0] << 8 | d[1];
        w->has_mss = 1;
    } else if (kind == TCP_OPT_WSCALE && len == 3) {
        w->wscale = d[0];
        w->has_wscale = 1;
    } else if (kind == TCP_OPT_SACK_PERMITTED && len == 2) {
        w->has_sack = 1;
    } else if (kind == TCP_OPT_TIMESTAMPS && len == 10) {
        w->ts_val = (__u32)d[0] << 24 | (__u32)d[1] << 16 | (__u32)d[2] << 8 | d[3];
        w->has_ts = 1;
    } else if (kind == TCP_OPT_MSS || kind == TCP_OPT_WSCALE || kind == TCP_OPT_SACK_PERMITTED ||
               kind == TCP_OPT_TIMESTAMPS) {
        w->result = SYN_NOT_ANSWERED;  /* a known option with a wrong length */
        return 1;
    }
    w->pos = pos + len;
    return 0;
}

/* Reads the options of a SYN; SLIP_XDP_SYN_FAST_OPEN for a Fast Open option,
 * SYN_NOT_ANSWERED for options the engine's parser would refuse, else 0. */
static __attribute__((noinline)) int parse_syn_options(struct xdp_md* ctx, struct syn_request* r, __u32 offset,
                                                        __u32 len) {
    struct option_walk w = {};
    if (len == 0) {
        return 0;
    }
    if (len > TCP_MAX_OPTION_BYTES) {
        return SYN_NOT_ANSWERED;
    }
    /* The verifier wants the length's bounds from a mask it sees; clang would fold a plain one. */
    __u32 last = len - 1;
    asm volatile("%0 &= 63" : "+r"(last));
    if (bpf_xdp_load_bytes(ctx, offset, w.buf, last + 1) != 0) {
        return SYN_NOT_ANSWERED;
    }
    w.len = len;
    bpf_loop(TCP_MAX_OPTION_BYTES, walk_option, &w, 0);
    r->mss = w.mss;
    r->wscale = w.wscale;
    r->ts_val = w.ts_val;
    r->has_mss = w.has_mss;
    r->has_wscale = w.has_wscale;
    r->has_sack = w.has_sack;
    r->has_ts = w.has_ts;
    return w.result;
}

/* A plain SYN (no ACK, RST or FIN) to a listening port, without IPv4 options or IPv6
 * extension headers: fills `r` and returns 0; SLIP_XDP_SYN_* when it stays the engine's;
 * SYN_NOT_ANSWERED for any other frame. */
static __always_inline int parse_syn(struct xdp_md* ctx, struct syn_request* r) {
    void* data = (void*)(long)ctx->data;
    void* end = (void*)(long)ctx->data_end;
    struct ethhdr* eth = data;
    struct tcphdr* th;
    __u32 l4_len;
    if ((void*)(eth + 1) > end) {
        return SYN_NOT_ANSWERED;
    }
    __builtin_memcpy(r->local_mac, eth->h_dest, 6);
    __builtin_memcpy(r->remote_mac, eth->h_source, 6);
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr* ip = (void*)(eth + 1);
        if ((void*)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_TCP) {
            return SYN_NOT_ANSWERED;
        }
        r->local[10] = r->local[11] = r->remote[10] = r->remote[11] = 0xff;
        __builtin_memcpy(r->local + 12, &ip->daddr, 4);
        __builtin_memcpy(r->remote + 12, &ip->saddr, 4);
        l4_len = bpf_ntohs(ip->tot_len) - sizeof *ip;
        th = (void*)(ip + 1);
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr* ip6 = (void*)(eth + 1);
        if ((void*)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP) {
            return SYN_NOT_ANSWERED;
        }
        __builtin_memcpy(r->local, ip6->daddr.in6_u.u6_addr8, 16);
        __builtin_memcpy(r->remote, ip6->saddr.in6_u.u6_addr8, 16);
        l4_len = bpf_ntohs(ip6->payload_len);
        th = (void*)(ip6 + 1);
        r->ipv6 = 1;
    } else {
        return SYN_NOT_ANSWERED;
    }
    if ((void*)(th + 1) > end || !th->syn || th->ack || th->rst || th->fin || th->doff < 5 ||
        l4_len < th->doff * 4u) {
        return SYN_NOT_ANSWERED;
    }
    r->local_port = th->dest;
    r->remote_port = th->source;
    r->isn = bpf_ntohl(th->seq);
    slip_xdp_port_key port = bpf_ntohs(th->dest);
    if (!bpf_map_lookup_elem(&slip_tcp_listen, &port)) {
        return SLIP_XDP_SYN_NOT_LISTENING;
    }
    const __u32 header_len = th->doff * 4u;
    const __u32 options_at = sizeof *eth + (r->ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) + sizeof *th;
    const int options = parse_syn_options(ctx, r, options_at, header_len - sizeof *th);
    if (options != 0) {
        return options;
    }
    /* RFC 7413 §4.2.2 aside, data on a SYN is the engine's to refuse or take. */
    return l4_len > header_len ? SLIP_XDP_SYN_DATA : 0;
}

static __always_inline __u32 fold_checksum(__u64 sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)~sum;
}

/* The SYN-ACK's TCP header and options: 20 + `opt_len` bytes of `seg`. */
struct synack {
    struct tcphdr th;
    __u8 opt[20];
};

/* ISN = slot (5 bits) | MSS index (3 bits) | 24 bits of the MAC. A function of its own (a
 * BPF-to-BPF call), so its message and rounds do not add to its caller's stack frame. */
static __attribute__((noinline)) __u32 cookie_isn(const struct syn_request* r, const struct slip_xdp_syn_cookie* sc,
                                                  __u32 slot, __u32 idx) {
    __u8 msg[56] = {};
    msg[0] = msg[1] = 16;
    __builtin_memcpy(msg + 2, r->local, 16);
    __builtin_memcpy(msg + 18, r->remote, 16);
    __builtin_memcpy(msg + 34, &r->local_port, 2);
    __builtin_memcpy(msg + 36, &r->remote_port, 2);
    put_be32(msg + 38, r->isn);
    put_be32(msg + 42, slot);
    put_be32(msg + 46, idx);
    const __u32 mac = cookie_mac(sc->key[0], sc->key[1], msg) & 0xffffff;
    return (slot & 31) << 27 | idx << 24 | mac;
}

/* RFC 4987 §3.6: the ISN, TSval and options the engine's cookie path would send. */
static __always_inline __u32 build_synack(struct synack* s, const struct syn_request* r,
                                          const struct slip_xdp_syn_cookie* sc, __u64 now_ns) {
    __u8 idx = 0;
    const __u16 peer_mss = r->has_mss ? r->mss : 536;
#pragma unroll
    for (int i = 1; i < 8; i++) {
        if (cookie_mss(i) <= peer_mss) {
            idx = i;
        }
    }
    const __u32 slot = (__u32)(now_ns / 1000000000ULL / SLIP_XDP_COOKIE_SLOT_SECONDS);
    const __u32 cookie = cookie_isn(r, sc, slot, idx);

    const int ts = (sc->flags & SLIP_XDP_COOKIE_TIMESTAMPS) && r->has_ts;
    const int ws = (sc->flags & SLIP_XDP_COOKIE_WSCALE) && r->has_wscale && ts;
    const int sack = (sc->flags & SLIP_XDP_COOKIE_SACK) && r->has_sack && ts;
    __u16 mss = r->ipv6 ? sc->mss_ipv6 : sc->mss_ipv4;
    if (cookie_mss(idx) < mss) {
        mss = cookie_mss(idx);
    }
    __builtin_memset(s, 0, sizeof *s);
    s->th.source = r->local_port;
    s->th.dest = r->remote_port;
    s->th.seq = bpf_htonl(cookie);
    s->th.ack_seq = bpf_htonl(r->isn + 1);
    s->th.syn = 1;
    s->th.ack = 1;
    s->th.window = bpf_htons(sc->window);
    s->opt[0] = TCP_OPT_MSS;
    s->opt[1] = 4;
    s->opt[2] = mss >> 8;
    s->opt[3] = mss;
    __u32 opt_len = 4;
    if (ts) {
        const __u32 clock = (__u32)(now_ns / 1000000ULL) + sc->ts_offset;
        const __u8 peer_ws = ws ? (r->wscale < MAX_WSCALE ? r->wscale : MAX_WSCALE) : COOKIE_NO_WSCALE;
        __u32 ts_val = (clock & ~0x1fu) | (__u32)peer_ws << 1 | (sack ? 1u : 0u);
        if ((__s32)(ts_val - clock) > 0) {
            ts_val -= 32;  /* never ahead of the clock the engine's later segments carry (PAWS) */
        }
        s->opt[4] = sack ? TCP_OPT_SACK_PERMITTED : TCP_OPT_NOP;
        s->opt[5] = sack ? 2 : TCP_OPT_NOP;
        s->opt[6] = TCP_OPT_TIMESTAMPS;
        s->opt[7] = 10;
        put_be32(s->opt + 8, ts_val);
        put_be32(s->opt + 12, r->ts_val);
        opt_len = 16;
        if (ws) {
            s->opt[16] = TCP_OPT_NOP;
            s->opt[17] = TCP_OPT_WSCALE;
            s->opt[18] = 3;
            s->opt[19] = sc->wscale;
            opt_len = 20;
        }
    }
    s->th.doff = (sizeof s->th + opt_len) / 4;
    return opt_len;
}

/* The TCP checksum (RFC 9293 §3.1) over the pseudo-header sum `pseudo` and `len` bytes of `s`. */
static __always_inline __u16 tcp_checksum(const struct synack* s, __u32 len, __u64 pseudo) {
    const __u16* w = (const __u16*)s;
    __u64 sum = pseudo;
#pragma unroll
    for (int i = 0; i < (int)sizeof(*s) / 2; i++) {
        if (i * 2 < len) {
            sum += w[i];
        }
    }
    return fold_checksum(sum);
}

static __always_inline __u64 sum_words(const __u8* p, int n) {
    __u64 sum = 0;
#pragma unroll
    for (int i = 0; i < n; i += 2) {
        __u16 w;
        __builtin_memcpy(&w, p + i, 2);
        sum += w;
    }
    return sum;
}

/* Turns the SYN in `ctx` into the SYN-ACK in place: addresses and ports swapped, the frame
 * cut to the new headers. XDP_TX; SYN_NOT_ANSWERED when the frame cannot be resized (left as
 * it was); XDP_ABORTED if the resized frame were shorter than asked (never). */
static __always_inline int write_synack(struct xdp_md* ctx, const struct syn_request* r, struct synack* s,
                                        __u32 opt_len) {
    const __u32 ip_len = r->ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
    const __u32 tcp_len = sizeof s->th + opt_len;
    const int frame_len = (int)bpf_xdp_get_buff_len(ctx);  /* data_end - data: the verifier refuses it */
    if (bpf_xdp_adjust_tail(ctx, (int)(sizeof(struct ethhdr) + ip_len + tcp_len) - frame_len) != 0) {
        return SYN_NOT_ANSWERED;  /* the frame is untouched: the engine answers it */
    }
    void* data = (void*)(long)ctx->data;
    void* end = (void*)(long)ctx->data_end;
    struct ethhdr* eth = data;
    if ((void*)(eth + 1) > end) {
        return XDP_ABORTED;
    }
    __builtin_memcpy(eth->h_dest, r->remote_mac, 6);
    __builtin_memcpy(eth->h_source, r->local_mac, 6);
    __u64 pseudo = bpf_htons(IPPROTO_TCP) + (__u64)bpf_htons(tcp_len);
    struct tcphdr* th;
    if (r->ipv6) {
        struct ipv6hdr* ip6 = (void*)(eth + 1);
        if ((void*)(ip6 + 1) > end) {
            return XDP_ABORTED;
        }
        __builtin_memset(ip6, 0, sizeof *ip6);
        ip6->version = 6;
        ip6->payload_len = bpf_htons(tcp_len);
        ip6->nexthdr = IPPROTO_TCP;
        ip6->hop_limit = 64;
        __builtin_memcpy(ip6->saddr.in6_u.u6_addr8, r->local, 16);
        __builtin_memcpy(ip6->daddr.in6_u.u6_addr8, r->remote, 16);
        pseudo += sum_words(r->local, 16) + sum_words(r->remote, 16);
        th = (void*)(ip6 + 1);
    } else {
        struct iphdr* ip = (void*)(eth + 1);
        if ((void*)(ip + 1) > end) {
            return XDP_ABORTED;
        }
        __builtin_memset(ip, 0, sizeof *ip);
        ip->version = 4;
        ip->ihl = 5;
        ip->tot_len = bpf_htons(sizeof *ip + tcp_len);
        ip->frag_off = bpf_htons(0x4000);  /* DF */
        ip->ttl = 64;
        ip->protocol = IPPROTO_TCP;
        __builtin_memcpy(&ip->saddr, r->local + 12, 4);
        __builtin_memcpy(&ip->daddr, r->remote + 12, 4);
        ip->check = fold_checksum(sum_words((const __u8*)ip, sizeof *ip));
        pseudo += sum_words(r->local + 12, 4) + sum_words(r->remote + 12, 4);
        th = (void*)(ip + 1);
    }
    s->th.check = tcp_checksum(s, tcp_len, pseudo);
    if ((void*)th + sizeof s->th + 4 > end) {
        return XDP_ABORTED;
    }
    __builtin_memcpy(th, s, sizeof s->th + 4);
    if (opt_len >= 16) {
        __u8* more = (__u8*)th + sizeof s->th + 4;
        if ((void*)(more + 12) > end) {
            return XDP_ABORTED;
        }
        __builtin_memcpy(more, s->opt + 4, 12);
        if (opt_len == 20) {
            if ((void*)(more + 16) > end) {
                return XDP_ABORTED;
            }
            __builtin_memcpy(more + 12, s->opt + 16, 4);
        }
    }
    return XDP_TX;
}

/* A SYN for the cookie path: *action is XDP_TX (or XDP_ABORTED) and the reason
 * SLIP_XDP_SYN_COOKIE_SENT when answered; SLIP_XDP_SYN_* when it stays the engine's;
 * SYN_NOT_ANSWERED otherwise (and for every frame while cookies are off). */
static __always_inline int answer_syn(struct xdp_md* ctx, int* action) {
    __u32 key = 0;
    const struct slip_xdp_syn_cookie* sc = bpf_map_lookup_elem(&slip_syn_cookie, &key);
    if (!sc || !(sc->flags & SLIP_XDP_COOKIES_ON)) {
        return SYN_NOT_ANSWERED;
    }
    struct syn_request r = {};
    const int parsed = parse_syn(ctx, &r);
    if (parsed != 0) {
        return parsed;
    }
    key = ctx->rx_queue_index;
    const __s64* offset = bpf_map_lookup_elem(&slip_clock, &key);
    const __u64 now_ns = bpf_ktime_get_ns() + (offset ? *offset : 0);
    struct synack s;
    const __u32 opt_len = build_synack(&s, &r, sc, now_ns);
    const int written = write_synack(ctx, &r, &s, opt_len);
    if (written == SYN_NOT_ANSWERED) {
        return SYN_NOT_ANSWERED;
    }
    *action = written;
    return SLIP_XDP_SYN_COOKIE_SENT;
}

#endif
