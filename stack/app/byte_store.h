#pragma once
// Bytes an application sends many times (static files, canned answers): registered once
// with the engine, which keeps them where every core can send them by reference
// (Connections::reference) instead of copying them into packet buffers per send.
#include <cstdint>
#include <span>

namespace slip::stack::buf {
class SharedBytes;
}

namespace slip::app {

using SharedBytes = stack::buf::SharedBytes;

class ByteStore {
public:
    virtual ~ByteStore() = default;
    // A copy of `bytes` in the engine's memory, read-only and valid for the engine's life
    // on every core; nullptr when that memory ran out (the application then copies per
    // send, as with copy_in).
    virtual const SharedBytes* share(std::span<const uint8_t> bytes) = 0;
};

}  // namespace slip::app
