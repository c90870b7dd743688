#include "stack/net/ipv6.h"

#include <cstring>

#include "stack/base/byte_order.h"
#include "stack/net/ipv4.h"

namespace slip::stack {
namespace {

// RFC 8200 §4.2: options are TLVs; Pad1 is a lone zero byte. The two high bits of an
// unrecognised option's type say what to do: 00 skip, anything else discard (we do
// not send the Parameter Problem that 10/11 ask for; the drop is counted).
bool options_acceptable(const uint8_t* opts, size_t len) {
    size_t i = 0;
    while (i < len) {
        const uint8_t type = opts[i];
        if (type == 0) {  // Pad1
            ++i;
            continue;
        }
        if (i + 2 > len) {
            return false;
        }
        const size_t opt_len = opts[i + 1];
        if (i + 2 + opt_len > len) {
            return false;
        }
        const bool known = type == 1;  // PadN
        if (!known && (type >> 6) != 0) {
            return false;
        }
        i += 2 + opt_len;
    }
    return true;
}

}  // namespace

Parsed<Ipv6Header> parse_ipv6(const uint8_t* p, size_t len) {
    if (len < kIpv6HeaderLen) {
        return DropReason::ipv6_truncated;
    }
    if ((p[0] >> 4) != 6) {
        return DropReason::ipv6_bad_version;
    }
    Ipv6Header h;
    h.payload_len = load_be16(p + 4);
    if (size_t(h.payload_len) + kIpv6HeaderLen > len) {
        return DropReason::ipv6_truncated;
    }
    h.next_header = p[6];
    h.hop_limit = p[7];
    std::memcpy(h.src.bytes.data(), p + 8, 16);
    std::memcpy(h.dst.bytes.data(), p + 24, 16);
    return h;
}

Parsed<Ipv6Upper> walk_ipv6_extensions(uint8_t next_header, const uint8_t* payload, size_t len) {
    size_t offset = 0;
    bool first = true;
    for (;;) {
        switch (static_cast<IpProtocol>(next_header)) {
            case IpProtocol::hop_by_hop:
                // RFC 8200 §4.3: Hop-by-Hop must immediately follow the fixed header.
                if (!first) {
                    return DropReason::ipv6_ext_misplaced;
                }
                [[fallthrough]];
            case IpProtocol::ipv6_dest_opts: {
                if (offset + 2 > len) {
                    return DropReason::ipv6_ext_truncated;
                }
                const size_t ext_len = (size_t(payload[offset + 1]) + 1) * 8;
                if (offset + ext_len > len) {
                    return DropReason::ipv6_ext_truncated;
                }
                if (!options_acceptable(payload + offset + 2, ext_len - 2)) {
                    return DropReason::ipv6_ext_bad_option;
                }
                next_header = payload[offset];
                offset += ext_len;
                break;
            }
            case IpProtocol::ipv6_routing: {
                if (offset + 4 > len) {
                    return DropReason::ipv6_ext_truncated;
                }
                const size_t ext_len = (size_t(payload[offset + 1]) + 1) * 8;
                if (offset + ext_len > len) {
                    return DropReason::ipv6_ext_truncated;
                }
                // RFC 8200 §4.4: with segments left we would have to forward it.
                if (payload[offset + 3] != 0) {
                    return DropReason::ipv6_routing_header;
                }
                next_header = payload[offset];
                offset += ext_len;
                break;
            }
            case IpProtocol::ipv6_fragment:
                return DropReason::ipv6_fragment;
            case IpProtocol::ipv6_no_next:
                return DropReason::ipv6_no_next_header;
            default:
                return Ipv6Upper{next_header, static_cast<uint16_t>(offset)};
        }
        first = false;
    }
}

void write_ipv6(uint8_t* p, const Ipv6Header& h) {
    store_be32(p, 6u << 28);  // version 6, traffic class 0, flow label 0
    store_be16(p + 4, h.payload_len);
    p[6] = h.next_header;
    p[7] = h.hop_limit;
    std::memcpy(p + 8, h.src.bytes.data(), 16);
    std::memcpy(p + 24, h.dst.bytes.data(), 16);
}

}  // namespace slip::stack
