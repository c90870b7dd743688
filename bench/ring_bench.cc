// Events per second one way between two pinned threads, bursts of 32 16-byte events:
// rte_ring (single producer, single consumer, the elem API) beside dataplane::SpscRing.
// Each ring is measured in several alternating trials (this VM's speed changes over seconds);
// the best trial of each is printed, then the ratio ours / rte_ring.
//
//   build/bench/slipstream-ring-bench [--events N] [--trials N] [--cores A,B]
#include <pthread.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "dataplane/spsc_ring.h"

namespace {

struct Event {
    uint32_t index, generation, kind, bytes;
};
static_assert(sizeof(Event) == 16);

constexpr uint32_t kBurst = 32;
constexpr uint32_t kRingSize = 1024;

void pin(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// rte_ring without EAL: the memory comes from us, rte_ring_init lays the ring out in it.
class RteRing {
public:
    RteRing() {
        const ssize_t size = rte_ring_get_memsize_elem(sizeof(Event), kRingSize);
        m_mem.reset(static_cast<char*>(std::aligned_alloc(64, size_t(size))));
        m_ring = reinterpret_cast<rte_ring*>(m_mem.get());
        m_ok = rte_ring_init(m_ring, "bench", kRingSize, RING_F_SP_ENQ | RING_F_SC_DEQ) == 0;
    }
    bool ok() const { return m_ok; }
    uint32_t enqueue(const Event* e, uint32_t n) {
        return rte_ring_sp_enqueue_burst_elem(m_ring, e, sizeof(Event), n, nullptr);
    }
    uint32_t dequeue(Event* e, uint32_t n) { return rte_ring_sc_dequeue_burst_elem(m_ring, e, sizeof(Event), n, nullptr); }

private:
    struct Free {
        void operator()(char* p) const { std::free(p); }
    };
    std::unique_ptr<char, Free> m_mem;
    rte_ring* m_ring = nullptr;
    bool m_ok = false;
};

class OurRing {
public:
    OurRing() : m_ring(kRingSize) {}
    bool ok() const { return true; }
    uint32_t enqueue(const Event* e, uint32_t n) { return m_ring.enqueue_burst(std::span<const Event>(e, n)); }
    uint32_t dequeue(Event* e, uint32_t n) { return m_ring.dequeue_burst(std::span<Event>(e, n)); }

private:
    slip::dataplane::SpscRing<Event> m_ring;
};

struct Result {
    double events_per_s = 0;
    bool intact = false;
};

// One trial: the producer on core a makes `events` numbered events in bursts, the consumer on
// core b takes them and checks every number; both spin (pinned cores, as the engine's are).
template <typename Ring>
Result trial(uint64_t events, int core_a, int core_b) {
    Ring ring;
    if (!ring.ok()) {
        return {};
    }
    std::atomic<bool> go{false};
    std::thread producer([&] {
        pin(core_a);
        while (!go.load(std::memory_order_acquire)) {
        }
        std::array<Event, kBurst> burst{};
        uint64_t sent = 0;
        while (sent < events) {
            const uint32_t n = uint32_t(std::min<uint64_t>(kBurst, events - sent));
            for (uint32_t i = 0; i < n; ++i) {
                burst[i] = Event{uint32_t(sent + i), 0, 1, 64};
            }
            sent += ring.enqueue(burst.data(), n);
        }
    });
    pin(core_b);
    std::array<Event, kBurst> out{};
    uint64_t received = 0, wrong = 0;
    const auto start = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    while (received < events) {
        const uint32_t n = ring.dequeue(out.data(), kBurst);
        for (uint32_t i = 0; i < n; ++i) {
            wrong += out[i].index != uint32_t(received + i);
        }
        received += n;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    producer.join();
    return {double(events) / s, wrong == 0};
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t events = 50'000'000;
    int trials = 5, core_a = 0, core_b = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string opt = argv[i];
        if (opt == "--events") {
            events = std::strtoull(argv[i + 1], nullptr, 10);
        } else if (opt == "--trials") {
            trials = std::atoi(argv[i + 1]);
        } else if (opt == "--cores" && std::sscanf(argv[i + 1], "%d,%d", &core_a, &core_b) == 2) {
        } else {
            std::fprintf(stderr, "ring-bench: unknown option %s (--events N, --trials N, --cores A,B)\n", argv[i]);
            return 2;
        }
    }
    if (std::thread::hardware_concurrency() < 2) {
        std::fprintf(stderr, "ring-bench: needs two cores, this machine has one\n");
        return 1;
    }
    std::printf("%llu events of 16 bytes one way, bursts of %u, ring of %u, producer core %d, consumer core %d\n",
                static_cast<unsigned long long>(events), kBurst, kRingSize, core_a, core_b);
    double best_rte = 0, best_ours = 0;
    for (int t = 0; t < trials; ++t) {
        const Result r = trial<RteRing>(events, core_a, core_b);
        const Result o = trial<OurRing>(events, core_a, core_b);
        if (!r.intact || !o.intact) {
            std::fprintf(stderr, "ring-bench: trial %d: %s lost, duplicated or reordered events; no ratio\n", t,
                         !r.intact ? "rte_ring" : "SpscRing");
            return 1;
        }
        std::printf("trial %d: rte_ring %.1f M events/s, SpscRing %.1f M events/s\n", t, r.events_per_s / 1e6,
                    o.events_per_s / 1e6);
        best_rte = std::max(best_rte, r.events_per_s);
        best_ours = std::max(best_ours, o.events_per_s);
    }
    std::printf("best: rte_ring SP/SC elem %.1f M events/s, SpscRing %.1f M events/s, ratio %.2fx\n", best_rte / 1e6,
                best_ours / 1e6, best_ours / best_rte);
    return 0;
}
