#pragma once
// The server side of a WebSocket connection (RFC 6455) on the application interface, as an
// HTTP upgrade target: the opening handshake's answer (§4.2), frames read incrementally
// from the received buffers and unmasked in place (§5.2-§5.3), messages put together
// (§5.4), control frames answered (§5.5), the closing handshake (§7) and failures (§7.1.7).
// What a whole message becomes is the subclass's: WsEcho and WsBroadcast (ws_server.h).
//
// Per-connection state lives in an array indexed by Connections::slot, sized at
// construction; a connection's outgoing frames wait in a fixed-capacity FrameQueue. One
// instance serves one Connections (one core), as every application does.
#include <cstdint>
#include <vector>

#include "apps/http/upgrade.h"
#include "apps/ws/frame.h"
#include "apps/ws/frame_queue.h"
#include "apps/ws/message_buffer.h"

namespace slip::apps::ws {

struct WsOptions {
    // §10.4: the largest data message accepted; a larger one fails the connection with
    // 1009 as soon as a frame header announces it. At most kMaxMessageLimit.
    uint64_t max_message_size = 1 << 20;
    // How long the peer has, once our Close frame is queued, to end the TCP connection
    // (§7.1.1: the server closes first and the client answers) before it is aborted.
    uint64_t close_timeout_ns = 5'000'000'000;
    // WsBroadcast: the frames waiting for one client, at most; a client over either limit
    // is closed with 1008 (policy violation).
    uint32_t queue_frames = 256;
    uint64_t queue_bytes = 4 << 20;
    // WsBroadcast: while any client's queue is over half full nobody is read from (the
    // broadcast goes at the pace of its slowest reader); a client that stays over half full
    // this long is closed with 1008, and the others go on.
    uint64_t slow_timeout_ns = 2'000'000'000;
};

// A message's buffers form one chain, whose buffer count is 16 bits: taken pieces hold at
// least half a kilobyte a buffer on average, so 16 MiB stays well inside it.
inline constexpr uint64_t kMaxMessageLimit = 16 << 20;

// Counters of one endpoint (one core).
struct WsStats {
    uint64_t upgrades = 0;        // handshakes answered with 101
    uint64_t refused = 0;         // handshakes answered with 400, 426 or 503
    uint64_t open = 0;            // connections open now (not closing)
    uint64_t messages_in = 0;     // whole data messages received
    uint64_t frames_out = 0;      // data and Pong frames queued to clients
    uint64_t failures = 0;        // connections failed with a Close code (§7.1.7)
    uint64_t overflows = 0;       // of those, closed with 1008 for a full queue
    uint64_t close_timeouts = 0;  // aborted: the peer did not close in time
};

class WsEndpoint : public http::UpgradeTarget {
public:
    bool on_upgrade(app::Connections& c, app::ConnId id, const http::RequestHead& head) final;
    // §7.1.2: a Close with 1001 (going away) to every open connection; each ends when the
    // peer answers, or after close_timeout_ns.
    void drain(app::Connections& c) final;

    void on_data(app::Connections& c, app::ConnId id) final;
    void on_writable(app::Connections& c, app::ConnId id) final;
    void on_peer_closed(app::Connections& c, app::ConnId id) final;
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason reason) final;
    void on_timer(app::Connections& c, app::ConnId id) final;

    const WsStats& stats() const { return m_stats; }

protected:
    struct QueueLimits {
        uint32_t frames;  // data and control frames waiting, at most
        uint64_t bytes;
    };
    WsEndpoint(uint32_t slots, const WsOptions& options, QueueLimits limits);

    // A whole data message (§5.6): text (valid UTF-8 already) or binary, unmasked. The
    // payload's buffers are the subclass's to send or free.
    virtual void on_message(app::Connections& c, uint32_t slot, Opcode type, app::BufferChain&& payload) = 0;
    // A connection opened (after the 101) or stopped being open (closing, failed, gone).
    virtual void on_open(uint32_t /*slot*/) {}
    virtual void on_leave(uint32_t /*slot*/) {}
    // Whether the connection's next frames may be read now.
    virtual bool may_read(uint32_t /*slot*/) const { return true; }
    // The connection's queue sent what it could (it may have shrunk).
    virtual void on_flushed(app::Connections& /*c*/, uint32_t /*slot*/) {}
    // The connection's timer fired while it is open (timers of closing ones are ours).
    virtual void on_open_timer(app::Connections& /*c*/, uint32_t /*slot*/) {}
    // Closes a client that fell behind with 1008 (counted as an overflow).
    void fail_behind(app::Connections& c, uint32_t slot) {
        ++m_stats.overflows;
        fail(c, slot, CloseCode::policy_violation);
    }
    // Every connection stalled at may_read reads again (when the outermost callback ends).
    void resume_stalled();
    app::ConnId id_of(uint32_t slot) const { return m_conns[slot].id; }
    const WsOptions& options() const { return m_options; }

