#pragma once
// A core's QUIC server endpoint, sans-I/O: every UDP datagram for the QUIC port on this core
// comes in here with its source address; datagrams go out with their destination. It finds
// the connection by Destination Connection ID (RFC 9000 §5.2), makes connections for valid
// client Initials (§7, §14.1: datagrams of at least 1200 bytes), answers unknown versions
// with Version Negotiation (§6), asks for address validation with Retry when configured or
// when handshakes pile up (§8.1.2), and answers packets for connections it does not know
// with rate-limited stateless resets (§10.3). Memory is bounded: a fixed number of
// connections, a fixed CID table, a fixed queue of stateless answers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "crypto/address_token.h"
#include "crypto/siphash.h"
#include "crypto/stateless_reset.h"
#include "crypto/tls_context.h"
#include "stack/base/token_bucket.h"
#include "stack/quic/cid_layout.h"
#include "stack/quic/cid_table.h"
#include "stack/quic/connection.h"

namespace slip::stack::quic {

struct PeerAddress {
    std::array<uint8_t, 16> addr{};
    uint8_t len = 4;  // 4 or 16
    uint16_t port = 0;
    std::span<const uint8_t> bytes() const { return {addr.data(), len}; }
    bool operator==(const PeerAddress&) const = default;
};

// Randomness for connection IDs and stateless packets (crypto-grade in the engine; seeded
// in tests).
class RandomSource {
public:
    virtual void fill(std::span<uint8_t> out) = 0;

protected:
    ~RandomSource() = default;
};

struct EndpointOptions {
    static constexpr uint64_t kMaxPeerStreams = 1024;
    // Full-size datagrams of ~1 KB of stream data each in the pieces a stream holds.
    static constexpr uint64_t kMaxStreamWindow = StreamReceive::kMaxPieces * 1024;
    CidLayoutOptions cids;
    uint8_t core = 0;
    ConnectionOptions connection;  // every server connection's
    uint32_t max_connections = 1024;
    // False: a client-only endpoint (its own UDP port): client Initials are dropped.
    bool accept_clients = true;
    // RFC 9000 §8.1.2: Retry for every new client, or once this many handshakes are open.
    bool retry_always = false;
    uint32_t retry_above_handshakes = 256;
    crypto::AddressTokenLifetimes token_lifetimes;
    uint32_t stateless_resets_per_second = 1000;
    // One line saying what is wrong, or empty.
    std::string validate() const;
};

// The keys an endpoint's stateless work uses; the engine makes them once (shared by cores
// so any core recognises any core's tokens and resets).
struct EndpointSecrets {
    crypto::StatelessResetKey reset_key;
    crypto::AddressTokenCodec* tokens = nullptr;
    crypto::AeadEngine* engine = nullptr;  // Retry integrity tags
    crypto::SipKey table_key;
};

struct EndpointCounters {
    uint64_t datagrams = 0;
    uint64_t accepted = 0;                  // connections made for clients
    uint64_t connected = 0;                 // client connections we opened
    uint64_t refused_full = 0;              // no connection slot or CID room
    uint64_t dropped_malformed = 0;
    uint64_t dropped_small_initial = 0;     // §14.1: a client Initial in less than 1200 bytes
    uint64_t dropped_unknown = 0;           // long headers other than Initial for no connection
    // A connection's datagram from another address: migration is refused until path
    // validation is built (RFC 9000 §9; the server says disable_active_migration).
    uint64_t dropped_other_address = 0;
    uint64_t version_negotiations = 0;
    uint64_t retries = 0;
    uint64_t tokens_valid = 0;
    uint64_t tokens_invalid = 0;
    uint64_t new_tokens = 0;                // NEW_TOKEN tokens issued (RFC 9000 §8.1.3)
    uint64_t stateless_resets = 0;
    uint64_t stateless_resets_limited = 0;  // not sent: rate limit or too short to answer
    uint64_t stateless_queue_full = 0;
};

// An application on every connection of an endpoint (HTTP/3 on the QUIC port): made for a
// connection when it is accepted, given its turn whenever the connection is looked at
// (before the connection's datagrams are built, so what it writes goes out in them), and
// ended after the connection is gone (a connection hands its send buffers back to their
// owner up to its destructor, so the application must outlive it).
class EndpointApplication {
public:
    virtual void on_accepted(uint32_t slot, Connection& connection, uint64_t now_ns) = 0;
    virtual void on_turn(uint32_t slot, Connection& connection, uint64_t now_ns) = 0;
    virtual void on_freed(uint32_t slot) = 0;

protected:
    ~EndpointApplication() = default;
};

// Where each connection's qlog goes: a sink opened when the connection is made (nullptr:
// none for it) and closed after the connection is freed.
class QlogFactory {
public:
    virtual QlogSink* open(uint32_t slot, Role role, std::span<const uint8_t> original_dcid) = 0;
    virtual void close(uint32_t slot) = 0;

protected:
    ~QlogFactory() = default;
};

// Connections are looked at only when something happened to them: a datagram, a timer,
// or the application acting on them (ActivityHook): those go on a ready ring that send()
// drains; each connection's next deadline is cached, so next_timeout() and on_timeout()
// read a flat array instead of asking every connection.
class Endpoint final : private ActivityHook {
public:
    Endpoint(const EndpointOptions& options, PacketProtection& protection, crypto::TlsContext& tls,
             EndpointSecrets& secrets, RandomSource& random);
    ~Endpoint();

