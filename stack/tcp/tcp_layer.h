#pragma once
// TCP of one core (RFC 9293), sans-I/O: segments and `now` in, segments and the next
// deadline out. Owns the connection slots (sized at start), the 4-tuple table, the
// listeners, the timer wheel, the out-of-order node pool and the keyed secrets (RFC 6528
// ISNs, SYN cookies). Below it, a TcpLink adds IP and sends; above it, TcpServices get
// data and events inline.
//
// Files: tcp_layer.cc (API, slots, listeners), tcp_input.cc (SEGMENT ARRIVES, RFC 9293
// §3.10.7), tcp_listen.cc (LISTEN state, SYN cookies), tcp_output.cc (segment building
// and the send loop), tcp_timers.cc (RTO, persist, delayed ACK, keepalive, TIME-WAIT).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/tcp_secrets.h"
#include "stack/base/counters.h"
#include "stack/base/instant.h"
#include "stack/base/token_bucket.h"
#include "stack/buf/mbuf.h"
#include "stack/buf/warm_buffers.h"
#include "stack/tcp/connection.h"
#include "stack/tcp/fast_open_cache.h"
#include "stack/tcp/flow_table.h"
#include "stack/tcp/reassembly.h"
#include "stack/tcp/syn_cookie_keys.h"
#include "stack/tcp/tcp_config.h"
#include "stack/tcp/tcp_header.h"
#include "stack/tcp/tcp_service.h"
#include "stack/tcp/timer_wheel.h"

namespace slip::stack::tcp {

// What the TCP layer needs from the IP layer under it.
class TcpLink {
public:
    virtual ~TcpLink() = default;
    // `segment` starts at the TCP header (checksum field zero); the link fills the
    // checksum, prepends IP and sends. Consumes the buffer.
    virtual void tcp_transmit(Mbuf* segment, const FlowKey& key, Instant now) = 0;
    // Our address for a connection to `remote` (v4-mapped for IPv4); false: no route.
    virtual bool tcp_local_address(const Ipv6Addr& remote, Ipv6Addr& local) const = 0;
    // Frames tcp_transmit can still queue before the link drops them.
    virtual uint32_t tcp_tx_room() const { return UINT32_MAX; }
};

// Gauges the layer reports beside the event counters.
struct TcpGauges {
    uint32_t connections = 0;   // slots in use (every state)
    uint32_t established = 0;
    uint32_t close_wait = 0;    // peers closed, application has not: a stuck application shows here
    uint32_t time_wait = 0;
    uint32_t syn_received = 0;
    uint32_t ooo_nodes = 0;
};

// How an active open goes (TcpLayer::connect).
struct ConnectOptions {
    uint16_t local_port = 0;  // 0: an ephemeral port
    // RFC 7413: ask the server for a cookie, or, with one cached, send `data` on the SYN.
    bool fast_open = false;
    // Sent as soon as the connection allows (on the SYN with Fast Open); consumed by
    // connect() in every case, also when it fails.
    Mbuf* data = nullptr;
};

class TcpLayer {
public:
    // `view_pool` supplies the indirect buffers that reference queued payload (segments on
    // the wire); without one they come from `pool`.
    TcpLayer(const TcpConfig& config, MbufPool* pool, TcpLink* link, Counters* counters, uint64_t seed,
             MbufPool* view_pool = nullptr);
    ~TcpLayer();
    TcpLayer(const TcpLayer&) = delete;
    TcpLayer& operator=(const TcpLayer&) = delete;

    // --- from the IP layer ---
    // `m` starts at the TCP header and holds exactly the segment; its checksum is verified.
    // `key` is from our point of view (local = destination of the segment).
    void input(Mbuf* m, const FlowKey& key, Instant now);
    Instant next_deadline() const { return m_timers.next_check(); }
    void on_timer(Instant now);
    // The receive burst that the last input() calls belonged to has ended: send the ACKs
    // that in-order data made due during it, one per connection (see process_text).
    void end_of_burst(Instant now) {
        if (!m_burst_acks.empty()) {  // inline: most bursts of most cores owe none
            send_burst_acks(now);
        }
    }

