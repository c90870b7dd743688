#pragma once
// Shared by the unit and sim tests: EAL started once per test process without
// hugepages or PCI (so tests run anywhere, in parallel, under ASan), one mbuf pool,
// and helpers to turn byte vectors into packet buffers and back.
#include <rte_mbuf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "stack/buf/mbuf.h"

namespace slip::test {

// The pool every test allocates from; EAL is started on first use.
rte_mempool* pool();
// Buffers without data room for payload views, as the engine's ports have (Port::view_pool).
rte_mempool* view_pool();
// A pool of its own for data an application holds past its threshold (Port::held_pool).
rte_mempool* held_pool();
// Buffers of all three pools currently allocated (for leak checks).
unsigned mbufs_in_use();

// A buffer holding exactly `bytes`, with the pool's standard headroom.
rte_mbuf* make_mbuf(const std::vector<uint8_t>& bytes);
std::vector<uint8_t> bytes_of(const rte_mbuf* m);

}  // namespace slip::test
