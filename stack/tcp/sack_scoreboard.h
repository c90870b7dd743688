#pragma once
// The sender's SACK scoreboard and the loss recovery functions of RFC 6675 §4:
// Update(), IsLost(), SetPipe() and NextSeg(). The connection owns the congestion
// window and the send queue and drives the steps of RFC 6675 §5; this class only
// answers "what has the peer got", "what is lost", "how much is in flight" and
// "what to send next", so each rule can be tested on its own.
//
// Naming. RFC 6675 speaks of octets, inclusively: HighACK is the highest octet
// cumulatively ACKed (SND.UNA - 1), HighData the highest octet sent (SND.NXT - 1),
// HighRxt and RescueRxt the highest octet of a retransmission. This class keeps
// HighRxt, RescueRxt and RecoveryPoint in that inclusive form so the comparisons read
// as in the RFC; its interface takes SND.UNA and SND.NXT as the connection holds them.
// The interval "between HighACK and HighData" the RFC iterates over is therefore
// [SND.UNA, SND.NXT).
//
// The scoreboard holds only SACKed ranges above SND.UNA and below SND.NXT; a
// cumulative ACK past them empties it. SACKed data stays in the send queue until it
// is cumulatively ACKed (RFC 2018 §8; RFC 6675 §4 Update()), which is the caller's part.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "stack/tcp/seq.h"
#include "stack/tcp/seq_range_set.h"

namespace slip::stack::tcp {

// RFC 6675 §2: "DupThresh ... 3", as the fast retransmit of RFC 5681 §3.2.
inline constexpr uint32_t kDupThresh = 3;

// Ranges remembered by default. A window of W segments can hold at most W/2 holes;
// RFC 2018 §3 lets each ACK report up to 4 blocks, and the scoreboard accumulates them
// across ACKs. When full, new blocks are refused (see update()).
inline constexpr size_t kDefaultScoreboardRanges = 64;

// Which rule of RFC 6675 §4 NextSeg() chose the segment; the caller needs it to know
// what to record after sending (on_retransmit() or on_rescue_retransmit()).
enum class NextSegRule : uint8_t {
    lost,      // (1) the first unSACKed hole IsLost() says is lost, not yet retransmitted
    new_data,  // (2) previously unsent data from SND.NXT
    unsure,    // (3) a hole below the highest SACK, not yet deemed lost
    rescue,    // (4) the once-per-recovery rescue retransmission of the tail
};

struct NextSeg {
    Seq seq;
    uint32_t len = 0;  // 1..SMSS
    NextSegRule rule = NextSegRule::lost;
};

class SackScoreboard {
public:
    explicit SackScoreboard(uint32_t smss, size_t capacity = kDefaultScoreboardRanges);

    // RFC 6675 §4 Update(), on every ACK: `snd_una` and `snd_nxt` are the connection's
    // after the ACK's cumulative acknowledgment was applied, `blocks` the ACK's SACK
    // blocks. Drops everything below SND.UNA and records each block above it.
    void update(Seq snd_una, Seq snd_nxt, std::span<const SackRange> blocks);

    // RFC 6675 §4 IsLost(SeqNum): DupThresh discontiguous SACKed ranges above `seq`, or
    // more than (DupThresh - 1) * SMSS SACKed bytes above it.
    bool is_lost(Seq seq) const;

    // RFC 6675 §4 SetPipe(): octets in flight between SND.UNA and SND.NXT. Each unSACKed
    // octet counts once if it is not lost and once more if it was retransmitted in this
    // recovery (octet <= HighRxt), since then two copies may be in the network.
    uint32_t set_pipe(Seq snd_una, Seq snd_nxt) const;

    // RFC 6675 §4 NextSeg(): the next segment to send, rules (1)-(4) in order, or
    // nothing. `new_data` is how many unsent bytes may go out from SND.NXT (what the
    // application has queued, limited by the peer's window), for rule (2). Pure query:
    // after sending, record it with on_retransmit() or on_rescue_retransmit().
    std::optional<NextSeg> next_seg(Seq snd_una, Seq snd_nxt, uint32_t new_data) const;

