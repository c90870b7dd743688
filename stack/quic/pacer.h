#pragma once
// Pacing (RFC 9002 §7.7): packets leave at the congestion controller's rate instead of in
// window-sized bursts, which overflow shallow queues (a NIC's, a veth's, a switch's). A
// token bucket in bytes: it refills at the rate, holds at most a burst, and a packet goes
// when a whole datagram's worth is there; otherwise the sender waits until next_send_time()
// (nanoseconds: finer than any millisecond timer wheel). ACK-only packets are not paced.
#include <algorithm>
#include <cstdint>

namespace slip::stack::quic {

class Pacer {
public:
    // RFC 9002 §7.7: a burst of up to the initial window may go at once.
    static constexpr uint64_t kBurstDatagrams = 10;

    explicit Pacer(uint64_t max_datagram_size)
        : m_mds(max_datagram_size), m_tokens(kBurstDatagrams * max_datagram_size) {}

    // `rate` in bytes per second (UINT64_MAX: no pacing yet, before an RTT sample).
    bool can_send(uint64_t now_ns, uint64_t rate) const { return rate == UINT64_MAX || tokens_at(now_ns, rate) >= m_mds; }
    void on_sent(uint64_t now_ns, uint64_t bytes, uint64_t rate) {
        m_tokens = tokens_at(now_ns, rate);
        m_tokens = m_tokens > bytes ? m_tokens - bytes : 0;
        m_last_ns = now_ns;
    }
    // When a datagram's worth will be there (now or later).
    uint64_t next_send_time(uint64_t now_ns, uint64_t rate) const {
        const uint64_t have = tokens_at(now_ns, rate);
        if (rate == UINT64_MAX || rate == 0 || have >= m_mds) {
            return now_ns;
        }
        return now_ns + (m_mds - have) * 1'000'000'000 / rate + 1;
    }

    // When the bucket holds a datagram's worth, from the last send on (0: it does now).
    uint64_t ready_at(uint64_t rate) const {
        if (rate == UINT64_MAX || rate == 0 || m_tokens >= m_mds) {
            return 0;
        }
        return m_last_ns + (m_mds - m_tokens) * 1'000'000'000 / rate + 1;
    }

private:
    uint64_t tokens_at(uint64_t now_ns, uint64_t rate) const {
        if (rate == UINT64_MAX) {
            return kBurstDatagrams * m_mds;
        }
        const double gained = double(now_ns > m_last_ns ? now_ns - m_last_ns : 0) * double(rate) * 1e-9;
        return std::min<uint64_t>(kBurstDatagrams * m_mds, m_tokens + uint64_t(std::min(gained, 1e15)));
    }

    uint64_t m_mds;
    uint64_t m_tokens;
    uint64_t m_last_ns = 0;
};

}  // namespace slip::stack::quic
