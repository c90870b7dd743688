#pragma once
// Link impairment in the dataplane, for machines without netem: per port and
// direction, seeded loss, delay with jitter, reordering, duplication and corruption.
//
// Semantics (close to netem's):
//   loss       each packet is dropped with this probability
//   duplicate  a surviving packet is sent twice (a copy, so corrupting one leaves the other)
//   corrupt    one random bit of the frame is flipped
//   delay      every packet is held this long...
//   jitter     ...plus a uniform random amount in [-jitter, +jitter] (packets may reorder)
//   reorder    with this probability a packet is held `reorder_gap` longer than the
//              others, so later packets overtake it
//   limit      packets held at once; beyond it arrivals are dropped (a full link buffer)
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stack/base/instant.h"
#include "stack/base/rng.h"
#include "stack/buf/mbuf.h"

namespace slip::dataplane {

struct ImpairmentOptions {
    double loss = 0.0;
    double duplicate = 0.0;
    double corrupt = 0.0;
    double reorder = 0.0;
    stack::Duration delay{};
    stack::Duration jitter{};
    stack::Duration reorder_gap = stack::Duration::milliseconds(1);
    uint32_t limit = 16384;
    uint64_t seed = 1;

    bool enabled() const {
        return loss > 0 || duplicate > 0 || corrupt > 0 || reorder > 0 || delay.ns > 0 || jitter.ns > 0;
    }
    std::string validate() const;
    std::string to_string() const;
    // "loss=10%,delay=5ms,jitter=1ms,reorder=1%,duplicate=0.5%,corrupt=0.1%,seed=7";
    // probabilities as percent or fraction, durations in ns/us/ms/s. Empty = none.
    static std::optional<ImpairmentOptions> parse(const std::string& spec, std::string& error);
};

struct ImpairmentStats {
    uint64_t packets_in = 0;
    uint64_t lost = 0;
    uint64_t duplicated = 0;
    uint64_t corrupted = 0;
    uint64_t reordered = 0;
    uint64_t delayed = 0;
    uint64_t overflow = 0;  // dropped because `limit` packets were already held
    uint64_t packets_out = 0;
};

class Impairment {
public:
    // `pool` supplies the copies made for duplication.
    Impairment(const ImpairmentOptions& opts, stack::MbufPool* pool);
    ~Impairment();
    Impairment(const Impairment&) = delete;
    Impairment& operator=(const Impairment&) = delete;

    bool enabled() const { return m_enabled; }
    // Takes every packet of `in`; writes those to deliver now into `out` and returns
    // their count. `out` must have room for 2 * in.size() (duplicates).
    uint32_t process(std::span<stack::Mbuf*> in, stack::Instant now, std::span<stack::Mbuf*> out);
    // Packets whose hold time has passed, at most out.size().
    uint32_t release(stack::Instant now, std::span<stack::Mbuf*> out);
    stack::Instant next_release() const { return m_heap.empty() ? stack::Instant::never() : m_heap.front().due; }
    uint32_t held() const { return static_cast<uint32_t>(m_heap.size()); }
    const ImpairmentStats& stats() const { return m_stats; }

private:
    struct Held {
        stack::Instant due;
        uint64_t order;  // arrival order: equal due times leave in arrival order
        stack::Mbuf* m;
    };
    void corrupt(stack::Mbuf* m);
    bool hold(stack::Mbuf* m, stack::Instant due);
    stack::Duration hold_time();

    ImpairmentOptions m_opts;
    stack::MbufPool* m_pool;
    bool m_enabled;
    bool m_holds;  // any packet can be held (delay, jitter or reorder configured)
    stack::Rng m_rng;
    std::vector<Held> m_heap;  // min-heap on (due, order), capacity reserved at start
    uint64_t m_order = 0;
    ImpairmentStats m_stats;
};

}  // namespace slip::dataplane
