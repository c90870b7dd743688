#pragma once
// One QUIC version 1 connection, sans-I/O (RFC 9000, 9001, 9002): datagrams and `now` in,
// datagrams and the next deadline out, on the caller's buffers and clock. It composes the
// parts of stack/quic: the handshake (TLS and keys), packet protection in bursts, ACK
// tracking and loss recovery per packet number space, congestion control, connection IDs,
// the anti-amplification limit, the idle timeout and the closing and draining states.
//
// Streams (ConnectionStreams) carry data once the handshake is complete (1-RTT only: no
// 0-RTT yet), with the stream credit our transport parameters advertise.
//
// Files: connection.cc (life and timers), connection_receive.cc (datagrams in, frames
// dispatched), connection_send.cc (packets built, coalesced, padded, protected).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "crypto/tls_context.h"
#include "stack/quic/ack_tracker.h"
#include "stack/quic/connection_ids.h"
#include "stack/quic/congestion.h"
#include "stack/quic/connection_streams.h"
#include "stack/quic/handshake.h"
#include "stack/quic/key_update.h"
#include "stack/quic/loss_detection.h"
#include "stack/quic/pacer.h"
#include "stack/quic/packet_header.h"
#include "stack/quic/packet_protection.h"
#include "stack/quic/qlog.h"
#include "stack/quic/sent_frames.h"
#include "stack/quic/transport_params.h"

