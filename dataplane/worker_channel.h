#pragma once
// What travels between one polling core and one application worker: events (core ->
// worker) and commands (worker -> core) on two single-producer single-consumer rings, and
// the worker's wakeup. Items are fixed-size and trivially copyable; a buffer chain crosses
// as its head pointer, and ownership goes with the item (the ring's release/acquire pair
// publishes the chain's contents with it).
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "dataplane/spsc_ring.h"
#include "stack/app/application.h"

namespace slip::dataplane {

// Active opens on a worker (Connections::connect there) are named, for their whole life, by
// handles the worker gives out itself, without waiting for its polling core: the index is
// past the queue's TCP slots (`tcp_slots + k`, k below the worker's reserve of open slots),
// the generation counts the reuses of k, the queue is the polling core that opens it. The
// core maps each (worker, k) to the TCP connection it opened, so events carry, and commands
// name, the worker's handle. The reserve bounds a worker's live active opens (all queues).
inline constexpr uint32_t kDefaultOpensPerWorker = 1024;

enum class EventKind : uint8_t { accepted, connected, data, writable, peer_closed, timer, closed };

struct WorkerEvent {
    EventKind kind = EventKind::data;
    uint8_t reason = 0;    // closed: app::CloseReason
    uint16_t app = 0;      // accepted: which application of the AppSet
    uint32_t credit = 0;   // accepted, connected, writable: bytes of send credit granted
    app::ConnId id;
    uint32_t bytes = 0;    // data: bytes in `chain`
    app::Segment* chain = nullptr;  // data: the received bytes (ownership moves)
    app::Endpoint peer;    // accepted
};

enum class CommandKind : uint8_t {
    send, open_window, stop_reading, shutdown, close, abort, set_timer, cancel_timer,
    connect,  // an active open under the worker's handle `id` (see kDefaultOpensPerWorker)
};

struct WorkerCommand {
    CommandKind kind = CommandKind::send;
    app::ConnId id;
    uint32_t bytes = 0;    // send: bytes in `chain`; open_window, close: bytes consumed
    app::Endpoint remote;  // connect: the peer
    uint64_t ns = 0;       // set_timer: after how long
    app::Segment* chain = nullptr;  // send: the data (ownership moves)
};

// A worker's wakeup: one eventfd however many polling cores feed it. The worker sleeps on
// it only after spinning idle for a while; a polling core writes it only when the worker
// has said it sleeps, so a busy worker costs no system call.
class WorkerWakeup {
public:
    WorkerWakeup() : m_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    ~WorkerWakeup() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    WorkerWakeup(const WorkerWakeup&) = delete;
    WorkerWakeup& operator=(const WorkerWakeup&) = delete;
    bool ok() const { return m_fd >= 0; }
    // What a user's own event loop waits on (readable: there may be events).
    int fd() const { return m_fd; }

    // --- a polling core, after enqueueing events ---
    void wake_if_sleeping() {
        // Pairs with the fence in announce_sleep: either the worker sees our events when it
        // checks the rings after announcing its sleep, or we see its announcement here and
        // write the eventfd. (Store-load ordering needs a full fence on both sides.)
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (m_sleeping.load(std::memory_order_relaxed)) {
            const uint64_t one = 1;
            [[maybe_unused]] const ssize_t n = ::write(m_fd, &one, sizeof one);
            m_wakeups.fetch_add(1, std::memory_order_relaxed);  // a count for the stats only
        }
    }
    uint64_t wakeups() const { return m_wakeups.load(std::memory_order_relaxed); }

    // --- the worker ---
    void announce_sleep(bool sleeping) {
        m_sleeping.store(sleeping, std::memory_order_relaxed);
        // Pairs with the fence in wake_if_sleeping (see there).
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    // Clears the eventfd's count after a wait.
    void drain() {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(m_fd, &count, sizeof count);
    }

private:
    int m_fd;
    std::atomic<bool> m_sleeping{false};
    std::atomic<uint64_t> m_wakeups{0};
};

// One polling core <-> one worker: events one way, commands the other.
struct WorkerChannel {
    // `command_capacity` 0: as many commands as events.
    WorkerChannel(uint32_t capacity, WorkerWakeup* worker_wakeup, uint32_t command_capacity = 0)
        : events(capacity), commands(command_capacity != 0 ? command_capacity : capacity), wakeup(worker_wakeup) {}
    SpscRing<WorkerEvent> events;
    SpscRing<WorkerCommand> commands;
    WorkerWakeup* wakeup;
};

}  // namespace slip::dataplane