    // RFC 6675 §5 steps (1) and (3): RecoveryPoint = HighData; nothing retransmitted
    // yet (HighRxt = HighACK) and RescueRxt undefined until the first retransmission.
    void enter_recovery(Seq snd_una, Seq snd_nxt);
    // RFC 6675 §5 (A): a cumulative ACK beyond RecoveryPoint ends the recovery.
    bool recovery_done(Seq snd_una) const { return !m_in_recovery || m_recovery_point < snd_una; }
    // RFC 6675 §5 (C.2): a retransmission by rule (1) or (3) moves HighRxt to its last
    // octet. The first one of a recovery also sets RescueRxt (§5 step (3)). Ignored
    // outside recovery, where HighRxt has no meaning.
    void on_retransmit(Seq seq, uint32_t len);
    // RFC 6675 §4 NextSeg() rule (4): RescueRxt = RecoveryPoint, HighRxt unchanged.
    void on_rescue_retransmit();
    // RFC 8985 §6.2's rule, applied to a retransmission: once a segment sent at time T
    // has been delivered, every unSACKed octet sent well before T is lost, whether or not
    // DupThresh SACKs lie above it. `end` is SND.MAX when that segment was sent: every
    // unSACKed octet below it now counts as lost in IsLost(), SetPipe() and NextSeg().
    // This is what frees a sender whose receiver dropped, rather than held, the segments
    // above its last SACK block (an out-of-order queue full): without it they would count
    // as in flight (pipe >= cwnd) until the RTO. Kept until reset() or SND.UNA passes it.
    // Ignored once blocks were refused since the last reset(): SACKed data the scoreboard
    // could not record would be marked lost and sent again.
    void mark_lost_below(Seq end);
    // Leaving recovery, or an RTO (RFC 6675 §5.1: the recovery is terminated, and the
    // SACK information is kept and Update() goes on, so the retransmissions after the
    // timeout can skip what the peer holds). HighRxt and RescueRxt are forgotten.
    void reset();
    // Also forgets every SACKed range: for a sender that expunges SACK information
    // when it suspects the receiver reneged (RFC 2018 §8, RFC 6675 §5.1).
    void clear();

    uint32_t sacked_bytes() const { return m_sacked.bytes(); }
    bool is_sacked(Seq s) const { return m_sacked.contains(s); }
    const SeqRangeSet& sacked() const { return m_sacked; }
    bool in_recovery() const { return m_in_recovery; }
    // Inclusive, as in the RFC; meaningful only in recovery.
    Seq high_rxt() const { return m_high_rxt; }
    Seq recovery_point() const { return m_recovery_point; }
    uint32_t smss() const { return m_smss; }
    // The SMSS is only known once the handshake has settled the MSS and options.
    void set_smss(uint32_t smss) { m_smss = smss; }
    // Blocks that did not fit in the scoreboard; they only make it more conservative
    // (less seen as SACKed means more in pipe and nothing wrongly presumed received), and
    // they turn mark_lost_below() off until the next reset().
    uint64_t refused_blocks() const { return m_refused_blocks; }

private:
    bool lost_by(size_t ranges_above, uint32_t bytes_above) const;
    // The highest octet (exclusive) up to which rules (1) and (3) look for holes.
    std::optional<Seq> hole_search_end() const;
    template <typename Fn>
    void for_each_hole(Seq snd_una, Seq snd_nxt, Fn&& fn) const;
    std::optional<NextSeg> rescue_seg(Seq snd_una, Seq snd_nxt) const;

    uint32_t m_smss;
    SeqRangeSet m_sacked;
    bool m_in_recovery = false;
    Seq m_recovery_point;  // HighData at entry (inclusive)
    Seq m_high_rxt;        // inclusive; HighACK at entry = nothing retransmitted
    Seq m_rescue_rxt;      // inclusive; valid when m_rescue_defined
    bool m_rescue_defined = false;
    Seq m_lost_below;             // exclusive; valid when m_lost_marked
    bool m_lost_marked = false;
    uint64_t m_refused_blocks = 0;
    uint64_t m_refused_at_reset = 0;
};

}  // namespace slip::stack::tcp
