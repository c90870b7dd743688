// Each stack's TCP flow-hash seed (and the timestamp offset derived from it) is its own:
// the stacks of one port's queues share its MAC address and must still differ, and so
// must a stack built again in the very place of an earlier one (the seed is random, not
// only derived from addresses a peer could learn or that repeat).
#include <boost/test/unit_test.hpp>

#include <memory>

#include "stack/session/net_stack.h"
#include "stack/tcp/tcp_layer.h"
#include "tests/support/test_env.h"

using namespace slip::stack;
using namespace slip::test;

namespace {

const MacAddr kMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

std::unique_ptr<NetStack> make_stack() {
    StackOptions o;
    o.ipv4 = Ipv4Prefix::parse("10.0.0.2/24");
    o.tcp.max_connections = 16;
    return std::make_unique<NetStack>(o, kMac, pool());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_seed)

BOOST_AUTO_TEST_CASE(stacks_of_one_port_get_different_seeds) {
    // Two queues of one port: the same options, the same MAC address object.
    const auto a = make_stack();
    const auto b = make_stack();
    BOOST_TEST(a->tcp().flow_seed() != b->tcp().flow_seed());
    BOOST_TEST(a->tcp().setup_error() == nullptr);  // the random keys were drawn
}

BOOST_AUTO_TEST_CASE(a_stack_built_again_in_the_same_place_gets_a_new_seed) {
    auto first = make_stack();
    const uint64_t seed = first->tcp().flow_seed();
    NetStack* place = first.get();
    first.reset();
    const auto again = make_stack();  // the allocator most likely hands out the same block
    BOOST_TEST_MESSAGE("same address: " << (again.get() == place));
    BOOST_TEST(again->tcp().flow_seed() != seed);
}

BOOST_AUTO_TEST_SUITE_END()
