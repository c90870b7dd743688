#include "tests/sim/sim_link.h"

#include <stdexcept>

#include "tests/support/test_env.h"

namespace slip::test {

using namespace slip::stack;

SimLink::SimLink(NetStack& a, NetStack& b, const dataplane::ImpairmentOptions& a_to_b,
                 const dataplane::ImpairmentOptions& b_to_a)
    : m_a(a),
      m_b(b),
      m_ab(std::make_unique<dataplane::Impairment>(a_to_b, pool())),
      m_ba(std::make_unique<dataplane::Impairment>(b_to_a, pool())) {}

void SimLink::carry(NetStack& from, dataplane::Impairment& imp, NetStack& to, uint64_t& frames,
                    const DropFilter& drop) {
    Mbuf* out[32];
    Mbuf* staged[3 * 32];
    for (;;) {
        const uint32_t polled = from.poll_tx(out);
        uint32_t n = 0;
        for (uint32_t i = 0; i < polled; ++i) {
            if (drop && drop(frames + i, m_now)) {
                buf::free(out[i]);
            } else {
                out[n++] = out[i];
            }
        }
        frames += polled;
        uint32_t k = 0;
        if (n > 0) {
            k = imp.process({out, n}, m_now, staged);
        } else {
            k = imp.release(m_now, {staged, 32});
        }
        if (k > 0) {
            to.rx({staged, k}, m_now);
        }
        if (polled == 0 && k == 0) {
            return;
        }
    }
}

void SimLink::step() {
    // Alternate until both directions are quiet: a delivered frame may cause a reply.
    for (int round = 0; round < 64; ++round) {
        const uint64_t before = m_frames_ab + m_frames_ba;
        carry(m_a, *m_ab, m_b, m_frames_ab, m_drop_ab);
        carry(m_b, *m_ba, m_a, m_frames_ba, m_drop_ba);
        if (m_frames_ab + m_frames_ba == before && m_a.tx_pending() == 0 && m_b.tx_pending() == 0) {
            break;
        }
    }
    if (m_now >= m_a.next_deadline()) {
        m_a.on_timer(m_now);
    }
    if (m_now >= m_b.next_deadline()) {
        m_b.on_timer(m_now);
    }
}

void SimLink::run_until(Instant until, Duration tick) {
    while (m_now < until) {
        step();
        m_now = m_now + tick;
    }
    step();
}

Duration LossRuns::gap() {
    const uint64_t half = uint64_t(m_every.ns / 2);
    return Duration{int64_t(half + m_rng.next() % (2 * half + 1))};
}

bool LossRuns::operator()(uint64_t, Instant now) {
    if (!m_started) {
        m_started = true;
        m_next_run = now + gap();
    }
    while (now >= m_next_run) {
        m_left = m_run;
        m_run_ends = m_next_run + m_span;
        m_next_run = m_next_run + gap();
    }
    if (m_left == 0 || now >= m_run_ends) {
        return false;
    }
    --m_left;
    return true;
}

StackOptions sim_options(bool side_b) {
    StackOptions o;
    o.ipv4 = Ipv4Prefix::parse(side_b ? "10.0.0.2/24" : "10.0.0.1/24");
    o.ipv6 = Ipv6Prefix::parse(side_b ? "fd00::2/64" : "fd00::1/64");
    return o;
}

UdpAction UdpCollector::on_datagram(Mbuf* payload, const UdpMeta& meta, Instant) {
    payloads.push_back(bytes_of(payload));
    metas.push_back(meta);
    buf::free(payload);
    return UdpAction::consumed;
}

void send_udp(NetStack& from, bool ipv6, const Bytes& payload, uint16_t local_port, uint16_t remote_port,
              Instant now) {
    const bool from_a = from.mac() == kSimMacA;
    UdpFlow flow;
    flow.ipv6 = ipv6;
    flow.remote4 = *Ipv4Addr::parse(from_a ? "10.0.0.2" : "10.0.0.1");
    flow.remote6 = *Ipv6Addr::parse(from_a ? "fd00::2" : "fd00::1");
    flow.local_port = local_port;
    flow.remote_port = remote_port;
    from.udp_send(make_mbuf(payload), flow, now);
}

}  // namespace slip::test
