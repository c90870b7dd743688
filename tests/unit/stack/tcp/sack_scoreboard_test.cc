#include "stack/tcp/sack_scoreboard.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace slip::stack::tcp;

namespace {

constexpr uint32_t kSmss = 100;

using Blocks = std::vector<SackRange>;

SackRange blk(uint32_t left, uint32_t right) { return SackRange{Seq(left), Seq(right)}; }

// Indexed by NextSegRule.
constexpr const char* kRuleNames[] = {"lost", "new", "unsure", "rescue"};

// "lost 1000+100", or "none": one string says seq, length and rule in a failure message.
std::string seg(const std::optional<NextSeg>& s) {
    if (!s) {
        return "none";
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s %u+%u", kRuleNames[static_cast<size_t>(s->rule)], s->seq.raw(), s->len);
    return buf;
}

std::string dump(const SackScoreboard& sb) {
    std::string out;
    for (const SeqRange& r : sb.sacked().ranges()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s[%u,%u)", out.empty() ? "" : " ", r.left.raw(), r.right.raw());
        out += buf;
    }
    return out;
}

// RFC 6675 §4 SetPipe() read literally: one octet at a time.
uint32_t reference_pipe(const SackScoreboard& sb, Seq una, Seq nxt) {
    uint32_t pipe = 0;
    for (Seq s = una; s < nxt; s += 1) {
        if (sb.is_sacked(s)) {
            continue;
        }
        if (!sb.is_lost(s)) {
            ++pipe;
        }
        if (sb.in_recovery() && s <= sb.high_rxt()) {
            ++pipe;
        }
    }
    return pipe;
}

// RFC 6675 §4 NextSeg() rules (1) and (3) read literally: the smallest unSACKed S2 with
// S2 > HighRxt and S2 < the highest SACKed octet, and whether IsLost(S2).
std::optional<std::pair<Seq, bool>> reference_hole(const SackScoreboard& sb, Seq una, Seq nxt) {
    if (sb.sacked().empty()) {
        return std::nullopt;
    }
    const Seq high_sacked = sb.sacked().last_right() - 1;
    for (Seq s = una; s < nxt; s += 1) {
        if (!sb.is_sacked(s) && s > sb.high_rxt() && s < high_sacked) {
            return std::pair{s, sb.is_lost(s)};
        }
    }
    return std::nullopt;
}

// Small deterministic generator for the randomized comparisons.
struct Lcg {
    uint64_t state;
    uint32_t next(uint32_t bound) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<uint32_t>(state >> 33) % bound;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sack_scoreboard)

BOOST_AUTO_TEST_CASE(one_loss_three_sacked_segments_above) {
    // Segments of 100 bytes at 1000..1399; the first is lost, the next three arrive and
    // each draws a duplicate ACK with a growing SACK block (RFC 6675 §5 example).
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(1400);
    sb.update(una, nxt, Blocks{blk(1100, 1200)});
    BOOST_TEST(!sb.is_lost(una));
    sb.update(una, nxt, Blocks{blk(1100, 1300)});
    BOOST_TEST(!sb.is_lost(una));  // 200 bytes: not more than (DupThresh - 1) * SMSS
    sb.update(una, nxt, Blocks{blk(1100, 1400)});
    BOOST_TEST(sb.is_lost(una));
    BOOST_TEST(sb.sacked_bytes() == 300u);
    BOOST_TEST(dump(sb) == "[1100,1400)");

    sb.enter_recovery(una, nxt);
    BOOST_TEST(sb.set_pipe(una, nxt) == 0u);  // the only unSACKed segment is lost
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1000+100");
    sb.on_retransmit(Seq(1000), 100);
    BOOST_TEST(sb.high_rxt().raw() == 1099u);
    BOOST_TEST(sb.set_pipe(una, nxt) == 100u);
    // Nothing else to retransmit; the rescue waits for the retransmission's ACK.
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");
    BOOST_TEST(seg(sb.next_seg(una, nxt, 1000)) == "new 1400+100");
    BOOST_TEST(seg(sb.next_seg(una, nxt, 30)) == "new 1400+30");

    // The retransmission fills the hole: a cumulative ACK past everything.
    BOOST_TEST(!sb.recovery_done(Seq(1399)));
    sb.update(nxt, nxt, {});
    BOOST_TEST(sb.sacked().empty());
    BOOST_TEST(sb.sacked_bytes() == 0u);
    BOOST_TEST(sb.recovery_done(nxt));
    BOOST_TEST(sb.set_pipe(nxt, nxt) == 0u);
}

BOOST_AUTO_TEST_CASE(is_lost_discontiguous_ranges) {
    // Three small SACKed segments in separate ranges: three duplicate ACKs' worth of
    // evidence even though they hold far fewer than 2 * SMSS bytes.
    SackScoreboard sb(1000);
    sb.update(Seq(1000), Seq(2000), Blocks{blk(1100, 1110), blk(1120, 1130), blk(1140, 1150)});
    BOOST_TEST(sb.sacked().size() == 3u);
    BOOST_TEST(sb.is_lost(Seq(1000)));
    BOOST_TEST(sb.is_lost(Seq(1108)));   // three ranges still above (the first by one octet)
    BOOST_TEST(!sb.is_lost(Seq(1109)));  // two ranges above
    BOOST_TEST(!sb.is_lost(Seq(1150)));
}

BOOST_AUTO_TEST_CASE(is_lost_byte_threshold) {
    SackScoreboard sb(kSmss);
    sb.update(Seq(1000), Seq(2000), Blocks{blk(1100, 1300)});
    BOOST_TEST(!sb.is_lost(Seq(1000)));  // exactly 2 * SMSS
    sb.update(Seq(1000), Seq(2000), Blocks{blk(1300, 1301)});
    BOOST_TEST(sb.is_lost(Seq(1000)));  // one byte more
    // Only octets strictly above the given one count.
    BOOST_TEST(sb.is_lost(Seq(1099)));   // 1100..1300: 201 octets
    BOOST_TEST(!sb.is_lost(Seq(1100)));  // 1101..1300: 200 octets
}

BOOST_AUTO_TEST_CASE(two_holes) {
    // Segments 1000..1599; the first and the third are lost.
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(1600);
    sb.update(una, nxt, Blocks{blk(1300, 1600), blk(1100, 1200)});
    BOOST_TEST(dump(sb) == "[1100,1200) [1300,1600)");
    BOOST_TEST(sb.is_lost(Seq(1000)));  // 400 bytes above
    BOOST_TEST(sb.is_lost(Seq(1200)));  // 300 bytes above
    sb.enter_recovery(una, nxt);
    BOOST_TEST(sb.set_pipe(una, nxt) == 0u);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 500)) == "lost 1000+100");  // (1) beats (2)
    sb.on_retransmit(Seq(1000), 100);
    BOOST_TEST(sb.set_pipe(una, nxt) == 100u);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 500)) == "lost 1200+100");
    sb.on_retransmit(Seq(1200), 100);
    BOOST_TEST(sb.set_pipe(una, nxt) == 200u);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 500)) == "new 1600+100");
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");

    // The first retransmission arrives: a partial ACK up to the second hole.
    sb.update(Seq(1200), nxt, Blocks{blk(1300, 1600)});
    BOOST_TEST(dump(sb) == "[1300,1600)");
    BOOST_TEST(sb.set_pipe(Seq(1200), nxt) == 100u);  // the retransmitted copy only
    BOOST_TEST(!sb.recovery_done(Seq(1200)));
}

