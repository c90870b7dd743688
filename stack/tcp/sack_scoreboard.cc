#include "stack/tcp/sack_scoreboard.h"

#include <algorithm>

namespace slip::stack::tcp {

SackScoreboard::SackScoreboard(uint32_t smss, size_t capacity) : m_smss(smss), m_sacked(capacity) {}

void SackScoreboard::update(Seq snd_una, Seq snd_nxt, std::span<const SackRange> blocks) {
    // What is cumulatively ACKed no longer needs SACK state.
    m_sacked.remove_below(snd_una);
    for (const SackRange& b : blocks) {
        // A block ending at or below SND.UNA is a D-SACK (RFC 2883 §4: a duplicate
        // below the cumulative ACK) or a stale report: nothing to learn for recovery.
        // A block beyond SND.NXT reports data never sent: bogus, so ignored whole.
        // An inverted block is malformed.
        if (!(b.left < b.right) || b.right <= snd_una || snd_nxt < b.right) {
            continue;
        }
        // A D-SACK block within another block (RFC 2883 §4) needs no special case: its
        // bytes are held by the receiver and already covered, so the insert is a no-op.
        // A block straddling SND.UNA (an ACK overtaken by a later one, or a D-SACK of
        // a duplicate that reached into held data) still tells which bytes above
        // SND.UNA the peer holds.
        if (!m_sacked.insert(seq_max(b.left, snd_una), b.right)) {
            ++m_refused_blocks;
        }
    }
    // Keep HighRxt within reach of the modular comparisons as SND.UNA moves on; every
    // octet still considered is above SND.UNA, so this changes no answer.
    if (m_in_recovery) {
        m_high_rxt = seq_max(m_high_rxt, snd_una - 1);
    }
    if (m_lost_marked && !(snd_una < m_lost_below)) {
        m_lost_marked = false;  // nothing unacknowledged is below it any more
    }
}

bool SackScoreboard::lost_by(size_t ranges_above, uint32_t bytes_above) const {
    // RFC 6675 §4 IsLost(): "DupThresh discontiguous SACKed sequences" (each one was
    // reported by at least one duplicate ACK, as in the three-dupack rule of RFC 5681
    // §3.2) or "more than (DupThresh - 1) * SMSS bytes" SACKed (the same evidence when
    // the SACKed segments are contiguous and form a single range).
    return ranges_above >= kDupThresh || bytes_above > (kDupThresh - 1) * m_smss;
}

bool SackScoreboard::is_lost(Seq seq) const {
    if (m_lost_marked && seq < m_lost_below) {
        return true;
    }
    size_t ranges_above = 0;
    uint32_t bytes_above = 0;
    for (const SeqRange& r : m_sacked.ranges()) {
        // Only octets strictly greater than `seq` count.
        const Seq from = seq_max(r.left, seq + 1);
        if (from < r.right) {
            ++ranges_above;
            bytes_above += seq_distance(from, r.right);
        }
    }
    return lost_by(ranges_above, bytes_above);
}

// Calls fn(from, to, lost) for each unSACKed hole [from, to) of [snd_una, snd_nxt), in
// ascending order, until fn returns true. IsLost() is the same for every octet of a
// hole, since the SACKed data above them is the same, so the per-octet loops of
// RFC 6675 §4 become per-hole: walking up from SND.UNA, what lies above the current
// hole is every range not yet passed.
// A hole that straddles the mark_lost_below() boundary is passed as two.
template <typename Fn>
void SackScoreboard::for_each_hole(Seq snd_una, Seq snd_nxt, Fn&& fn) const {
    const auto visit = [&](Seq from, Seq to, bool lost) {
        if (m_lost_marked && from < m_lost_below && !lost) {
            const Seq split = seq_min(to, m_lost_below);
            if (fn(from, split, true)) {
                return true;
            }
            from = split;
        }
        return from < to && fn(from, to, lost);
    };
    size_t ranges_above = m_sacked.size();
    uint32_t bytes_above = m_sacked.bytes();
    Seq from = snd_una;
    for (const SeqRange& r : m_sacked.ranges()) {
        if (!(from < snd_nxt)) {
            return;
        }
        const Seq to = seq_min(r.left, snd_nxt);
        if (from < to && visit(from, to, lost_by(ranges_above, bytes_above))) {
            return;
        }
        --ranges_above;
        bytes_above -= r.length();
        from = seq_max(from, r.right);
    }
    if (from < snd_nxt) {
        visit(from, snd_nxt, false);  // nothing SACKed above the tail
    }
}

uint32_t SackScoreboard::set_pipe(Seq snd_una, Seq snd_nxt) const {
    uint32_t pipe = 0;
    for_each_hole(snd_una, snd_nxt, [&](Seq from, Seq to, bool lost) {
        // (a) an octet not presumed lost may still be in the network.
        if (!lost) {
            pipe += seq_distance(from, to);
        }
        // (b) an octet at or below HighRxt was retransmitted: that copy is in flight,
        // in addition to the original when (a) counted it.
        if (m_in_recovery) {
            const Seq rxt_end = seq_min(to, m_high_rxt + 1);
            if (from < rxt_end) {
                pipe += seq_distance(from, rxt_end);
            }
        }
        return false;
    });
    return pipe;
}

std::optional<NextSeg> SackScoreboard::next_seg(Seq snd_una, Seq snd_nxt, uint32_t new_data) const {
    // (1.a) and (3): S2 > HighRxt, so nothing is retransmitted twice by these rules.
    // Outside recovery nothing has been retransmitted: HighRxt = HighACK.
    const Seq high_rxt = m_in_recovery ? seq_max(m_high_rxt, snd_una - 1) : snd_una - 1;
    // The smallest S2 meeting (1.a) and (1.b). IsLost() only falls as S2 rises, so if
    // this one is not lost no later one is, and it is also rule (3)'s S3.
    std::optional<NextSeg> hole;
    if (const std::optional<Seq> search_end = hole_search_end()) {
        for_each_hole(snd_una, snd_nxt, [&](Seq from, Seq to, bool lost) {
            if (!(from < *search_end)) {
                return true;
            }
            to = seq_min(to, *search_end);
            const Seq s2 = seq_max(from, high_rxt + 1);
            if (!(s2 < to)) {
                return false;  // this hole was retransmitted already
            }
            // Up to SMSS, and no further than the hole: the octets after it are SACKed.
            const uint32_t len = std::min(m_smss, seq_distance(s2, to));
            hole = NextSeg{s2, len, lost ? NextSegRule::lost : NextSegRule::unsure};
            return true;
        });
    }
    if (hole && hole->rule == NextSegRule::lost) {
        return hole;  // (1)
    }
    if (new_data > 0) {
        return NextSeg{snd_nxt, std::min(m_smss, new_data), NextSegRule::new_data};  // (2)
    }
    if (hole) {
        return hole;  // (3)
    }
    return rescue_seg(snd_una, snd_nxt);  // (4)
}

std::optional<Seq> SackScoreboard::hole_search_end() const {
    // (1.b): S2 below the highest octet covered by any SACK. S2 is unSACKed, so that is
    // S2 < the highest range's right edge. Octets marked lost (mark_lost_below) are
    // eligible too: they were sent before something the peer has got.
    std::optional<Seq> end;
    if (!m_sacked.empty()) {
        end = m_sacked.last_right();
    }
    if (m_lost_marked && (!end || *end < m_lost_below)) {
        end = m_lost_below;
    }
    return end;
}

std::optional<NextSeg> SackScoreboard::rescue_seg(Seq snd_una, Seq snd_nxt) const {
    // (4) Once per recovery: when the tail of the window is lost and nothing new can be
    // sent, no SACK will ever arrive above it, so rules (1) and (3) never fire and only
    // an RTO would recover it. Allowed while RescueRxt is undefined or HighACK is above
    // it: the first retransmission (§5 step (3)) sets RescueRxt, so the rescue waits
    // for the partial ACK of that retransmission; the rescue itself sets RescueRxt to
    // RecoveryPoint, which HighACK only passes when the recovery ends.
    if (!m_in_recovery || (m_rescue_defined && !(m_rescue_rxt < snd_una - 1))) {
        return std::nullopt;
    }
    // The segment MUST include the highest outstanding unSACKed octet: the last SMSS
    // (or less) of the highest hole.
    std::optional<NextSeg> tail;
    for_each_hole(snd_una, snd_nxt, [&](Seq from, Seq to, bool) {
        const uint32_t len = std::min(m_smss, seq_distance(from, to));
        tail = NextSeg{to - len, len, NextSegRule::rescue};
        return false;
    });
    // Rule (1) may have retransmitted that octet already in this recovery (a hole marked
    // lost by mark_lost_below reaches the tail): a second copy would only duplicate it.
    if (tail && !(m_high_rxt < tail->seq + (tail->len - 1))) {
        return std::nullopt;
    }
    return tail;
}

void SackScoreboard::enter_recovery(Seq snd_una, Seq snd_nxt) {
    m_in_recovery = true;
    m_recovery_point = snd_nxt - 1;  // §5 (1): RecoveryPoint = HighData
    m_high_rxt = snd_una - 1;        // HighACK: no octet retransmitted yet
    m_rescue_defined = false;
}

void SackScoreboard::on_retransmit(Seq seq, uint32_t len) {
    if (!m_in_recovery || len == 0) {
        return;
    }
    const Seq last = seq + (len - 1);
    // (C.2) "HighRxt MUST be set to the highest sequence number of the retransmitted
    // segment". NextSeg() only returns segments above HighRxt, so this is a max; taking
    // the max keeps a caller's out-of-order report from moving it back.
    m_high_rxt = seq_max(m_high_rxt, last);
    // §5 step (3): the first retransmission sets RescueRxt too, so rule (4) cannot fire
    // before that retransmission is acknowledged.
    if (!m_rescue_defined) {
        m_rescue_rxt = last;
        m_rescue_defined = true;
    }
}

void SackScoreboard::on_rescue_retransmit() {
    if (!m_in_recovery) {
        return;
    }
    m_rescue_rxt = m_recovery_point;
    m_rescue_defined = true;
}

void SackScoreboard::mark_lost_below(Seq end) {
    if (m_refused_blocks != m_refused_at_reset) {
        return;  // SACKed data may be missing from the scoreboard: it would be marked lost
    }
    if (!m_lost_marked || m_lost_below < end) {
        m_lost_below = end;
        m_lost_marked = true;
    }
}

void SackScoreboard::reset() {
    m_in_recovery = false;
    m_rescue_defined = false;
    m_lost_marked = false;
    m_refused_at_reset = m_refused_blocks;
}

void SackScoreboard::clear() {
    reset();
    m_sacked.clear();
}

}  // namespace slip::stack::tcp
