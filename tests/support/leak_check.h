#pragma once
// Test fixture: the case fails when it ends with a different number of buffers in use
// (both test pools) than it started with.
#include <boost/test/unit_test.hpp>

#include "tests/support/test_env.h"

namespace slip::test {

struct LeakCheck {
    unsigned at_start = mbufs_in_use();
    ~LeakCheck() { BOOST_TEST(mbufs_in_use() == at_start); }
};

}  // namespace slip::test