BOOST_AUTO_TEST_CASE(segment_bounded_by_smss_and_hole) {
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(1600);
    sb.update(una, nxt, Blocks{blk(1250, 1600)});
    sb.enter_recovery(una, nxt);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1000+100");
    sb.on_retransmit(Seq(1000), 100);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1100+100");
    sb.on_retransmit(Seq(1100), 100);
    // Only 50 bytes left before SACKed data: no point resending what the peer holds.
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1200+50");
}

BOOST_AUTO_TEST_CASE(pipe_hand_computed) {
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(2000);
    // One SACKed segment: no hole is lost, pipe = outstanding - SACKed.
    sb.update(una, nxt, Blocks{blk(1500, 1600)});
    sb.enter_recovery(una, nxt);
    BOOST_TEST(sb.set_pipe(una, nxt) == 900u);
    // Rule (3): the hole is not lost but lies below SACKed data.
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "unsure 1000+100");
    BOOST_TEST(seg(sb.next_seg(una, nxt, 1)) == "new 2000+1");  // (2) beats (3)
    sb.on_retransmit(Seq(1000), 100);
    // SetPipe (a) and (b) both count 1000..1099: original and retransmission.
    BOOST_TEST(sb.set_pipe(una, nxt) == 1000u);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "unsure 1100+100");

    // Three discontiguous ranges: 1000..1499 is lost (3 ranges above), 1600..1699 is not
    // (2 ranges, 200 bytes), 1800..1899 is not (1 range).
    sb.update(una, nxt, Blocks{blk(1700, 1800), blk(1900, 2000)});
    BOOST_TEST(sb.is_lost(Seq(1000)));
    BOOST_TEST(!sb.is_lost(Seq(1600)));
    // (a) 1600..1699 + 1800..1899 = 200; (b) HighRxt = 1099: 1000..1099 = 100.
    BOOST_TEST(sb.set_pipe(una, nxt) == 300u);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1100+100");
}

