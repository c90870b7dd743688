#include "stack/net/neighbor_table.h"

#include <bit>
#include <cstring>
#include <string>

namespace slip::stack {

std::string NeighborOptions::validate() const {
    if (capacity == 0 || capacity > (1u << 20)) {
        return "neighbor capacity must be between 1 and 1048576";
    }
    if (max_pending == 0 || max_pending > kMaxPendingPerNeighbor) {
        return "neighbor max_pending must be between 1 and " + std::to_string(kMaxPendingPerNeighbor);
    }
    if (max_probes == 0 || max_probes > 255) {
        return "neighbor max_probes must be between 1 and 255";
    }
    if (retrans_time.ns <= 0 || reachable_time.ns <= 0 || stale_time.ns <= 0) {
        return "neighbor timers must be positive";
    }
    return {};
}

NeighborTable::NeighborTable(const NeighborOptions& opts) : m_opts(opts) {
    // Half-full at most, so linear probes stay short.
    const uint32_t slots = std::bit_ceil(opts.capacity * 2);
    m_slots.resize(slots);
    m_mask = slots - 1;
}

NeighborTable::~NeighborTable() {
    for (auto& e : m_slots) {
        for (uint32_t i = 0; i < e.pending_count; ++i) {
            buf::free(e.pending[i]);
        }
    }
}

uint32_t NeighborTable::slot_of(const Ipv6Addr& ip) const {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, ip.bytes.data(), 8);
    std::memcpy(&b, ip.bytes.data() + 8, 8);
    // Every key bit must reach the low bits used as the slot: addresses of one subnet
    // differ only in their last bytes. The splitmix64 finalizer mixes both halves.
    uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ULL);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return static_cast<uint32_t>(h) & m_mask;
}

NeighborEntry* NeighborTable::find_mut(const Ipv6Addr& ip) {
    for (uint32_t i = slot_of(ip);; i = (i + 1) & m_mask) {
        NeighborEntry& e = m_slots[i];
        if (e.state == NeighborState::free) {
            return nullptr;
        }
        if (e.ip == ip) {
            return &e;
        }
    }
}

const NeighborEntry* NeighborTable::find(const Ipv6Addr& ip) const {
    return const_cast<NeighborTable*>(this)->find_mut(ip);
}

NeighborEntry* NeighborTable::insert(const Ipv6Addr& ip) {
    if (m_size >= m_opts.capacity) {
        return nullptr;
    }
    uint32_t i = slot_of(ip);
    while (m_slots[i].state != NeighborState::free) {
        i = (i + 1) & m_mask;
    }
    NeighborEntry& e = m_slots[i];
    e = NeighborEntry{};
    e.ip = ip;
    ++m_size;
    return &e;
}

void NeighborTable::erase(NeighborEntry* e) {
    // Backward-shift deletion: pull later members of the probe run into the hole so
    // every remaining entry stays reachable from its home slot.
    m_last = nullptr;  // entries may move below
    uint32_t hole = static_cast<uint32_t>(e - m_slots.data());
    m_slots[hole].state = NeighborState::free;
    m_slots[hole].pending_count = 0;
    --m_size;
    for (uint32_t i = (hole + 1) & m_mask; m_slots[i].state != NeighborState::free; i = (i + 1) & m_mask) {
        const uint32_t home = slot_of(m_slots[i].ip);
        // Move if `home` is not cyclically within (hole, i].
        const bool stays = ((i - home) & m_mask) < ((i - hole) & m_mask);
        if (!stays) {
            m_slots[hole] = m_slots[i];
            m_slots[i].state = NeighborState::free;
            m_slots[i].pending_count = 0;
            hole = i;
        }
    }
}

void NeighborTable::arm(NeighborEntry& e, Instant deadline) {
    e.deadline = deadline;
    m_next_deadline = earliest(m_next_deadline, deadline);
}

