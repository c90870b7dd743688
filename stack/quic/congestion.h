#pragma once
// The congestion controller interface QUIC's loss detection drives (RFC 9002 §7): it
// hears of packets sent, acknowledged and lost, and answers with a congestion window and
// a pacing rate. Bytes in flight are loss detection's count (it alone knows which packets
// are still outstanding, and drops whole spaces when keys go, §6.4), so they are passed
// in. NewReno (§7, Appendix B) is the reference; CUBIC implements the same interface.
//
// Call order for one ACK frame, as RFC 9002 Appendix A.7 has it: on_congestion_event()
// for the losses it revealed, then on_packets_acked(), so that packets sent before the
// recovery period began do not grow the window the loss just cut.
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/quic/rtt.h"

namespace slip::stack::quic {

enum class CongestionAlgorithm : uint8_t { newreno, cubic };

// RFC 9002 §14 / RFC 9000 §14: every QUIC path carries 1200-byte datagrams.
inline constexpr uint64_t kMinMaxDatagramSize = 1200;

// An in-flight packet newly acknowledged.
struct AckedPacket {
    uint64_t time_sent_ns = 0;
    uint64_t bytes = 0;
};

class CongestionController {
public:
    virtual ~CongestionController() = default;
    CongestionController(const CongestionController&) = delete;
    CongestionController& operator=(const CongestionController&) = delete;

    // An in-flight packet (ack-eliciting or padding) of `bytes` left; `bytes_in_flight`
    // counts it already.
    virtual void on_packet_sent(uint64_t now_ns, uint64_t bytes, uint64_t bytes_in_flight);
    // In-flight packets one ACK frame newly acknowledged (RFC 9002 B.5).
    virtual void on_packets_acked(uint64_t now_ns, std::span<const AckedPacket> packets,
                                  const RttEstimator& rtt) = 0;
    // In-flight packets were declared lost, the most recently sent of them at
    // `sent_time_of_last_loss_ns` (RFC 9002 B.6, B.8); also an ECN-CE increase, with the
    // send time of the largest acknowledged packet.
    virtual void on_congestion_event(uint64_t now_ns, uint64_t sent_time_of_last_loss_ns) = 0;
    // RFC 9002 §7.6.2: the window collapses to the minimum.
    virtual void on_persistent_congestion(uint64_t now_ns) = 0;
    // Back to the state of a new connection (RFC 9002 §6.3: after a Retry).
    virtual void reset() = 0;
    virtual const char* name() const = 0;

    uint64_t congestion_window() const { return m_cwnd; }
    uint64_t max_datagram_size() const { return m_max_datagram_size; }
    // RFC 9002 §7: a packet of `packet_bytes` may go out unless it would take bytes in
    // flight above the window; one packet is allowed regardless on entering recovery
    // (§7.3.2). Probes on PTO are not asked about (§7.5).
    bool can_send(uint64_t bytes_in_flight, uint64_t packet_bytes) const {
        return m_recovery_allowance > 0 || bytes_in_flight + packet_bytes <= m_cwnd;
    }
    bool can_send(uint64_t bytes_in_flight) const { return can_send(bytes_in_flight, m_max_datagram_size); }
    // RFC 9002 §7.7: N * congestion_window / smoothed_rtt with N = 5/4, in bytes per
    // second; a hint for the pacer.
    virtual uint64_t pacing_rate(const RttEstimator& rtt) const;
    // RFC 9002 §7.8: while the sender lacks data or flow control credit to fill the
    // window, acknowledgments do not grow it.
    void set_app_limited(bool limited) { m_app_limited = limited; }
    bool app_limited() const { return m_app_limited; }

protected:
    explicit CongestionController(uint64_t max_datagram_size);

    // RFC 9002 §7.2: min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)).
    static uint64_t initial_window(uint64_t max_datagram_size);
    // RFC 9002 §7.2: 2 * max_datagram_size.
    uint64_t minimum_window() const { return 2 * m_max_datagram_size; }
    // RFC 9002 §7.3.2: the one packet allowed past the window when recovery starts.
    void allow_one_packet() { m_recovery_allowance = 1; }

    uint64_t m_max_datagram_size;
    uint64_t m_cwnd;
    uint32_t m_recovery_allowance = 0;
    bool m_app_limited = false;
};

}  // namespace slip::stack::quic