BOOST_AUTO_TEST_CASE(pipe_and_next_seg_match_rfc_octet_by_octet) {
    // Random scoreboards, including ones across the 2^32 wrap, against the literal
    // per-octet definitions of SetPipe() and NextSeg() rules (1) and (3).
    Lcg rng{42};
    for (int round = 0; round < 60; ++round) {
        const Seq una(round % 2 == 0 ? 5000 : 0xfffffc00u);
        const Seq nxt = una + 2000;
        SackScoreboard sb(kSmss);
        Blocks blocks;
        const uint32_t nblocks = 1 + rng.next(8);
        for (uint32_t i = 0; i < nblocks; ++i) {
            const uint32_t off = rng.next(2000);
            const uint32_t len = 1 + rng.next(std::min<uint32_t>(300, 2000 - off));
            blocks.push_back(SackRange{una + off, una + off + len});
        }
        sb.update(una, nxt, blocks);
        BOOST_TEST(sb.set_pipe(una, nxt) == reference_pipe(sb, una, nxt));
        sb.enter_recovery(una, nxt);
        for (int step = 0; step < 6; ++step) {
            BOOST_TEST(sb.set_pipe(una, nxt) == reference_pipe(sb, una, nxt));
            const auto next = sb.next_seg(una, nxt, 0);
            const auto ref = reference_hole(sb, una, nxt);
            BOOST_TEST(ref.has_value() == (next && next->rule != NextSegRule::rescue));
            if (!ref || !next || next->rule == NextSegRule::rescue) {
                break;
            }
            BOOST_TEST(next->seq.raw() == ref->first.raw());
            BOOST_TEST((next->rule == NextSegRule::lost) == ref->second);
            sb.on_retransmit(next->seq, next->len);
        }
    }
}