    // --- application API ---
    bool listen(uint16_t port, TcpService* service);
    void unlisten(uint16_t port);
    // Active open to `remote` (v4-mapped for IPv4). Invalid handle when no slot, no route
    // or no free local port; on_connected or on_closed(refused/timeout) follows.
    // `local_port` 0 picks an ephemeral port; otherwise that port (fails if the tuple is taken).
    TcpHandle connect(const Ipv6Addr& remote, uint16_t port, TcpService* service, Instant now,
                      const ConnectOptions& options);
    TcpHandle connect(const Ipv6Addr& remote, uint16_t port, TcpService* service, Instant now,
                      uint16_t local_port = 0) {
        return connect(remote, port, service, now, ConnectOptions{.local_port = local_port});
    }
    // Queues a chain for sending. False (ownership stays with the caller) when the send
    // buffer has not room for all of it or the connection cannot send any more.
    bool send(TcpHandle h, Mbuf* data, Instant now);
    uint32_t send_space(TcpHandle h) const;
    // Asks for on_send_space when an ACK next leaves a segment's room or more.
    void request_send_space(TcpHandle h) const;
    // The service is done with `bytes` of received data: the window may open again.
    void consume(TcpHandle h, uint32_t bytes, Instant now);
    // Orderly close: FIN after the queued data (RFC 9293 §3.10.4).
    void close(TcpHandle h, Instant now);
    // RST and forget (RFC 9293 §3.10.5).
    void abort(TcpHandle h, Instant now);
    void set_nodelay(TcpHandle h, bool on);
    void set_keepalive(TcpHandle h, bool on, Instant now);
    // One application timer per connection (on_app_timer at `at`); never() disarms it.
    // False for a stale handle.
    bool set_app_timer(TcpHandle h, Instant at, Instant now);
    void set_user(TcpHandle h, void* user);
    void* user(TcpHandle h) const;
    const Connection* connection(TcpHandle h) const;
    TcpState state(TcpHandle h) const;

    TcpGauges gauges() const;
    const TcpConfig& config() const { return m_config; }
    // Why this layer cannot run, or nullptr: checked once after construction (the random
    // keys for ISNs, SYN cookies and Fast Open cookies could not be drawn).
    const char* setup_error() const { return m_secrets_ok ? nullptr : kSecretsError; }
    uint64_t flow_seed() const { return m_flows.seed(); }
    // SYN cookies shared with the other queues and the engine's XDP program (RFC 4987 §3.6):
    // their keys (current and previous), their TSval offset, and their clock, this layer's
    // `now` plus `clock_offset_ns`. Before the first segment.
    void share_syn_cookies(const SynCookieKeys* keys, int64_t clock_offset_ns) {
        m_shared_cookies = keys;
        m_clock_offset_ns = clock_offset_ns;
        m_ts_offset = keys->ts_offset();
    }
    // With several queues: whether this layer's queue receives the segments of `key` (an
    // active open's candidate local port is skipped otherwise).
    using PortFilter = bool (*)(const void* context, const FlowKey& key);
    void set_port_filter(PortFilter filter, const void* context) {
        m_port_filter = filter;
        m_port_filter_context = context;
    }
    // Every connection, for shutdown: RST to each peer and free all buffers.
    void abort_all(Instant now);
    // Every connection `service` serves (also those not accepted yet), when the service
    // goes away before the layer: nothing calls it afterwards.
    void abort_service(const TcpService* service, Instant now);
    // Header and view buffers taken ahead of use (see WarmBuffers); in use as far as the
    // pools can tell.
    uint32_t spare_buffers() const { return m_header_buffers.held() + m_view_buffers.held(); }
    // Returns them to their pools (when the core stops polling; taken again on demand).
    void release_spare_buffers() {
        m_header_buffers.release();
        m_view_buffers.release();
    }

private:
    friend struct TcpInputSteps;