    // A data frame carrying `payload` (the header in a buffer of its own, or one buffer
    // for both when that is small); empty when buffers ran out.
    static app::BufferChain data_frame(app::Connections& c, Opcode type, app::BufferChain&& payload);
    // Queues a frame for an open connection and sends what fits. False: it was not queued
    // (the connection is not open, or its queue is over the limits: it is failed with
    // 1008), and the frame is freed.
    bool queue_frame(app::Connections& c, uint32_t slot, app::BufferChain&& frame);
    // Fails the connection (§7.1.7): reads nothing more, sends a Close with `code` if it was
    // open, and closes the TCP connection once that is sent.
    void fail(app::Connections& c, uint32_t slot, CloseCode code);

    bool is_open(uint32_t slot) const { return m_conns[slot].phase == Phase::open; }
    const FrameQueue& queue(uint32_t slot) const { return m_conns[slot].out; }
    const QueueLimits& limits() const { return m_limits; }

private:
    enum class Phase : uint8_t {
        idle,     // no connection
        open,     // frames flow both ways
        closing,  // our Close is queued (drain); reading on for the peer's (§7.1.2)
        replied,  // the peer's Close came and ours answers it; then FIN (§5.5.1)
        ending,   // both Closes, a failure or the peer's FIN: TCP closes once the queue has
                  // gone; nothing more is read (§7.1.1, §7.1.7)
    };
    enum class AfterFlush : uint8_t { nothing, shutdown, close };
    struct Conn {
        explicit Conn(uint64_t max_message_size) : sequencer(max_message_size) {}
        app::ConnId id;
        Phase phase = Phase::idle;
        AfterFlush after = AfterFlush::nothing;
        bool in_payload = false;  // the bytes at the front of received() are `frame`'s payload
        bool stalled = false;     // reading stopped at may_read(): a drained queue resumes it
        bool in_wake = false;     // listed in m_wake
        FrameHeaderParser parser{PeerMasking::required};
        MessageSequencer sequencer;
        FrameHeader frame;
        MessageBuffer message;
        FrameQueue out;
    };

    // Counts the callbacks running; the outermost one resumes the stalled reads that queue
    // drains made possible (wake), never from inside another connection's receive loop.
    class Scope;
    void wake(app::Connections& c);

    // The connection `id` names, if this endpoint owns it.
    Conn* find(app::Connections& c, app::ConnId id);
    uint32_t slot_of(const Conn& w) const { return uint32_t(&w - m_conns.data()); }
    void reset(Conn& w);
    // Moves to `next`, telling the subclass when the connection opens or stops being open.
    void set_phase(Conn& w, Phase next);

    // The receive loop of apps/ws/frame.h over received(); each step false: stop.
    void read(app::Connections& c, Conn& w);
    bool read_header(app::Connections& c, Conn& w, const app::BufferView& view);
    bool read_payload(app::Connections& c, Conn& w, const app::BufferView& view);
    bool end_frame(app::Connections& c, Conn& w);
    bool on_control(app::Connections& c, Conn& w, Opcode opcode);
    bool on_close_frame(app::Connections& c, Conn& w);
    void discard_received(app::Connections& c, Conn& w);

    // Queues a Close frame (§5.5.1) and arms the close timer; false: no buffer (aborted).
    bool queue_close(app::Connections& c, Conn& w, uint16_t code);
    void flush(app::Connections& c, Conn& w);
    void abort(app::Connections& c, Conn& w);

    std::vector<Conn> m_conns;
    std::vector<uint32_t> m_wake;  // slots whose stalled reading may go on (each once)
    uint32_t m_depth = 0;
    WsOptions m_options;
    QueueLimits m_limits;
    WsStats m_stats;
};

}  // namespace slip::apps::ws
