#pragma once
// A data message's payload while its frames arrive (RFC 6455 §5.4: a message may come in
// any number of fragments), unmasked, as packet buffers, without a per-message allocation.
// Large pieces are taken from the receive side as they are (zero copy: the buffers the
// port received into). Small pieces are copied, and packed from time to time, so a peer
// that fragments a message into tiny frames pins about one buffer per kTakeAtLeast bytes
// instead of one per fragment.
#include <cstdint>

#include "stack/app/application.h"

namespace slip::apps::ws {

// A copy of `view`'s bytes in as few buffers as Connections::copy_in fills (empty when
// buffers run out, or for an empty view).
app::BufferChain copy_packed(app::Connections& c, const app::BufferView& view);

class MessageBuffer {
public:
    // Pieces at least this long are taken (zero copy); shorter ones are copied.
    static constexpr uint32_t kTakeAtLeast = 1024;
    // Copied pieces waiting to be packed, at most.
    static constexpr uint32_t kMaxLoosePieces = 16;

    // Moves the first `n` bytes of `id`'s received data (unmasked already) into the message:
    // they leave the receive side either way. False: no buffer to hold them (the message is
    // incomplete from then on; the caller fails the connection).
    bool add(app::Connections& c, app::ConnId id, uint32_t n);
    // Hands the whole payload over (possibly an empty chain) and starts empty. False: no
    // buffer to pack it into.
    bool finish(app::Connections& c, app::BufferChain& payload);

    uint64_t bytes() const { return uint64_t(m_packed.bytes()) + m_loose.bytes(); }
    void clear() {
        m_packed.reset();
        m_loose.reset();
    }

private:
    // Copies the loose pieces into the packed chain: all of them (`all`), or the whole
    // buffers' worth, keeping the last partial one loose so the next pieces fill it.
    bool pack(app::Connections& c, bool all);

    app::BufferChain m_packed;  // taken buffers and packed copies, in order
    app::BufferChain m_loose;   // the copies behind them, not packed yet
};

}  // namespace slip::apps::ws