    // `buffer` holds the datagram: stream data stays in it (retained through the
    // connections' RxBufferOwner, EndpointOptions::connection.rx_owner) until consumed.
    void receive(std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns, void* buffer = nullptr);
    // A client connection to `server` (RFC 9000 §7.2: our CID from the core's layout, a
    // random DCID for the first Initial), routed like the server's connections by our CID.
    // The slot, or kNoSlot when the table is full. `options.role` must be client; the
    // application, if any, gets its turns (not on_accepted: the caller knows the slot).
    uint32_t connect(const PeerAddress& server, crypto::TlsContext& client_tls, const ConnectionOptions& options,
                     uint64_t now_ns);
    Connection* connection_at(uint32_t slot) { return slot < m_slots.size() ? m_slots[slot].conn.get() : nullptr; }
    static constexpr uint32_t kNoSlot = UINT32_MAX;
    void set_qlog(QlogFactory* factory) { m_qlog = factory; }
    // The application of every connection (none: connections carry no application).
    void set_application(EndpointApplication* application) { m_application = application; }
    // The next datagram to send into `out` and its destination; 0 when nothing is due.
    size_t send(std::span<uint8_t> out, PeerAddress& to, uint64_t now_ns);
    uint64_t next_timeout() const;
    void on_timeout(uint64_t now_ns);

    size_t connections() const { return m_live; }
    size_t handshakes() const { return m_handshakes; }
    const EndpointCounters& counters() const { return m_counters; }
    // The connection in slot `i` (nullptr if free), for stats and tests.
    const Connection* connection(size_t i) const { return i < m_slots.size() ? m_slots[i].conn.get() : nullptr; }
    size_t slot_count() const { return m_slots.size(); }

private:
    struct Slot {
        std::unique_ptr<Connection> conn;
        PeerAddress peer;
        ConnectionId initial_dcid;  // the client's, registered until the connection ends
        bool handshaking = false;   // counted in m_handshakes
        bool accepted = false;      // a server connection (else one we opened)
    };
    struct Stateless {
        PeerAddress to;
        uint16_t len = 0;
        std::array<uint8_t, 1252> bytes{};
    };
    void receive_long(std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns);
    void receive_short(std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns);
    void accept_initial(const PacketHeader& h, std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns);
    void deliver(uint32_t slot, std::span<uint8_t> datagram, const PeerAddress& from, uint64_t now_ns);
    void send_version_negotiation(std::span<const uint8_t> dcid, std::span<const uint8_t> scid, const PeerAddress& to);
    void send_retry(const PacketHeader& h, const PeerAddress& to, uint64_t now_ns);
    void send_stateless_reset(std::span<const uint8_t> dcid, size_t received, const PeerAddress& to, uint64_t now_ns);
    Stateless* queue_stateless(const PeerAddress& to);
    ConnectionId new_cid();
    void reap(uint32_t slot);
    void offer_new_token(Connection& c, const PeerAddress& to, uint64_t now_ns);
    // ActivityHook: the application acted on the connection in slot `tag`.
    void on_connection_activity(uint32_t tag) override {
        if (tag != m_turn_slot) {
            make_ready(tag);
        }
    }
    void make_ready(uint32_t slot);

    EndpointOptions m_options;
    PacketProtection& m_protection;
    crypto::TlsContext& m_tls;
    EndpointSecrets& m_secrets;
    RandomSource& m_random;
    CidLayout m_layout;
    CidTable m_table;
    std::vector<Slot> m_slots;
    std::vector<uint32_t> m_free;
    size_t m_live = 0;
    size_t m_handshakes = 0;  // live connections still handshaking (Retry's threshold)
    // Slots that may have something to send, each at most once (in_ready), oldest first.
    std::vector<uint32_t> m_ready;
    std::vector<uint8_t> m_in_ready;
    size_t m_ready_head = 0;
    size_t m_ready_count = 0;
    std::vector<uint64_t> m_deadlines;  // per slot: its connection's next_timeout()
    EndpointApplication* m_application = nullptr;
    QlogFactory* m_qlog = nullptr;
    uint32_t m_turn_slot = kNoSlot;  // the slot whose application has its turn now
    void* m_rx_buffer = nullptr;  // the datagram being received
    std::array<Stateless, 32> m_stateless{};
    size_t m_stateless_head = 0;
    size_t m_stateless_count = 0;
    TokenBucket m_reset_budget;
    EndpointCounters m_counters;
};

}  // namespace slip::stack::quic