NeighborLookup NeighborTable::lookup_or_queue(const Ipv6Addr& ip, Mbuf* m, Instant now) {
    NeighborLookup r;
    if (const MacAddr* known = last_reachable(ip)) {
        r.outcome = NeighborOutcome::resolved;
        r.mac = *known;
        return r;
    }
    NeighborEntry* e = find_mut(ip);
    if (e == nullptr) {
        e = insert(ip);
        if (e == nullptr) {
            r.outcome = NeighborOutcome::table_full;
            return r;
        }
        e->state = NeighborState::incomplete;
        e->probes_sent = 1;
        arm(*e, now + m_opts.retrans_time);
        r.probe = true;
    }
    switch (e->state) {
        case NeighborState::stale:
            // RFC 4861 §7.3.3: keep using the old address while confirming it.
            e->state = NeighborState::probe;
            e->probes_sent = 1;
            arm(*e, now + m_opts.retrans_time);
            r.probe = true;
            r.probe_unicast = true;
            [[fallthrough]];
        case NeighborState::reachable:
        case NeighborState::probe:
            r.outcome = NeighborOutcome::resolved;
            r.mac = e->mac;
            m_last = e;
            return r;
        case NeighborState::incomplete:
            if (e->pending_count >= m_opts.max_pending) {
                r.outcome = NeighborOutcome::queue_full;
                return r;
            }
            e->pending[e->pending_count++] = m;
            r.outcome = NeighborOutcome::queued;
            return r;
        case NeighborState::free:
            break;
    }
    return r;
}

std::span<Mbuf* const> NeighborTable::learn(const Ipv6Addr& ip, const MacAddr& mac, Instant now, bool create) {
    NeighborEntry* e = find_mut(ip);
    if (e == nullptr) {
        if (!create || (e = insert(ip)) == nullptr) {
            return {};
        }
    }
    e->mac = mac;
    e->state = NeighborState::reachable;
    e->probes_sent = 0;
    arm(*e, now + m_opts.reachable_time);
    return {e->pending, e->pending_count};
}

void NeighborTable::release_pending(const Ipv6Addr& ip) {
    if (NeighborEntry* e = find_mut(ip)) {
        e->pending_count = 0;
    }
}

uint32_t NeighborTable::pending_packets() const {
    uint32_t n = 0;
    for (const auto& e : m_slots) {
        n += e.state == NeighborState::free ? 0 : e.pending_count;
    }
    return n;
}

// Returns true when the entry was erased (the slot now holds another entry or none).
bool NeighborTable::timer_fired(NeighborEntry& e, Instant now, NeighborEvents& events) {
    switch (e.state) {
        case NeighborState::reachable:
            e.state = NeighborState::stale;
            arm(e, now + m_opts.stale_time);
            return false;
        case NeighborState::stale: {
            const Ipv6Addr ip = e.ip;
            erase(&e);
            events.expired(ip);
            return true;
        }
        case NeighborState::incomplete:
        case NeighborState::probe:
            if (e.probes_sent < m_opts.max_probes) {
                ++e.probes_sent;
                arm(e, now + m_opts.retrans_time);
                events.send_probe(e.ip, e.state == NeighborState::probe ? &e.mac : nullptr);
                return false;
            }
            for (uint32_t i = 0; i < e.pending_count; ++i) {
                events.drop_unresolved(e.pending[i]);
            }
            e.pending_count = 0;
            {
                const Ipv6Addr ip = e.ip;
                erase(&e);
                events.expired(ip);
            }
            return true;
        case NeighborState::free:
            return false;
    }
    return false;
}

void NeighborTable::on_timer(Instant now, NeighborEvents& events) {
    if (now < m_next_deadline) {
        return;
    }
    m_next_deadline = Instant::never();
    for (uint32_t i = 0; i < m_slots.size();) {
        NeighborEntry& e = m_slots[i];
        if (e.state != NeighborState::free && e.deadline <= now && timer_fired(e, now, events)) {
            continue;  // backward shift may have moved an unvisited entry into slot i
        }
        if (e.state != NeighborState::free) {
            m_next_deadline = earliest(m_next_deadline, e.deadline);
        }
        ++i;
    }
}

}  // namespace slip::stack