    // --- slots (tcp_layer.cc) ---
    Connection* get(TcpHandle h);
    const Connection* get(TcpHandle h) const;
    TcpHandle handle_of(const Connection& c) const;
    // `c` is still the connection `h` named: not released, and its slot not taken since.
    bool alive(const Connection& c, TcpHandle h) const { return c.in_use && handle_of(c) == h; }
    Connection* allocate(const FlowKey& key);
    void release(Connection& c);
    void enter_syn_queue(Connection& c);  // SYN-RECEIVED of a listener: counts in its backlog
    void leave_syn_queue(Connection& c);
    void finish(Connection& c, CloseReason reason, Instant now);  // tell the service, release
    void rearm(Connection& c);
    void set_state(Connection& c, TcpState s);
    void setup_options(Connection& c, const TcpOptions& peer, bool ours_offered);
    uint16_t mss_for(const FlowKey& key) const;
    uint8_t our_wscale() const;
    uint32_t rcv_window(const Connection& c) const;
    // The window field for a segment acknowledging RCV.NXT, scaled by `shift`;
    // advertise_window also records the right edge it announces (Connection::rcv_adv).
    uint16_t window_field(const Connection& c, uint8_t shift) const;
    uint16_t advertise_window(Connection& c, uint8_t shift);
    // Received bytes a connection holds at most, consumed or not, in order or not: the
    // buffer and the slack that rounding the scaled window up may promise beyond it.
    uint32_t rcv_limit() const { return m_config.rcv_buffer + m_config.rcv_buffer / 8; }
    // The clock SYN cookies and timestamps read (the shared one when share_syn_cookies).
    uint64_t shared_ns(Instant now) const { return uint64_t(int64_t(now.ns) + m_clock_offset_ns); }
    uint32_t ts_now(Instant now) const { return uint32_t(shared_ns(now) / 1'000'000) + m_ts_offset; }

    // --- input (tcp_input.cc) ---
    void input_connection(Connection& c, Mbuf* m, const TcpHeader& h, uint32_t payload_len, Instant now);
    bool check_sequence(Connection& c, Mbuf*& m, const TcpHeader& h, uint32_t& payload_len, Instant now);
    bool check_rst(Connection& c, const TcpHeader& h, Instant now);
    void note_dsack(Connection& c, Seq left, Seq right);
    bool check_syn(Connection& c, const TcpHeader& h, Instant now);
    bool check_ack(Connection& c, const TcpHeader& h, uint32_t payload_len, Instant now);
    bool complete_handshake(Connection& c, const TcpHeader& h, uint32_t payload_len, TcpHandle entry,
                            Instant now);
    void process_ack(Connection& c, const TcpHeader& h, uint32_t acked, Instant now);
    void recheck_lost_retransmissions(Connection& c, Instant now);
    void watch_segment(Connection& c, Seq seq, Instant now);
    bool detect_loss_by_delivery(Connection& c, Seq ack, Instant now);
    void enter_loss_recovery(Connection& c, Instant now);
    void limited_transmit(Connection& c, Instant now);
    void detect_loss(Connection& c, const TcpHeader& h, uint32_t payload_len, bool window_changed, Instant now);
    void process_text(Connection& c, Mbuf* m, const TcpHeader& h, uint32_t payload_len, Instant now);
    void process_fin(Connection& c, Instant now);
    void input_syn_sent(Connection& c, Mbuf* m, const TcpHeader& h, uint32_t payload_len, Instant now);
    void deliver(Connection& c, Mbuf* data, uint32_t len, Instant now);
    void ack_at_burst_end(Connection& c);
    void send_burst_acks(Instant now);

    // --- LISTEN, SYN cookies, TIME-WAIT reuse (tcp_listen.cc) ---
    void input_no_connection(Mbuf* m, const FlowKey& key, const TcpHeader& h, uint32_t payload_len, Instant now);
    // Consumes `data` (the SYN's payload, possibly empty).
    void listen_syn(TcpService* service, const FlowKey& key, const TcpHeader& h, Mbuf* data, uint32_t data_len,
                    Instant now);
    bool fast_open_cookie_valid(const FlowKey& key, const TcpOptions& o) const;
    void fast_open_accept(Connection& c, Mbuf* data, uint32_t data_len, Instant now);
    void fast_open_on_syn_ack(Connection& c, const TcpHeader& h);
    bool listen_cookie_ack(TcpService* service, const FlowKey& key, const TcpHeader& h, Instant now);
    Seq cookie_isn(const FlowKey& key, const TcpHeader& h, Instant now) const;
    uint32_t cookie_mac(const FlowKey& key, Seq client_isn, uint32_t slot, uint8_t mss_index, bool previous) const;
    bool time_wait_reuse(Connection& c, const TcpHeader& h) const;