namespace slip::stack::quic {

// The longest address token we keep (ours are ~70 bytes; RFC 9000 sets no limit).
inline constexpr size_t kMaxToken = 256;

struct ConnectionOptions {
    Role role = Role::client;
    // Ours, as sent; the connection fills in the connection ID parameters (§7.3).
    TransportParameters params;
    // The largest datagram we send (RFC 9000 §14: at least 1200; more once the path allows).
    size_t max_datagram_size = 1200;
    size_t max_sent_packets = 1024;  // per packet number space
    // Server: the stateless reset token of its handshake CID (§10.3), from the engine's key.
    ResetToken reset_token{};
    // Who counts references to received datagrams (STREAM data stays in them) and to the
    // application's send buffers. Null: nobody; the caller keeps every datagram's memory
    // until its stream data is consumed, and its send buffers until acknowledged.
    RxBufferOwner* rx_owner = nullptr;
    TxBufferOwner* tx_owner = nullptr;
    // Streams we open at once; the peer's are bounded by the limits in `params`.
    size_t max_local_streams = 16;
    // RFC 9001 §6.6: a key update after this many packets sealed with one key; 0: by the
    // AEAD's confidentiality limit (AES-GCM: 2^23 packets, updated at half of it;
    // ChaCha20-Poly1305 needs none).
    uint64_t key_update_packets = 0;
    CongestionAlgorithm congestion = CongestionAlgorithm::cubic;
    // Where this connection's qlog goes (none: no qlog, no cost).
    QlogSink* qlog = nullptr;
    // Client: a token from an earlier connection's NEW_TOKEN (RFC 9000 §8.1.3), sent in
    // every Initial so that the server may skip address validation.
    std::array<uint8_t, kMaxToken> token{};
    size_t token_len = 0;
};

enum class ConnectionState : uint8_t {
    handshaking,
    established,  // the handshake is complete (§4.1.1 of RFC 9001)
    closing,      // we sent CONNECTION_CLOSE (RFC 9000 §10.2.1)
    draining,     // the peer did (§10.2.2)
    closed,       // over: the engine frees it
};
const char* to_string(ConnectionState s);

// Why packets were dropped, counted per connection (the engine sums them).
struct ConnectionCounters {
    uint64_t datagrams_received = 0;
    uint64_t packets_received = 0;
    uint64_t packets_sent = 0;
    uint64_t dropped_malformed = 0;     // headers that do not parse
    uint64_t dropped_no_keys = 0;       // keys not (yet or any more) there
    uint64_t dropped_auth_failed = 0;   // AEAD failures (RFC 9001 §6.6 counts them)
    uint64_t dropped_duplicate = 0;     // a packet number seen before
    uint64_t dropped_unknown_cid = 0;   // a DCID that is not ours
    uint64_t dropped_zero_rtt = 0;      // 0-RTT refused (until resumption carries it)
    uint64_t amplification_blocked = 0; // sends held back by the 3x limit (§8.1)
    uint64_t dropped_retry = 0;         // Retry packets refused (§17.2.5.2)
};

// The connection IDs a connection starts with (RFC 9000 §7.2, §7.3).
struct HandshakeIds {
    ConnectionId local;  // our Source Connection ID
    // Client: the random DCID of its first Initial. Server: the client's SCID.
    ConnectionId peer;
    // The DCID the client's Initial packets carry, from which their keys derive (RFC 9001
    // §5.2): the client's random one, or after a Retry the Retry's SCID.
    ConnectionId initial_dcid;
    // Server: the DCID of the client's very first Initial (original_destination_connection_id;
    // the same as initial_dcid unless a Retry came between), and the Retry's SCID if one did.
    ConnectionId original_dcid;
    bool retried = false;
};

// Told when the application acted on a connection (streams, close, key update, a path
// challenge): an endpoint that only looks at connections something happened to learns
// of these too. `tag` is the endpoint's, given with set_activity_hook.
class ActivityHook {
public:
    virtual void on_connection_activity(uint32_t tag) = 0;

protected:
    ~ActivityHook() = default;
};

class Connection final : private RecoveryEvents, private StreamActivity {
public:
    Connection(const ConnectionOptions& options, PacketProtection& protection, crypto::TlsContext& tls,
               const HandshakeIds& ids, uint64_t now_ns);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // One received datagram, decrypted in place; `buffer` is what holds it (retained through
    // ConnectionOptions::rx_owner for as long as stream data in it is kept).
    void receive(std::span<uint8_t> datagram, uint64_t now_ns, void* buffer = nullptr);
    // Writes the next datagram into `out`; its size, 0 when nothing is due now.
    size_t send(std::span<uint8_t> out, uint64_t now_ns);
    // When to call on_timeout (kNoDeadline: nothing armed).
    uint64_t next_timeout() const;
    void on_timeout(uint64_t now_ns);
    // Closes with a transport error (RFC 9000 §10.2); CONNECTION_CLOSE goes out next send().
    void close(TransportError error, uint64_t frame_type, uint64_t now_ns);
    // RFC 9000 §8.2.1: PATH_CHALLENGE with `data` on the current path; path_validated()
    // counts the PATH_RESPONSEs that echoed it.
    void challenge_path(const std::array<uint8_t, 8>& data) {
        m_path_challenge = data;
        m_path_challenge_pending = true;
        on_stream_activity();
    }
    void set_activity_hook(ActivityHook* hook, uint32_t tag) {
        m_activity_hook = hook;
        m_activity_tag = tag;
    }
    uint64_t path_validated() const { return m_path_validated; }
    // Server: a token for the client's future connections, sent in NEW_TOKEN once the
    // handshake is confirmed (RFC 9000 §8.1.3, §19.7), again if lost.
    void offer_new_token(std::span<const uint8_t> token);
    // Client: the last token a NEW_TOKEN brought (empty when none), for the next connection.
    std::span<const uint8_t> received_token() const { return {m_received_token.data(), m_received_token_len}; }
    // Starts a key update (RFC 9001 §6.1) if one is allowed now.
    bool initiate_key_update(uint64_t now_ns);
    const KeyUpdate& key_update() const { return m_key_update; }
    // Closes with an application error (CONNECTION_CLOSE type 0x1d, RFC 9000 §19.19; in
    // Initial and Handshake packets it becomes APPLICATION_ERROR, §10.2.3).
    void close_application(uint64_t error_code, uint64_t now_ns);

