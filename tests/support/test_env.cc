#include "tests/support/test_env.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace slip::test {
namespace {

rte_mempool* start() {
    // Unique prefix: test binaries may run in parallel.
    std::string prefix = "--file-prefix=sliptest" + std::to_string(getpid());
    const char* argv[] = {"tests", "--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--log-level=error",
                          "-l", "0", prefix.c_str(), nullptr};
    if (rte_eal_init(static_cast<int>(std::size(argv) - 1), const_cast<char**>(argv)) < 0) {
        std::fprintf(stderr, "tests: EAL init failed: %s\n", rte_strerror(rte_errno));
        std::abort();
    }
    rte_mempool* p = rte_pktmbuf_pool_create("test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (p == nullptr) {
        std::fprintf(stderr, "tests: mbuf pool creation failed: %s\n", rte_strerror(rte_errno));
        std::abort();
    }
    return p;
}

}  // namespace

rte_mempool* pool() {
    static rte_mempool* p = start();
    return p;
}

rte_mempool* view_pool() {
    static rte_mempool* p = [] {
        rte_mempool* v = rte_pktmbuf_pool_create("test_views", 8191, 0, 0, 0, pool()->socket_id);
        if (v == nullptr) {
            std::fprintf(stderr, "tests: view pool creation failed: %s\n", rte_strerror(rte_errno));
            std::abort();
        }
        return v;
    }();
    return p;
}

rte_mempool* held_pool() {
    static rte_mempool* p = [] {
        rte_mempool* h = rte_pktmbuf_pool_create("test_held", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, pool()->socket_id);
        if (h == nullptr) {
            std::fprintf(stderr, "tests: held pool creation failed: %s\n", rte_strerror(rte_errno));
            std::abort();
        }
        return h;
    }();
    return p;
}

unsigned mbufs_in_use() {
    return rte_mempool_in_use_count(pool()) + rte_mempool_in_use_count(view_pool()) +
           rte_mempool_in_use_count(held_pool());
}

rte_mbuf* make_mbuf(const std::vector<uint8_t>& bytes) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    if (m == nullptr) {
        throw std::runtime_error("test pool exhausted");
    }
    char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        throw std::runtime_error("frame larger than one buffer");
    }
    if (!bytes.empty()) {  // memcpy from an empty vector's null data() is undefined
        std::memcpy(p, bytes.data(), bytes.size());
    }
    return m;
}

std::vector<uint8_t> bytes_of(const rte_mbuf* m) {
    std::vector<uint8_t> out;
    for (const rte_mbuf* s = m; s != nullptr; s = s->next) {
        const auto* p = rte_pktmbuf_mtod(s, const uint8_t*);
        out.insert(out.end(), p, p + s->data_len);
    }
    return out;
}

}  // namespace slip::test
