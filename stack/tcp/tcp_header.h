#pragma once
// TCP header and options: parsing and construction (RFC 9293 §3.1-3.2; window scale and
// timestamps RFC 7323; SACK RFC 2018; Fast Open RFC 7413). Sans-I/O: the parser reads a
// buffer it is given, the writer fills one; nothing is allocated and nothing throws.
#include <array>
#include <cstddef>
#include <cstdint>

#include "stack/base/parsed.h"
#include "stack/tcp/seq.h"

namespace slip::stack::tcp {

inline constexpr size_t kTcpHeaderLen = 20;     // RFC 9293 §3.1: data offset 5
inline constexpr size_t kTcpMaxHeaderLen = 60;  // data offset 15, the 4-bit field's maximum
inline constexpr size_t kTcpMaxOptionsLen = kTcpMaxHeaderLen - kTcpHeaderLen;

// Control bits, as in byte 13 of the header (RFC 9293 §3.1; CWR and ECE from RFC 3168).
namespace flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
inline constexpr uint8_t urg = 0x20;
inline constexpr uint8_t ece = 0x40;
inline constexpr uint8_t cwr = 0x80;
}  // namespace flag

// Option kinds (IANA "TCP Option Kind Numbers").
namespace option {
inline constexpr uint8_t eol = 0;             // RFC 9293 §3.2
inline constexpr uint8_t nop = 1;             // RFC 9293 §3.2
inline constexpr uint8_t mss = 2;             // RFC 9293 §3.2, §3.7.1
inline constexpr uint8_t wscale = 3;          // RFC 7323 §2.2
inline constexpr uint8_t sack_permitted = 4;  // RFC 2018 §2
inline constexpr uint8_t sack = 5;            // RFC 2018 §3
inline constexpr uint8_t timestamps = 8;      // RFC 7323 §3.2
inline constexpr uint8_t fast_open = 34;      // RFC 7413 §4.1.1
}  // namespace option

// RFC 7323 §2.3: the largest shift that keeps the window below 2^30.
inline constexpr uint8_t kMaxWindowScale = 14;

inline constexpr size_t kMaxSackBlocks = 4;  // RFC 2018 §3: 4 * 8 + 2 bytes fill the 40
struct SackBlock {
    Seq left;   // first sequence number of the block
    Seq right;  // sequence number just after the block: [left, right)
};

// RFC 7413 §4.1.1: a cookie is 4 to 16 bytes; an empty one is a cookie request.
inline constexpr size_t kMaxTfoCookieLen = 16;

// Options as received. Values are reported as on the wire; whether an option is meaningful
// on this segment (MSS, WS and SACK-permitted only on a SYN, RFC 9293 §3.2 and RFC 7323
// §2.2) and what to do with out-of-range values is the caller's decision.
struct TcpOptions {
    uint16_t mss = 0;
    bool has_mss = false;
    uint8_t wscale = 0;  // shift as received; above 14 kept, the caller clamps (RFC 7323 §2.3)
    bool has_wscale = false;
    bool sack_permitted = false;
    bool has_timestamps = false;
    uint32_t ts_val = 0;
    uint32_t ts_ecr = 0;
    uint8_t sack_count = 0;  // blocks in `sack`, in the order received; not checked for sanity
    std::array<SackBlock, kMaxSackBlocks> sack{};
    bool has_tfo = false;
    uint8_t tfo_cookie_len = 0;  // 0 with has_tfo: a cookie request
    std::array<uint8_t, kMaxTfoCookieLen> tfo_cookie{};
};

struct TcpHeader {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    Seq seq;
    Seq ack;                  // meaningful only with flag::ack
    uint8_t data_offset = 0;  // header length in bytes (20..60); the payload starts there
    uint8_t flags = 0;        // flag:: bits; the reserved bits are ignored (RFC 9293 §3.1)
    uint16_t window = 0;      // raw, unscaled
    uint16_t checksum = 0;    // as on the wire, not verified here
    uint16_t urgent = 0;      // meaningful only with flag::urg
    TcpOptions options;
};

// Parses the header and options of a segment of `segment_len` bytes at p (the whole IP
// payload). The checksum is not verified: the caller knows the pseudo-header. Checks, in
// order, each with its reason:
//  - fewer than 20 bytes: tcp_truncated;
//  - data offset below 5 words, or more header than segment: tcp_bad_offset;
//  - a flag combination that no TCP state accepts: tcp_bad_flags. A segment must carry at
//    least one of SYN, ACK or RST, and SYN never goes with FIN or RST (see tcp_flags_valid);
//  - an option that cannot be delimited, or a known kind with a length its RFC does not
//    allow: tcp_bad_option (RFC 9293 §3.1 MUST-7). Unknown kinds are skipped (MUST-6).
//    When a kind repeats, the last occurrence wins.
Parsed<TcpHeader> parse_tcp(const uint8_t* p, size_t segment_len);

// The flag rule parse_tcp applies; exposed so segment builders can assert against it.
bool tcp_flags_valid(uint8_t flags);

// Options the writer emits.
struct TcpOptionsToSend {
    uint16_t mss = 0;    // 0: omitted
    int8_t wscale = -1;  // -1: omitted; above 14 sent as 14 (RFC 7323 §2.3)
    bool sack_permitted = false;
    bool timestamps = false;
    uint32_t ts_val = 0;
    uint32_t ts_ecr = 0;
    uint8_t sack_count = 0;  // blocks that do not fit are dropped from the end
    std::array<SackBlock, kMaxSackBlocks> sack{};
    bool tfo = false;
    uint8_t tfo_cookie_len = 0;  // 0: cookie request; otherwise 4..16, even (RFC 7413 §4.1.1)
    std::array<uint8_t, kMaxTfoCookieLen> tfo_cookie{};
};

// SACK blocks write_tcp will actually send for `o`: sack_count, less what does not fit in
// the 40 option bytes once everything else is placed (RFC 2018 §3: 3 beside timestamps).
size_t tcp_sack_blocks_sent(const TcpOptionsToSend& o);
// Bytes the options take: a multiple of 4, at most 40.
size_t tcp_options_len(const TcpOptionsToSend& o);

// Writes the 20-byte header and the options at p (room for kTcpMaxHeaderLen) and returns
// the header length (20 + tcp_options_len). Checksum 0, urgent pointer 0, reserved bits 0.
// Option layout is Linux's, so captures read the same: MSS; SACK-permitted packed ahead of
// timestamps (4,2,8,10) or NOP,NOP before either alone; NOP,WS; NOP,NOP,SACK; TFO padded
// with NOPs. Every item is a whole number of 32-bit words, so no EOL is needed.
size_t write_tcp(uint8_t* p, uint16_t src_port, uint16_t dst_port, Seq seq, Seq ack, uint8_t flags, uint16_t window,
                 const TcpOptionsToSend& opts);

}  // namespace slip::stack::tcp
