#pragma once
// The Transmission Control Block (RFC 9293 §3.3.1) of one connection, plus what this
// implementation keeps beside it: the zero-copy send queue, the out-of-order queue,
// timers, RTT estimation, congestion and loss-recovery state. Connections live in a
// per-core array sized at start (TcpLayer); a handle is an index plus a generation so a
// stale handle never reaches a reused slot.
#include <cstdint>

#include "stack/base/instant.h"
#include "stack/tcp/congestion.h"
#include "stack/tcp/flow_table.h"
#include "stack/tcp/reassembly.h"
#include "stack/tcp/rtt_estimator.h"
#include "stack/tcp/sack_scoreboard.h"
#include "stack/tcp/tcp_header.h"
#include "stack/tcp/send_queue.h"
#include "stack/tcp/seq.h"

namespace slip::stack::tcp {

// RFC 9293 §3.3.2, all eleven.
enum class TcpState : uint8_t {
    closed,
    listen,
    syn_sent,
    syn_received,
    established,
    fin_wait_1,
    fin_wait_2,
    close_wait,
    closing,
    last_ack,
    time_wait,
};
const char* to_string(TcpState s);

// Why a connection ended, as the application hears it.
enum class CloseReason : uint8_t {
    normal,       // both FINs exchanged (or our close after the peer's)
    reset,        // the peer sent RST
    timeout,      // retransmissions or keepalive probes exhausted
    refused,      // active open answered with RST
    aborted,      // we aborted (application or shutdown)
};
const char* to_string(CloseReason r);

struct TcpHandle {
    uint32_t index = UINT32_MAX;
    uint32_t generation = 0;
    bool valid() const { return index != UINT32_MAX; }
    bool operator==(const TcpHandle&) const = default;
};

class TcpService;

struct Connection {
    // --- identity ---
    uint32_t slot_index = 0;
    FlowKey key;
    uint32_t generation = 0;
    TcpState state = TcpState::closed;
    bool in_use = false;
    bool passive = false;         // opened by a listener (counts against its backlog)
    bool accepted = false;        // the application has been told (on_accepted/on_connected)
    bool in_syn_queue = false;    // counted against its listener's SYN backlog (SYN-RECEIVED)
    TcpService* service = nullptr;
    void* user = nullptr;

    // --- send sequence space (RFC 9293 §3.3.1) ---
    Seq iss, snd_una, snd_nxt, snd_max;  // snd_max: highest SND.NXT ever (after a go-back)
    Seq snd_wl1, snd_wl2;
    uint32_t snd_wnd = 0;  // scaled
    uint32_t max_snd_wnd = 0;  // RFC 5961 §5.2 MAX.SND.WND
    uint8_t snd_wscale = 0;

    // --- receive sequence space ---
    Seq irs, rcv_nxt;
    Seq rcv_adv;             // right edge of the window we advertised last
    uint8_t rcv_wscale = 0;
    uint32_t rcv_unconsumed = 0;  // delivered to the application, not consumed yet

    // --- negotiated options ---
    uint16_t mss = 536;        // what we send per segment (RFC 9293 §3.7.1 default)
    uint16_t peer_mss = 536;
    bool ts_ok = false;        // RFC 7323 timestamps in use
    bool sack_ok = false;      // RFC 2018
    uint32_t ts_recent = 0;    // RFC 7323 §5.3 TS.Recent
    Instant ts_recent_at;
    Instant paws_reply_allowed_at;  // the next ACK in reply to a PAWS-rejected ACK, not before
    Seq last_ack_sent;         // RFC 7323 §4.3 Last.ACK.sent

    // SND.UNA has passed our SYN. Until then SND.UNA is the SYN's own number and queued
    // data starts one past it (data_start).
    bool syn_acked = false;
    // --- TCP Fast Open (RFC 7413) ---
    bool fast_open = false;          // client: this open uses Fast Open; server: SYN data accepted
    bool fast_open_reply_cookie = false;  // server: our SYN-ACK carries the client's cookie
    uint32_t syn_data = 0;           // client: bytes our first SYN carried

    // --- FIN bookkeeping ---
    bool fin_queued = false;   // the application closed: FIN after the queued data
    bool fin_sent = false;
    bool fin_received = false;
    bool fin_pending = false;  // a FIN arrived beyond a hole
    Seq fin_pending_seq;

    // --- queues ---
    SendQueue sndq;
    Reassembly ooo;

    // --- ACK policy ---
    uint8_t segments_unacked = 0;  // full segments received since our last ACK
    uint8_t quick_acks = 16;       // segments still ACKed at once (start, after a loss)
    bool ack_now = false;          // send an ACK on the next output pass
    bool ack_at_burst_end = false; // an ACK for in-order data is owed when the RX burst ends
    bool nodelay = false;          // Nagle off
    bool keepalive = false;
    uint32_t keepalive_probes_sent = 0;
    // A send() was refused or send_space() found the buffer (nearly) full: call
    // on_send_space when room returns.
    mutable bool want_send_space = false;
    bool ws_ok = false;            // the peer's SYN carried a window scale
    Seq last_ooo_seq;              // start of the latest out-of-order segment (first SACK block)
    bool dsack_pending = false;    // RFC 2883: the next ACK starts with `dsack`
    SackBlock dsack;
    uint32_t trimmed_front = 0;    // bytes cut off the current segment's front (already had)

    // --- timers (one wheel entry at the earliest; TcpLayer::rearm) ---
    Instant rto_at = Instant::never();        // retransmission or persist (zero window)
    Instant delack_at = Instant::never();
    Instant keepalive_at = Instant::never();
    Instant timewait_at = Instant::never();
    Instant app_timer_at = Instant::never();  // the application's own timer (TcpService::on_app_timer)
    uint8_t retransmits = 0;    // consecutive timeouts (RTO or probes)
    bool persist = false;       // rto_at is the zero-window probe timer
    bool tail_probe = false;    // rto_at is a tail loss probe (RFC 8985 §7), not the RTO
    bool probe_sent = false;    // a tail probe went out and no ACK has made progress since

    // --- RTT (RFC 6298, Karn's rule via rtt_timing) ---
    RttEstimator rtt;
    bool rtt_timing = false;
    Seq rtt_seq;
    Instant rtt_start;

    // --- congestion control and loss recovery ---
    CongestionSlot cc;          // NewReno or CUBIC, built in place (no allocation)
    Seq round_end;              // ACKs past this end a round trip (HyStart++ rounds)
    bool in_recovery = false;
    Seq recover;                // RFC 6582 "recover"
    uint32_t dupacks = 0;
    uint32_t limited_bytes = 0;  // sent by RFC 3042 Limited Transmit since the last new ACK
    bool new_sack_info = false;  // the ACK being processed SACKed data not SACKed before
    Instant rxt_round_start;     // when the current round of hole retransmissions began
    SackScoreboard scoreboard;
    // One segment at a time, a tail probe or a retransmission, is watched until the peer
    // has it (TcpLayer::detect_loss_by_delivery): its first octet, SND.MAX and the time
    // when it was sent.
    bool watching_delivery = false;
    Seq watched_seq;
    Seq watched_snd_max;
    Instant watched_sent_at;

    explicit Connection(uint32_t smss) : scoreboard(smss) {}

    // Sequence numbers of the first queued byte and one past the last (before any FIN).
    Seq data_start() const { return syn_acked ? snd_una : snd_una + 1; }
    Seq data_end() const { return data_start() + sndq.bytes(); }

    // Back to a fresh TCB for a new connection in this slot; buffers must be empty already.
    void reset_for_reuse();
};

}  // namespace slip::stack::tcp