BOOST_AUTO_TEST_CASE(blocks_outside_window_ignored) {
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(2000);
    sb.update(una, nxt,
              Blocks{
                  blk(900, 1000),   // D-SACK below SND.UNA
                  blk(800, 900),    // stale
                  blk(2000, 2100),  // beyond SND.NXT: never sent
                  blk(1900, 2001),  // reaches past SND.NXT
                  blk(1400, 1300),  // inverted
                  blk(1500, 1600),  // valid
              });
    BOOST_TEST(dump(sb) == "[1500,1600)");
    // A D-SACK within another block changes nothing.
    sb.update(una, nxt, Blocks{blk(1520, 1540), blk(1500, 1600)});
    BOOST_TEST(dump(sb) == "[1500,1600)");
    // A block straddling SND.UNA still reports the bytes above it.
    sb.update(una, nxt, Blocks{blk(950, 1100)});
    BOOST_TEST(dump(sb) == "[1000,1100) [1500,1600)");
    // A block ending exactly at SND.NXT is fine.
    sb.update(una, nxt, Blocks{blk(1900, 2000)});
    BOOST_TEST(dump(sb) == "[1000,1100) [1500,1600) [1900,2000)");
    BOOST_TEST(sb.refused_blocks() == 0u);
}

BOOST_AUTO_TEST_CASE(takes_blocks_as_parsed_from_the_option) {
    // The caller hands over the option's blocks as parsed (tcp_header.h), no copy.
    std::array<SackBlock, kMaxSackBlocks> parsed{};
    parsed[0] = SackBlock{Seq(1500), Seq(1600)};
    parsed[1] = SackBlock{Seq(1200), Seq(1300)};
    SackScoreboard sb(kSmss);
    sb.update(Seq(1000), Seq(2000), std::span(parsed.data(), 2));
    BOOST_TEST(dump(sb) == "[1200,1300) [1500,1600)");
}

BOOST_AUTO_TEST_CASE(cumulative_ack_trims_and_empties) {
    SackScoreboard sb(kSmss);
    const Seq nxt(2000);
    sb.update(Seq(1000), nxt, Blocks{blk(1200, 1300), blk(1500, 1600)});
    BOOST_TEST(sb.sacked_bytes() == 200u);
    sb.update(Seq(1250), nxt, {});
    BOOST_TEST(dump(sb) == "[1250,1300) [1500,1600)");
    BOOST_TEST(sb.sacked_bytes() == 150u);
    sb.update(nxt, nxt, {});
    BOOST_TEST(sb.sacked().empty());
    BOOST_TEST(sb.sacked_bytes() == 0u);
    BOOST_TEST(!sb.is_lost(nxt));
}

BOOST_AUTO_TEST_CASE(marked_lost_below_a_delivered_segment) {
    // Segments 1000..1999. 1000 is lost, 1100..1199 is SACKed and the receiver dropped
    // 1200..1999 (its out-of-order queue was full): IsLost() alone sees 1000 as not lost
    // and counts 1200..1999 in the pipe forever. A later segment's delivery marks all
    // unSACKed data below 2000 lost (RFC 8985 §6.2).
    SackScoreboard sb(kSmss);
    Seq una(1000);
    const Seq nxt(2000);
    sb.update(una, nxt, Blocks{blk(1100, 1200)});
    sb.enter_recovery(una, nxt);
    BOOST_TEST(!sb.is_lost(Seq(1000)));
    BOOST_TEST(sb.set_pipe(una, nxt) == 900u);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "unsure 1000+100");
    sb.on_retransmit(Seq(1000), 100);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");  // (1.b): nothing SACKed above 1200

    // The retransmission of 1000 arrives a round trip later: 1000 and 1100 acknowledged.
    una = Seq(1200);
    sb.update(una, nxt, {});
    sb.mark_lost_below(nxt);
    BOOST_TEST(sb.is_lost(Seq(1200)));
    BOOST_TEST(sb.is_lost(Seq(1999)));
    BOOST_TEST(!sb.is_lost(Seq(2000)));
    BOOST_TEST(sb.set_pipe(una, nxt) == 0u);  // lost and not retransmitted: out of the pipe
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1200+100");
    BOOST_TEST(seg(sb.next_seg(una, nxt, 500)) == "lost 1200+100");  // (1) before new data
    sb.on_retransmit(Seq(1200), 100);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1300+100");
    BOOST_TEST(sb.set_pipe(una, nxt) == 100u);

    // A mark only widens; below SND.UNA it is dropped, and leaving recovery clears it.
    sb.mark_lost_below(Seq(1500));
    BOOST_TEST(sb.is_lost(Seq(1800)));
    sb.update(nxt, nxt, {});
    BOOST_TEST(!sb.is_lost(Seq(2000)));
    sb.update(nxt, Seq(2100), {});
    BOOST_TEST(sb.set_pipe(nxt, Seq(2100)) == 100u);
    sb.mark_lost_below(Seq(2100));
    BOOST_TEST(sb.is_lost(Seq(2000)));
    sb.reset();
    BOOST_TEST(!sb.is_lost(Seq(2000)));
}