    ConnectionState state() const { return m_state; }
    bool handshake_confirmed() const { return m_handshake.confirmed(); }
    // The error the connection closed with, ours or the peer's.
    TransportError close_error() const { return m_close_error; }
    bool closed_by_peer() const { return m_closed_by_peer; }
    // The close carried an application error (ours or the peer's), and its code.
    bool closed_by_application() const { return m_close_application; }
    uint64_t application_error() const { return m_application_error; }
    const ConnectionCounters& counters() const { return m_counters; }
    // The application's side of the streams (open, write, read, consume, events).
    ConnectionStreams& streams() { return m_streams; }
    const ConnectionStreams& streams() const { return m_streams; }
    const Handshake& handshake() const { return m_handshake; }
    const LossDetection& recovery() const { return m_loss; }
    const CongestionController& congestion() const { return *m_cc; }
    const ConnectionId& local_cid() const { return m_local_cid; }
    uint64_t bytes_received() const { return m_bytes_received; }
    uint64_t bytes_sent() const { return m_bytes_sent; }
    bool address_validated() const { return m_address_validated; }
    // Server: a valid address token came with the client's Initial (RFC 9000 §8.1.2,
    // §8.1.3): the 3x limit does not apply.
    void set_address_validated(uint64_t now_ns) {
        m_address_validated = true;
        m_loss.set_at_amplification_limit(false, now_ns);
    }

private:
    struct SpaceState {
        explicit SpaceState(const AckTrackerConfig& c) : acks(c) {}
        AckTracker acks;
        uint64_t next_packet_number = 0;
        uint32_t probes = 0;  // ack-eliciting packets a PTO asks for (§6.2.4)
    };

    // StreamActivity: the application's acts reach the activity hook.
    void on_stream_activity() override {
        if (m_activity_hook != nullptr) {
            m_activity_hook->on_connection_activity(m_activity_tag);
        }
    }
    // RecoveryEvents.
    void on_packet_acked(PacketNumberSpace space, const SentPacket& p) override;
    void on_packet_lost(PacketNumberSpace space, const SentPacket& p) override;
    void on_packet_discarded(PacketNumberSpace space, const SentPacket& p) override;

    // connection_receive.cc
    void process_packet(const PacketHeader& h, IncomingPacket& in, uint64_t now_ns);
    bool check_packet(const IncomingPacket& in);
    TransportError process_frames(PacketNumberSpace space, PacketType type, std::span<const uint8_t> payload,
                                  std::span<const uint8_t> dcid, bool& ack_eliciting, uint64_t now_ns);
    TransportError on_frame(PacketNumberSpace space, const Frame& f, std::span<const uint8_t> dcid, uint64_t now_ns);
    void on_first_packet_from_server(const PacketHeader& h);
    void on_retry(const PacketHeader& h, std::span<const uint8_t> packet, uint64_t now_ns);
    void on_version_negotiation(const PacketHeader& h);
    void after_handshake_progress(uint64_t now_ns);
    void take_one_rtt_keys();
    bool on_one_rtt_packet(const IncomingPacket& in, uint64_t now_ns);
    uint64_t key_update_interval() const;
    void qlog_metrics(uint64_t now_ns);
    const PacketKeySet* read_keys(PacketType type) const;

    // connection_send.cc
    size_t send_closing(std::span<uint8_t> out);
    bool space_has_data(PacketNumberSpace space, uint64_t now_ns) const;
    size_t build_packet(PacketNumberSpace space, std::span<uint8_t> out, uint64_t now_ns, OutgoingPacket& built,
                        SentPacket& sent, BuiltHeader& header);
    void pad_last_packet(OutgoingPacket& last, PacketNumberSpace space, const BuiltHeader& header, size_t pad);
    size_t write_frames(PacketNumberSpace space, WireWriter& w, SentFrames& record, uint64_t now_ns,
                        bool& ack_eliciting);
    size_t amplification_allowance() const;
    const PacketKeySet* write_keys(PacketNumberSpace space) const;
    // RFC 9002 §7.7: the congestion controller's rate once there is an RTT sample.
    uint64_t pacing_rate() const;
    bool streams_may_send(uint64_t now_ns) const;
    void on_packet_sent_in(PacketNumberSpace space, uint64_t now_ns);