    // --- output (tcp_output.cc) ---
    void output(Connection& c, Instant now);
    bool send_data(Connection& c, Instant now);
    bool send_recovery_segments(Connection& c, uint32_t cwnd, Instant now);
    bool tx_room_left();
    void hold_for_tx_room(Connection& c, Instant now);
    void send_segment(Connection& c, Seq seq, uint32_t len, uint8_t flags, Instant now);
    void send_ack(Connection& c, Instant now);
    void send_syn(Connection& c, bool with_ack, Instant now);
    uint32_t syn_data_len(const Connection& c, const TcpOptionsToSend& o) const;
    bool may_send_data(const Connection& c) const;
    void send_reset_for(const FlowKey& key, const TcpHeader& h, uint32_t payload_len, Instant now);
    void send_challenge_ack(Connection& c, Instant now);
    bool disordered_ack(const Connection& c, const TcpHeader& h) const;
    void update_ts_recent(Connection& c, const TcpHeader& h, Instant now);
    void send_bare(const FlowKey& key, Seq seq, Seq ack, uint8_t flags, uint16_t window,
                   const TcpOptionsToSend& opts, Instant now);
    Mbuf* header_buffer(uint32_t header_len);
    void fill_options(Connection& c, TcpOptionsToSend& o, uint8_t flags, Instant now) const;
    void fill_fast_open_option(const Connection& c, TcpOptionsToSend& o, bool reply) const;
    uint32_t in_flight(const Connection& c) const;
    void arm_rto(Connection& c, Instant now);
    std::optional<Duration> tail_probe_wait(const Connection& c) const;
    void restart_rto(Connection& c, Instant now);

    // --- timers (tcp_timers.cc) ---
    void on_connection_timer(Connection& c, Instant now);
    void on_rto(Connection& c, Instant now);
    void on_persist(Connection& c, Instant now);
    void on_tail_probe(Connection& c, Instant now);
    void on_keepalive(Connection& c, Instant now);
    void enter_time_wait(Connection& c, Instant now);

    TcpConfig m_config;
    buf::WarmBuffers m_header_buffers;
    // Indirect buffers for the payload views of outgoing segments.
    buf::WarmBuffers m_view_buffers;
    TcpLink* m_link;
    Counters* m_counters;
    std::vector<std::unique_ptr<Connection>> m_slots;
    std::vector<uint32_t> m_free_slots;
    FlowTable m_flows;
    TimerWheel m_timers;
    OooPool m_ooo_pool;
    std::array<TcpService*, 65536> m_listeners{};
    std::array<uint32_t, 65536> m_syn_received{};  // half-open count per listening port
    std::array<uint16_t, 65536> m_fast_open_pending{};  // of those, opened with Fast Open data
    FastOpenCache m_fast_open_cache;
    crypto::TcpSecrets m_secrets;
    bool m_secrets_ok = false;
    static constexpr const char* kSecretsError =
        "tcp: could not draw random keys for ISNs and SYN cookies (GnuTLS's random generator failed); "
        "check that getrandom() or /dev/urandom works in this environment";
    TokenBucket m_rst_limit;
    TokenBucket m_challenge_limit;
    uint32_t m_ts_offset = 0;
    const SynCookieKeys* m_shared_cookies = nullptr;
    int64_t m_clock_offset_ns = 0;
    uint16_t m_next_ephemeral = 49152;
    PortFilter m_port_filter = nullptr;
    const void* m_port_filter_context = nullptr;
    TcpGauges m_gauges;
    // Connections owed an ACK when the receive burst ends (ack_at_burst_end). A burst
    // brings at most one entry per segment; past this many, ACKs go out at once.
    static constexpr size_t kMaxBurstAcks = 256;
    std::vector<TcpHandle> m_burst_acks;
};

}  // namespace slip::stack::tcp