BOOST_AUTO_TEST_CASE(no_mark_once_blocks_were_refused) {
    // A full scoreboard refuses blocks: data the peer holds may be missing from it, and
    // a mark would call that data lost and send it again. No mark until reset().
    SackScoreboard sb(kSmss, 2);
    const Seq una(1000);
    const Seq nxt(2000);
    sb.update(una, nxt, Blocks{blk(1100, 1200), blk(1300, 1400), blk(1500, 1600)});
    BOOST_TEST(sb.refused_blocks() == 1u);
    sb.enter_recovery(una, nxt);
    sb.mark_lost_below(nxt);
    BOOST_TEST(!sb.is_lost(Seq(1700)));
    sb.reset();
    sb.mark_lost_below(nxt);
    BOOST_TEST(sb.is_lost(Seq(1700)));
}

BOOST_AUTO_TEST_CASE(mark_splits_a_hole) {
    // A mark inside the tail hole: only the part below it is lost; rules (1) and (3) look
    // no further than the mark or the highest SACK, whichever is higher.
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(2000);
    sb.update(una, nxt, Blocks{blk(1100, 1200)});
    sb.enter_recovery(una, nxt);
    sb.mark_lost_below(Seq(1450));
    BOOST_TEST(sb.set_pipe(una, nxt) == 550u);  // 1450..1999
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1000+100");
    sb.on_retransmit(Seq(1000), 100);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1200+100");
    sb.on_retransmit(Seq(1200), 100);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1300+100");
    sb.on_retransmit(Seq(1300), 100);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1400+50");
    sb.on_retransmit(Seq(1400), 50);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");
}

BOOST_AUTO_TEST_CASE(rescue_retransmission) {
    // Ten segments 1000..1999; the first and the last are lost and nothing new can be
    // sent, so no SACK will ever arrive above the last one (RFC 6675 §4 NextSeg (4)).
    SackScoreboard sb(kSmss);
    const Seq nxt(2000);
    Seq una(1000);
    sb.update(una, nxt, Blocks{blk(1100, 1900)});
    sb.enter_recovery(una, nxt);
    BOOST_TEST(sb.recovery_point().raw() == 1999u);
    // Before the first retransmission RescueRxt is undefined, but rule (1) comes first.
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1000+100");
    sb.on_retransmit(Seq(1000), 100);
    // The tail hole fails (1.b): nothing is SACKed above it. No rescue before the
    // first retransmission is acknowledged (HighACK 999 is not above RescueRxt 1099).
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");
    BOOST_TEST(sb.set_pipe(una, nxt) == 200u);  // retransmission + the tail (not lost)

    // Partial ACK one octet short of passing RescueRxt: still no rescue.
    una = Seq(1100);
    sb.update(una, nxt, Blocks{blk(1100, 1900)});
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");

    // Partial ACK covering the SACKed data: HighACK 1899 > RescueRxt 1099.
    una = Seq(1900);
    sb.update(una, nxt, {});
    BOOST_TEST(sb.sacked().empty());
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "rescue 1900+100");
    BOOST_TEST(seg(sb.next_seg(una, nxt, 5)) == "new 2000+5");  // (2) comes first
    sb.on_rescue_retransmit();
    BOOST_TEST(sb.high_rxt().raw() == 1899u);  // "HighRxt MUST NOT be updated" (beyond HighACK)
    // Once per recovery: RescueRxt is now RecoveryPoint.
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");
}

