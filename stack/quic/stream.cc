#include "stack/quic/stream.h"

namespace slip::stack::quic {

StreamTable::StreamTable(size_t capacity, RxBufferOwner& rx, TxBufferOwner& tx)
    : m_capacity(capacity),
      m_streams(new std::unique_ptr<Stream>[capacity]),
      m_free(new uint32_t[capacity]),
      m_free_count(capacity) {
    size_t buckets = 4;
    while (buckets < 2 * capacity) {
        buckets *= 2;
    }
    m_buckets.reset(new uint32_t[buckets]);
    m_mask = buckets - 1;
    for (size_t i = 0; i < buckets; ++i) {
        m_buckets[i] = kEmpty;
    }
    for (size_t i = 0; i < capacity; ++i) {
        m_streams[i] = std::make_unique<Stream>(rx, tx);
        m_streams[i]->slot = uint32_t(i);
        m_free[i] = uint32_t(capacity - 1 - i);
    }
}

bool StreamTable::take(uint64_t id, uint32_t& index) {
    if (m_free_count == 0) {
        return false;
    }
    index = m_free[--m_free_count];
    Stream& s = *m_streams[index];
    s.id = id;
    s.in_use = true;
    size_t b = bucket_of(id);
    while (m_buckets[b] != kEmpty) {
        b = (b + 1) & m_mask;
    }
    m_buckets[b] = index;
    return true;
}

Stream* StreamTable::find(uint64_t id) const {
    for (size_t b = bucket_of(id);; b = (b + 1) & m_mask) {
        const uint32_t i = m_buckets[b];
        if (i == kEmpty) {
            return nullptr;
        }
        if (m_streams[i]->id == id) {
            return m_streams[i].get();
        }
    }
}

void StreamTable::give_back(uint32_t index) {
    Stream& s = *m_streams[index];
    size_t b = bucket_of(s.id);
    while (m_buckets[b] != index) {
        b = (b + 1) & m_mask;
    }
    // Backward-shift deletion: entries after the hole that probed past it move into it.
    size_t hole = b;
    for (size_t next = (hole + 1) & m_mask; m_buckets[next] != kEmpty; next = (next + 1) & m_mask) {
        const size_t home = bucket_of(m_streams[m_buckets[next]]->id);
        const bool between = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (!between) {
            m_buckets[hole] = m_buckets[next];
            hole = next;
        }
    }
    m_buckets[hole] = kEmpty;
    s.receive.reuse();
    s.send.reuse();
    s.id = 0;
    s.in_use = false;
    s.receives = false;
    s.sends = false;
    s.window = ReceiveWindow{};
    s.credit = SendCredit{};
    s.counted = 0;
    s.pending_control = 0;
    s.reset_error = 0;
    s.stop_error = 0;
    s.reset_acked = false;
    s.stop_requested = false;
    s.write_refused = false;
    s.events = 0;
    s.event_error = 0;
    s.in_event_list = false;
    m_free[m_free_count++] = index;
}

}  // namespace slip::stack::quic
