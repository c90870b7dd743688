#pragma once
// Neighbor cache shared by ARP (RFC 826, RFC 1122 §2.3.2) and IPv6 Neighbor Discovery
// (RFC 4861 §7.3): IPv4 neighbors are keyed by their v4-mapped IPv6 address.
//
// Fixed capacity, sized at start; open addressing with linear probing and
// backward-shift deletion, so lookups never allocate and never chase tombstones.
// Packets for an unresolved neighbor wait in a small bounded queue in the entry.
#include <cstdint>
#include <span>
#include <vector>

#include "stack/base/instant.h"
#include "stack/buf/mbuf.h"
#include "stack/net/addr.h"

namespace slip::stack {

struct NeighborOptions {
    // Entries in the table (rounded up to a power of two for the slot array).
    uint32_t capacity = 256;
    // Packets held per unresolved neighbor, at most kMaxPendingPerNeighbor. A peer whose
    // own cache is still warm sends a whole window before we have resolved it (Linux
    // holds up to ~100 packets: unres_qlen_bytes).
    uint32_t max_pending = 64;
    // How long a confirmed mapping is used without question (RFC 4861 REACHABLE_TIME).
    Duration reachable_time = Duration::seconds(30);
    // How long an unconfirmed (stale) mapping stays before it is forgotten if unused.
    Duration stale_time = Duration::seconds(60);
    // Interval between resolution probes (RFC 4861 RETRANS_TIMER; RFC 1122 asks for
    // at most one ARP request per second per destination).
    Duration retrans_time = Duration::seconds(1);
    // Probes before giving up (RFC 4861 MAX_MULTICAST_SOLICIT / MAX_UNICAST_SOLICIT).
    uint32_t max_probes = 3;

    // Returns an empty string when valid, else what is wrong.
    std::string validate() const;
};

inline constexpr uint32_t kMaxPendingPerNeighbor = 128;

enum class NeighborState : uint8_t { free, incomplete, reachable, stale, probe };

struct NeighborEntry {
    Ipv6Addr ip;
    MacAddr mac;
    NeighborState state = NeighborState::free;
    uint8_t probes_sent = 0;
    uint8_t pending_count = 0;
    Instant deadline = Instant::never();
    Mbuf* pending[kMaxPendingPerNeighbor] = {};
};

// What the table asks of its owner when timers fire.
class NeighborEvents {
public:
    virtual ~NeighborEvents() = default;
    // Send a solicitation for `ip`; `known_mac` is set when a unicast probe is wanted.
    virtual void send_probe(const Ipv6Addr& ip, const MacAddr* known_mac) = 0;
    // A queued packet whose next hop never answered; the owner counts and frees it.
    virtual void drop_unresolved(Mbuf* m) = 0;
    // An entry was forgotten after going unused.
    virtual void expired(const Ipv6Addr& ip) = 0;
};

enum class NeighborOutcome : uint8_t {
    resolved,       // `mac` is valid, send now
    queued,         // held until resolution; a probe may be needed
    queue_full,     // not queued: the caller drops it
    table_full,     // no room for a new entry: the caller drops it
};

struct NeighborLookup {
    NeighborOutcome outcome = NeighborOutcome::table_full;
    MacAddr mac;
    // The caller must send a solicitation now (first use, or a stale entry to confirm).
    bool probe = false;
    // For a probe of a stale entry: unicast to the old address (RFC 4861 §7.3.3).
    bool probe_unicast = false;
};

class NeighborTable {
public:
    explicit NeighborTable(const NeighborOptions& opts);
    ~NeighborTable();
    NeighborTable(const NeighborTable&) = delete;
    NeighborTable& operator=(const NeighborTable&) = delete;

    // Output path, first: the MAC when `ip` is the last neighbour resolved and still
    // reachable (nothing to do but copy it), else nullptr. A pointer, not a NeighborLookup:
    // building that struct per frame cost two store-forwarding stalls.
    const MacAddr* last_reachable(const Ipv6Addr& ip) const {
        return m_last != nullptr && m_last->state == NeighborState::reachable && m_last->ip == ip ? &m_last->mac
                                                                                                  : nullptr;
    }
    // Output path: the MAC for `ip`, or `m` queued behind a resolution.
    NeighborLookup lookup_or_queue(const Ipv6Addr& ip, Mbuf* m, Instant now);

    // A mapping seen on the wire. With `create` false only an existing entry is updated
    // (RFC 826: merge, and add only when we are the target). Returns the packets that
    // were waiting for it; the caller sends them and then calls release_pending().
    std::span<Mbuf* const> learn(const Ipv6Addr& ip, const MacAddr& mac, Instant now, bool create);
    void release_pending(const Ipv6Addr& ip);

    const NeighborEntry* find(const Ipv6Addr& ip) const;
    void on_timer(Instant now, NeighborEvents& events);
    Instant next_deadline() const { return m_next_deadline; }
    uint32_t size() const { return m_size; }
    uint32_t pending_packets() const;

private:
    uint32_t slot_of(const Ipv6Addr& ip) const;
    NeighborEntry* find_mut(const Ipv6Addr& ip);
    NeighborEntry* insert(const Ipv6Addr& ip);
    void erase(NeighborEntry* e);
    void arm(NeighborEntry& e, Instant deadline);
    bool timer_fired(NeighborEntry& e, Instant now, NeighborEvents& events);

    NeighborOptions m_opts;
    // The entry the last lookup resolved: a server talks to few next hops (usually one
    // gateway), so most lookups end here without hashing. Reset whenever entries move.
    NeighborEntry* m_last = nullptr;
    std::vector<NeighborEntry> m_slots;
    uint32_t m_mask = 0;
    uint32_t m_size = 0;
    Instant m_next_deadline = Instant::never();
};

}  // namespace slip::stack