BOOST_AUTO_TEST_CASE(rescue_includes_highest_unsacked_octet) {
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(1450);
    sb.update(una, nxt, Blocks{blk(1000 + 100, 1000 + 200)});
    sb.enter_recovery(una, nxt);
    // No retransmission yet, RescueRxt undefined; (3) takes the first hole.
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "unsure 1000+100");
    sb.on_retransmit(Seq(1000), 100);
    sb.update(Seq(1200), nxt, {});
    // The tail hole is 1200..1449: the rescue is its last SMSS.
    BOOST_TEST(seg(sb.next_seg(Seq(1200), nxt, 0)) == "rescue 1350+100");
}

BOOST_AUTO_TEST_CASE(no_rescue_outside_recovery) {
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(1400);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "none");
    sb.update(una, nxt, Blocks{blk(1100, 1200)});
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "unsure 1000+100");
    sb.on_retransmit(Seq(1000), 100);  // ignored outside recovery
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "unsure 1000+100");
    BOOST_TEST(sb.set_pipe(una, nxt) == 300u);
}

BOOST_AUTO_TEST_CASE(wrap_around_zero) {
    // The scenario of one_loss_three_sacked_segments_above, across 2^32.
    SackScoreboard sb(kSmss);
    const Seq una(0xffffff80u);
    const Seq nxt = una + 400;
    sb.update(una, nxt, Blocks{SackRange{una + 100, una + 400}});
    BOOST_TEST(dump(sb) == "[4294967268,272)");
    BOOST_TEST(sb.is_lost(una));
    sb.enter_recovery(una, nxt);
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 4294967168+100");
    sb.on_retransmit(una, 100);
    BOOST_TEST(sb.high_rxt().raw() == 0xffffffe3u);
    BOOST_TEST(sb.set_pipe(una, nxt) == 100u);
    BOOST_TEST(!sb.recovery_done(nxt - 1));
    sb.update(nxt, nxt, {});
    BOOST_TEST(sb.sacked().empty());
    BOOST_TEST(sb.recovery_done(nxt));
}

BOOST_AUTO_TEST_CASE(rto_reset_keeps_sack_information) {
    SackScoreboard sb(kSmss);
    const Seq una(1000);
    const Seq nxt(1400);
    sb.update(una, nxt, Blocks{blk(1100, 1400)});
    sb.enter_recovery(una, nxt);
    sb.on_retransmit(Seq(1000), 100);
    BOOST_TEST(sb.set_pipe(una, nxt) == 100u);
    // RFC 6675 §5.1: the recovery ends, Update() goes on with what the peer reported.
    sb.reset();
    BOOST_TEST(!sb.in_recovery());
    BOOST_TEST(sb.recovery_done(una));
    BOOST_TEST(dump(sb) == "[1100,1400)");
    BOOST_TEST(sb.set_pipe(una, nxt) == 0u);  // no retransmission counted any more
    BOOST_TEST(seg(sb.next_seg(una, nxt, 0)) == "lost 1000+100");
    // Expunging (RFC 2018 §8) forgets the SACKed ranges too.
    sb.clear();
    BOOST_TEST(sb.sacked().empty());
    BOOST_TEST(sb.set_pipe(una, nxt) == 400u);
}

BOOST_AUTO_TEST_CASE(full_scoreboard_refuses_blocks) {
    SackScoreboard sb(kSmss, 2);
    sb.update(Seq(1000), Seq(2000), Blocks{blk(1100, 1200), blk(1300, 1400), blk(1500, 1600)});
    BOOST_TEST(sb.refused_blocks() == 1u);
    BOOST_TEST(dump(sb) == "[1100,1200) [1300,1400)");
    // A block that merges still fits.
    sb.update(Seq(1000), Seq(2000), Blocks{blk(1200, 1300)});
    BOOST_TEST(dump(sb) == "[1100,1400)");
    BOOST_TEST(sb.refused_blocks() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
