#include "stack/tcp/tcp_header.h"

#include <algorithm>
#include <cstring>

#include "stack/base/byte_order.h"

namespace slip::stack::tcp {
namespace {

// Option lengths count the kind and length bytes (RFC 9293 §3.1, "Case 2").
constexpr size_t kMssLen = 4;             // RFC 9293 §3.2
constexpr size_t kWscaleLen = 3;          // RFC 7323 §2.2
constexpr size_t kSackPermittedLen = 2;   // RFC 2018 §2
constexpr size_t kTimestampsLen = 10;     // RFC 7323 §3.2
constexpr size_t kSackBaseLen = 2;        // RFC 2018 §3: kind, length, then n blocks
constexpr size_t kSackBlockLen = 8;       // two 32-bit sequence numbers
constexpr size_t kTfoBaseLen = 2;         // RFC 7413 §4.1.1: kind, length, then the cookie
constexpr size_t kMinTfoCookieLen = 4;    // RFC 7413 §4.1.1
constexpr uint8_t kDataOffsetShift = 4;   // data offset is the high nibble of byte 12

constexpr size_t round_up4(size_t n) { return (n + 3) & ~size_t{3}; }

// The data of one option already delimited: `d` holds len - 2 bytes. False when the
// length is not the one the option's RFC defines.
bool parse_option(uint8_t kind, const uint8_t* d, size_t len, TcpOptions& o) {
    switch (kind) {
    case option::mss:
        if (len != kMssLen) return false;
        o.mss = load_be16(d);
        o.has_mss = true;
        return true;
    case option::wscale:
        // RFC 7323 §2.3: a shift above 14 is not an error of the segment; the connection
        // logic uses 14 instead, so the value is reported as received.
        if (len != kWscaleLen) return false;
        o.wscale = d[0];
        o.has_wscale = true;
        return true;
    case option::sack_permitted:
        if (len != kSackPermittedLen) return false;
        o.sack_permitted = true;
        return true;
    case option::timestamps:
        if (len != kTimestampsLen) return false;
        o.ts_val = load_be32(d);
        o.ts_ecr = load_be32(d + 4);
        o.has_timestamps = true;
        return true;
    case option::sack: {
        // RFC 2018 §3: 2 + 8n bytes. n = 0 reports nothing and is malformed; n > 4 does not
        // fit in 40 bytes, but the array bound is checked rather than assumed.
        const size_t n = (len - kSackBaseLen) / kSackBlockLen;
        if ((len - kSackBaseLen) % kSackBlockLen != 0 || n == 0 || n > kMaxSackBlocks) return false;
        for (size_t b = 0; b < n; ++b) {
            o.sack[b] = SackBlock{Seq(load_be32(d + b * kSackBlockLen)), Seq(load_be32(d + b * kSackBlockLen + 4))};
        }
        o.sack_count = static_cast<uint8_t>(n);
        return true;
    }
    case option::fast_open: {
        // RFC 7413 §4.1.1 (as corrected by erratum 4238): length 2 to 18 and even; the
        // cookie is empty (a request) or 4 to 16 bytes.
        const size_t cookie = len - kTfoBaseLen;
        if (cookie > kMaxTfoCookieLen || len % 2 != 0 || (cookie != 0 && cookie < kMinTfoCookieLen)) return false;
        std::memcpy(o.tfo_cookie.data(), d, cookie);
        o.tfo_cookie_len = static_cast<uint8_t>(cookie);
        o.has_tfo = true;
        return true;
    }
    default:
        // RFC 9293 §3.1 MUST-6: an option we do not implement is skipped by its length.
        return true;
    }
}

// The option bytes between the fixed header and the data offset. False on any option that
// cannot be delimited (RFC 9293 §3.1 MUST-7: an illegal length must not be followed).
bool parse_options(const uint8_t* p, size_t len, TcpOptions& o) {
    size_t i = 0;
    while (i < len) {
        const uint8_t kind = p[i];
        // RFC 9293 §3.2: EOL ends the list; what follows up to the data offset is padding
        // (zeros by MUST-69, but nothing depends on it, so it is not checked).
        if (kind == option::eol) break;
        // RFC 9293 §3.2: NOP is a single byte, used for alignment; options after it need
        // not be word-aligned (MUST-64), so nothing here assumes alignment.
        if (kind == option::nop) {
            ++i;
            continue;
        }
        // RFC 9293 §3.1 MUST-68: every other kind has a length byte, counting the kind and
        // itself, so at least 2; it must also stay inside the header.
        if (len - i < 2) return false;
        const size_t olen = p[i + 1];
        if (olen < 2 || olen > len - i) return false;
        if (!parse_option(kind, p + i + 2, olen, o)) return false;
        i += olen;
    }
    return true;
}

// Bytes of every option but the SACK blocks, in the layout put_options writes. At most
// 4 + 12 + 4 + 20 = 40, so these always fit and only SACK blocks ever need dropping.
size_t options_len_without_sack(const TcpOptionsToSend& o) {
    size_t n = 0;
    if (o.mss != 0) n += kMssLen;
    if (o.timestamps) {
        n += 2 + kTimestampsLen;  // (SACK-permitted or NOP,NOP), timestamps
    } else if (o.sack_permitted) {
        n += 2 + kSackPermittedLen;  // NOP,NOP, SACK-permitted
    }
    if (o.wscale >= 0) n += 1 + kWscaleLen;  // NOP, window scale
    if (o.tfo) n += round_up4(kTfoBaseLen + std::min<size_t>(o.tfo_cookie_len, kMaxTfoCookieLen));
    return n;
}

uint8_t* put_sack(uint8_t* q, const TcpOptionsToSend& o, size_t blocks) {
    q[0] = option::nop;
    q[1] = option::nop;
    q[2] = option::sack;
    q[3] = static_cast<uint8_t>(kSackBaseLen + blocks * kSackBlockLen);
    q += 4;
    for (size_t b = 0; b < blocks; ++b) {
        store_be32(q, o.sack[b].left.raw());
        store_be32(q + 4, o.sack[b].right.raw());
        q += kSackBlockLen;
    }
    return q;
}

uint8_t* put_tfo(uint8_t* q, const TcpOptionsToSend& o) {
    const size_t cookie = std::min<size_t>(o.tfo_cookie_len, kMaxTfoCookieLen);
    const size_t len = kTfoBaseLen + cookie;
    q[0] = option::fast_open;
    q[1] = static_cast<uint8_t>(len);
    std::memcpy(q + kTfoBaseLen, o.tfo_cookie.data(), cookie);
    // NOPs after the cookie keep the header a whole number of words (RFC 9293 §3.1).
    std::fill(q + len, q + round_up4(len), option::nop);
    return q + round_up4(len);
}

// Options in Linux's order and packing (see tcp_header.h); returns the end.
uint8_t* put_options(uint8_t* q, const TcpOptionsToSend& o) {
    if (o.mss != 0) {
        q[0] = option::mss;
        q[1] = kMssLen;
        store_be16(q + 2, o.mss);
        q += kMssLen;
    }
    if (o.timestamps) {
        // SACK-permitted takes the two bytes that would otherwise be NOPs aligning TSval.
        q[0] = o.sack_permitted ? option::sack_permitted : option::nop;
        q[1] = o.sack_permitted ? kSackPermittedLen : option::nop;
        q[2] = option::timestamps;
        q[3] = kTimestampsLen;
        store_be32(q + 4, o.ts_val);
        store_be32(q + 8, o.ts_ecr);
        q += 2 + kTimestampsLen;
    } else if (o.sack_permitted) {
        q[0] = option::nop;
        q[1] = option::nop;
        q[2] = option::sack_permitted;
        q[3] = kSackPermittedLen;
        q += 2 + kSackPermittedLen;
    }
    if (o.wscale >= 0) {
        q[0] = option::nop;
        q[1] = option::wscale;
        q[2] = kWscaleLen;
        q[3] = std::min(static_cast<uint8_t>(o.wscale), kMaxWindowScale);  // RFC 7323 §2.3
        q += 1 + kWscaleLen;
    }
    if (const size_t blocks = tcp_sack_blocks_sent(o); blocks != 0) q = put_sack(q, o, blocks);
    if (o.tfo) q = put_tfo(q, o);
    return q;
}

}  // namespace

bool tcp_flags_valid(uint8_t flags) {
    // RFC 9293 §3.10.7: a segment with none of SYN, ACK and RST is dropped in every state
    // but CLOSED: LISTEN never gets that far (§3.10.7.2 "fourth"), SYN-SENT drops it
    // (§3.10.7.3 "fifth"), the synchronized states drop it for the missing ACK (§3.10.7.4
    // "fifth"). That covers no flags at all, FIN, PSH or URG alone and FIN+PSH+URG. Only
    // CLOSED (§3.10.7.1) would answer it with a RST; such segments are scanner probes,
    // never sent by a TCP, and are dropped without an answer.
    if ((flags & (flag::syn | flag::ack | flag::rst)) == 0) return false;
    // SYN opens a connection while FIN closes it and RST aborts it: no stack sends them
    // together, and the state machine would act on one and silently lose the other.
    // Other combinations (RST+ACK+FIN, ECE/CWR on anything) are left to the state machine.
    if ((flags & flag::syn) != 0 && (flags & (flag::fin | flag::rst)) != 0) return false;
    return true;
}

Parsed<TcpHeader> parse_tcp(const uint8_t* p, size_t segment_len) {
    if (segment_len < kTcpHeaderLen) {
        return DropReason::tcp_truncated;
    }
    TcpHeader h;
    // RFC 9293 §3.1: data offset counts 32-bit words and covers at least the fixed header.
    const size_t offset = static_cast<size_t>(p[12] >> kDataOffsetShift) * 4;
    if (offset < kTcpHeaderLen || offset > segment_len) {
        return DropReason::tcp_bad_offset;
    }
    h.data_offset = static_cast<uint8_t>(offset);
    // The low nibble of byte 12 is reserved (or AccECN's AE bit): ignored on receipt.
    h.flags = p[13];
    if (!tcp_flags_valid(h.flags)) {
        return DropReason::tcp_bad_flags;
    }
    h.src_port = load_be16(p);
    h.dst_port = load_be16(p + 2);
    h.seq = Seq(load_be32(p + 4));
    h.ack = Seq(load_be32(p + 8));
    h.window = load_be16(p + 14);
    h.checksum = load_be16(p + 16);
    h.urgent = load_be16(p + 18);
    if (!parse_options(p + kTcpHeaderLen, offset - kTcpHeaderLen, h.options)) {
        return DropReason::tcp_bad_option;
    }
    return h;
}

size_t tcp_sack_blocks_sent(const TcpOptionsToSend& o) {
    const size_t wanted = std::min<size_t>(o.sack_count, kMaxSackBlocks);
    const size_t used = options_len_without_sack(o);
    // NOP,NOP,kind,length then the blocks; the last ones are dropped when space runs out.
    if (wanted == 0 || used + 2 + kSackBaseLen + kSackBlockLen > kTcpMaxOptionsLen) return 0;
    return std::min(wanted, (kTcpMaxOptionsLen - used - 2 - kSackBaseLen) / kSackBlockLen);
}

size_t tcp_options_len(const TcpOptionsToSend& o) {
    const size_t blocks = tcp_sack_blocks_sent(o);
    return options_len_without_sack(o) + (blocks == 0 ? 0 : 2 + kSackBaseLen + blocks * kSackBlockLen);
}

size_t write_tcp(uint8_t* p, uint16_t src_port, uint16_t dst_port, Seq seq, Seq ack, uint8_t flags, uint16_t window,
                 const TcpOptionsToSend& opts) {
    const size_t len = static_cast<size_t>(put_options(p + kTcpHeaderLen, opts) - p);
    store_be16(p, src_port);
    store_be16(p + 2, dst_port);
    store_be32(p + 4, seq.raw());
    store_be32(p + 8, ack.raw());
    p[12] = static_cast<uint8_t>((len / 4) << kDataOffsetShift);  // reserved bits 0
    p[13] = flags;
    store_be16(p + 14, window);
    store_be16(p + 16, 0);  // checksum: the caller knows the pseudo-header
    store_be16(p + 18, 0);  // urgent pointer: this writer has no urgent data to point at
    return len;
}

}  // namespace slip::stack::tcp
