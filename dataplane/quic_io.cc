#include "dataplane/quic_io.h"

#include <gnutls/crypto.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "stack/buf/mbuf.h"

namespace slip::dataplane {

stack::quic::PeerAddress peer_of(const stack::UdpMeta& meta) {
    stack::quic::PeerAddress p;
    p.port = meta.src_port;
    if (meta.ipv6) {
        p.addr = meta.src6.bytes;
        p.len = 16;
    } else {
        const uint32_t v = meta.src4.value;
        p.addr[0] = uint8_t(v >> 24);
        p.addr[1] = uint8_t(v >> 16);
        p.addr[2] = uint8_t(v >> 8);
        p.addr[3] = uint8_t(v);
        p.len = 4;
    }
    return p;
}

stack::UdpFlow flow_to(const stack::quic::PeerAddress& to, uint16_t local_port) {
    stack::UdpFlow f;
    f.local_port = local_port;
    f.remote_port = to.port;
    f.ipv6 = to.len == 16;
    if (f.ipv6) {
        f.remote6.bytes = to.addr;
    } else {
        f.remote4 = stack::Ipv4Addr::from_octets(to.addr[0], to.addr[1], to.addr[2], to.addr[3]);
    }
    return f;
}

void BufferedRandom::fill(std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
        if (m_used == m_buffer.size()) {
            // GNUTLS_RND_RANDOM: unpredictable output (CIDs must not be guessable, RFC 9000
            // §5.1), from GnuTLS's user-space generator (no system call per refill).
            if (gnutls_rnd(GNUTLS_RND_RANDOM, m_buffer.data(), m_buffer.size()) != 0) {
                // Only a failed reseed of a generator that worked at start gets here. Reusing
                // old bytes would repeat CIDs and reset tokens' randomness, and there is no
                // error path from a CID's creation: stop rather than go on predictably.
                std::abort();
            }
            m_used = 0;
        }
        const size_t n = std::min(out.size() - done, m_buffer.size() - m_used);
        std::copy_n(m_buffer.begin() + long(m_used), n, out.begin() + long(done));
        m_used += n;
        done += n;
    }
}

HeldDatagram hold_datagram(stack::Mbuf* payload, stack::MbufPool* pool) {
    const uint32_t len = stack::buf::pkt_len(payload);
    if (payload->nb_segs == 1 && RTE_MBUF_DIRECT(payload) && rte_mbuf_refcnt_read(payload) == 1) {
        rte_mbuf_refcnt_update(payload, 1);  // the caller's, freed with the payload
        return {{stack::buf::data(payload), len}, payload, false};
    }
    stack::Mbuf* copy = stack::buf::alloc(pool);
    if (copy == nullptr) {
        return {};
    }
    uint8_t* to = len <= UINT16_MAX ? stack::buf::append(copy, uint16_t(len)) : nullptr;
    if (to == nullptr) {
        stack::buf::free(copy);
        return {};
    }
    const void* from = rte_pktmbuf_read(payload, 0, len, to);
    if (from != to) {
        std::memcpy(to, from, len);
    }
    return {{to, len}, copy, true};
}

DrainCounts drain_endpoint(stack::quic::Endpoint& endpoint, stack::NetStack& net, stack::MbufPool* pool,
                           uint16_t local_port, uint32_t max, stack::Instant now) {
    DrainCounts c;
    stack::Mbuf* m = nullptr;
    for (uint32_t i = 0; i < max; ++i) {
        if (m == nullptr && (m = stack::buf::alloc(pool)) == nullptr) {
            c.no_buffer = true;
            break;
        }
        const size_t room = std::min<size_t>(rte_pktmbuf_tailroom(m), kMaxQuicDatagram);
        stack::quic::PeerAddress to;
        const size_t n = endpoint.send({stack::buf::data(m), room}, to, now.ns);
        if (n == 0) {
            break;
        }
        stack::buf::append(m, uint16_t(n));
        net.udp_send(m, flow_to(to, local_port), now);
        m = nullptr;
        ++c.sent;
        c.more = i + 1 == max;
    }
    if (m != nullptr) {
        stack::buf::free(m);
    }
    return c;
}

void MbufRxOwner::retain(void* buffer) {
    rte_mbuf_refcnt_update(static_cast<stack::Mbuf*>(buffer), 1);
}

void MbufRxOwner::release(void* buffer) {
    stack::buf::free(static_cast<stack::Mbuf*>(buffer));
}

}  // namespace slip::dataplane
