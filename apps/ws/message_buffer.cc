#include "apps/ws/message_buffer.h"

#include <algorithm>
#include <array>
#include <span>

namespace slip::apps::ws {

using app::BufferChain;
using app::BufferView;

namespace {

// The bytes copied into one buffer at a time: a standard packet buffer's data room.
constexpr uint32_t kPackChunk = 2048;

// Copies `view`'s bytes [from, from + len) through a stack buffer, segment by segment.
BufferChain copy_range(app::Connections& c, const BufferView& view, uint32_t from, uint32_t len) {
    std::array<uint8_t, kPackChunk> chunk;
    uint32_t filled = 0;
    uint32_t at = 0;  // view offset of the current segment
    BufferChain out;
    const auto spill = [&]() {
        BufferChain part = c.copy_in(std::span(chunk.data(), filled));
        filled = 0;
        if (part.empty()) {
            return false;
        }
        out.append(std::move(part));
        return true;
    };
    for (std::span<uint8_t> seg : view) {
        const uint32_t end = from + len;
        if (at >= end) {
            break;
        }
        const uint32_t seg_len = uint32_t(seg.size());
        uint32_t lo = std::max(at, from);
        const uint32_t hi = std::min(at + seg_len, end);
        while (lo < hi) {
            const uint32_t n = std::min(hi - lo, kPackChunk - filled);
            std::copy_n(seg.data() + (lo - at), n, chunk.data() + filled);
            filled += n;
            lo += n;
            if (filled == kPackChunk && !spill()) {
                return {};
            }
        }
        at += seg_len;
    }
    if (filled > 0 && !spill()) {
        return {};
    }
    return out;
}

// Copies the first `n` received bytes to the end of `into`, and consumes them either way.
bool copy_front(app::Connections& c, app::ConnId id, uint32_t n, BufferChain& into) {
    BufferChain copy = copy_range(c, c.received(id), 0, n);
    c.consume(id, n);
    if (copy.empty()) {
        return false;
    }
    into.append(std::move(copy));
    return true;
}

}  // namespace

BufferChain copy_packed(app::Connections& c, const BufferView& view) {
    return copy_range(c, view, 0, view.bytes());
}

bool MessageBuffer::add(app::Connections& c, app::ConnId id, uint32_t n) {
    if (n < kTakeAtLeast) {
        return copy_front(c, id, n, m_loose) && (m_loose.buffers() < kMaxLoosePieces || pack(c, false));
    }
    if (!pack(c, true)) {
        c.consume(id, n);
        return false;
    }
    BufferChain piece = c.take(id, n);
    const uint32_t rest = n - piece.bytes();
    m_packed.append(std::move(piece));
    // take() moves whole buffers and copies the part of one it stops inside; a part larger
    // than a pool buffer (a jumbo frame's) stays behind, and is copied here.
    return rest == 0 || copy_front(c, id, rest, m_packed);
}

bool MessageBuffer::pack(app::Connections& c, bool all) {
    if (m_loose.empty()) {
        return true;
    }
    if (all && m_loose.buffers() == 1) {
        m_packed.append(std::move(m_loose));  // packed already
        return true;
    }
    const BufferView loose = m_loose.view();
    const uint32_t total = loose.bytes();
    const uint32_t keep = all ? 0 : total % kPackChunk;
    BufferChain whole = copy_range(c, loose, 0, total - keep);
    BufferChain rest = copy_range(c, loose, total - keep, keep);
    if ((total > keep && whole.empty()) || (keep > 0 && rest.empty())) {
        return false;
    }
    m_packed.append(std::move(whole));
    m_loose = std::move(rest);
    return true;
}

bool MessageBuffer::finish(app::Connections& c, BufferChain& payload) {
    if (!pack(c, true)) {
        clear();
        return false;
    }
    payload = std::move(m_packed);
    return true;
}

}  // namespace slip::apps::ws
