#pragma once
// Two stacks joined by an in-memory Ethernet link on a virtual clock, with the
// dataplane's seeded impairment in each direction: the sim tier's test bench
// (after picoquic's sim_link and quicly's t/test.c transmit()).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dataplane/impairment.h"
#include "stack/base/rng.h"
#include "stack/session/net_stack.h"
#include "tests/support/frames.h"

namespace slip::test {

class SimLink {
public:
    SimLink(stack::NetStack& a, stack::NetStack& b, const dataplane::ImpairmentOptions& a_to_b = {},
            const dataplane::ImpairmentOptions& b_to_a = {});

    // Moves every frame each side has ready across the link, delivers what the
    // impairment releases, runs due timers. Time does not advance.
    void step();
    // Advances virtual time in `tick` steps until `until`, stepping at every tick.
    void run_until(stack::Instant until, stack::Duration tick = stack::Duration::microseconds(100));
    void run_for(stack::Duration d, stack::Duration tick = stack::Duration::microseconds(100)) {
        run_until(m_now + d, tick);
    }
    stack::Instant now() const { return m_now; }
    const dataplane::Impairment& a_to_b() const { return *m_ab; }
    const dataplane::Impairment& b_to_a() const { return *m_ba; }
    uint64_t frames_a_to_b() const { return m_frames_ab; }
    uint64_t frames_b_to_a() const { return m_frames_ba; }
    // Drops, before the impairment, every frame for which `drop(n, now)` is true, n counting
    // the direction's frames from 0: patterns random loss cannot make, such as runs of 30.
    using DropFilter = std::function<bool(uint64_t frame, stack::Instant now)>;
    void drop_a_to_b(DropFilter drop) { m_drop_ab = std::move(drop); }
    void drop_b_to_a(DropFilter drop) { m_drop_ba = std::move(drop); }

private:
    void carry(stack::NetStack& from, dataplane::Impairment& imp, stack::NetStack& to, uint64_t& frames,
               const DropFilter& drop);

    stack::NetStack& m_a;
    stack::NetStack& m_b;
    std::unique_ptr<dataplane::Impairment> m_ab;
    std::unique_ptr<dataplane::Impairment> m_ba;
    stack::Instant m_now{1'000'000'000};  // start at t = 1 s so "0" is never a valid time
    uint64_t m_frames_ab = 0;
    uint64_t m_frames_ba = 0;
    DropFilter m_drop_ab;
    DropFilter m_drop_ba;
};

// A DropFilter for bursts of loss such as a queue overflowing: runs start on a seeded
// random schedule, `every` apart on average (uniformly 0.5x to 1.5x), each losing the next
// `run` frames, or as many as pass within `span` if fewer. The schedule does not depend
// on the traffic, so a sender probing once per timeout is not hit every time.
class LossRuns {
public:
    LossRuns(stack::Duration every, uint64_t seed, uint32_t run = 30,
             stack::Duration span = stack::Duration::milliseconds(1))
        : m_every(every), m_run(run), m_span(span), m_rng(seed) {}
    bool operator()(uint64_t frame, stack::Instant now);

private:
    stack::Duration m_every;
    uint32_t m_run;
    stack::Duration m_span;
    stack::Instant m_next_run{};
    stack::Instant m_run_ends{};
    uint32_t m_left = 0;
    stack::Rng m_rng;
    bool m_started = false;
    stack::Duration gap();
};

// Standard options for the two ends: A is 10.0.0.1 / fd00::1, B is 10.0.0.2 / fd00::2.
stack::StackOptions sim_options(bool side_b);
inline const stack::MacAddr kSimMacA{{0x02, 0xaa, 0, 0, 0, 0x01}};
inline const stack::MacAddr kSimMacB{{0x02, 0xbb, 0, 0, 0, 0x02}};

// A UDP service that keeps a copy of every payload it receives.
class UdpCollector final : public stack::UdpService {
public:
    stack::UdpAction on_datagram(stack::Mbuf* payload, const stack::UdpMeta& meta, stack::Instant now) override;
    std::vector<Bytes> payloads;
    std::vector<stack::UdpMeta> metas;
};

// Sends `payload` from `from` to the other side's address on `port`.
void send_udp(stack::NetStack& from, bool ipv6, const Bytes& payload, uint16_t local_port, uint16_t remote_port,
              stack::Instant now);

}  // namespace slip::test