    // connection.cc
    void discard_space(PacketNumberSpace space, uint64_t now_ns);
    void probe(PacketNumberSpace space, uint32_t packets);
    void enter_draining(uint64_t now_ns);
    uint64_t three_ptos() const;
    uint64_t idle_timeout_ns() const;
    SpaceState& space(PacketNumberSpace s) { return m_spaces[index_of(s)]; }
    const SpaceState& space(PacketNumberSpace s) const { return m_spaces[index_of(s)]; }

    ConnectionOptions m_options;
    Role m_role;
    PacketProtection& m_protection;
    Handshake m_handshake;
    std::unique_ptr<CongestionController> m_cc;  // made with the connection, never replaced
    LossDetection m_loss;
    SentFramesPool m_sent_frames;
    std::array<SpaceState, kPacketNumberSpaceCount> m_spaces;
    ConnectionId m_local_cid;
    ConnectionId m_peer_cid;
    ConnectionId m_initial_dcid;
    ConnectionId m_original_dcid;
    LocalConnectionIds m_local_cids;
    PeerConnectionIds m_peer_cids;
    ConnectionStreams m_streams;
    ActivityHook* m_activity_hook = nullptr;
    uint32_t m_activity_tag = 0;
    KeyUpdate m_key_update;
    Pacer m_pacer;
    std::unique_ptr<QlogWriter> m_qlog;
    uint64_t m_event_ns = 0;  // the time of the call in progress (for qlog events)
    void* m_rx_buffer = nullptr;  // the datagram being processed
    bool m_data_not_kept = false; // its packet's STREAM data could not all be held
    ConnectionState m_state = ConnectionState::handshaking;
    ConnectionCounters m_counters;
    uint64_t m_bytes_received = 0;
    uint64_t m_bytes_sent = 0;
    bool m_address_validated = false;  // server: §8.1; a client's peer is always validated
    bool m_got_server_packet = false;  // client: the server's SCID adopted (§7.2)
    bool m_retried = false;            // client: a Retry was accepted (only one is, §17.2.5.2)
    ConnectionId m_retry_scid;
    // Client: the token its Initials carry (from a Retry; RFC 9000 §17.2.5.2).
    std::array<uint8_t, kMaxToken> m_token{};
    size_t m_token_len = 0;
    std::array<uint8_t, kMaxToken> m_new_token{};  // server: to send
    size_t m_new_token_len = 0;
    bool m_new_token_pending = false;
    std::array<uint8_t, kMaxToken> m_received_token{};  // client: from the server
    size_t m_received_token_len = 0;
    bool m_handshake_done_pending = false;
    // RFC 9000 §8.2.2: the data of the last PATH_CHALLENGE, echoed once in PATH_RESPONSE.
    std::array<uint8_t, 8> m_path_response{};
    bool m_path_response_pending = false;
    std::array<uint8_t, 8> m_path_challenge{};
    bool m_path_challenge_pending = false;
    uint64_t m_path_validated = 0;
    bool m_sent_handshake_packet = false;
    uint64_t m_last_activity_ns = 0;
    uint64_t m_close_deadline_ns = kNoDeadline;
    TransportError m_close_error = TransportError::no_error;
    uint64_t m_close_frame_type = 0;
    bool m_closed_by_peer = false;
    bool m_close_application = false;
    uint64_t m_application_error = 0;
    bool m_close_pending = false;  // CONNECTION_CLOSE to (re)send
};

}  // namespace slip::stack::quic
