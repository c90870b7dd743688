#pragma once
// How Boost.Test prints stack values in failure messages (BOOST_TEST(a == b) needs
// both operands printable). Found by argument-dependent lookup.
#include <ostream>

#include "stack/base/instant.h"
#include "stack/net/addr.h"

namespace slip::stack {

inline std::ostream& boost_test_print_type(std::ostream& os, const MacAddr& a) { return os << a.to_string(); }
inline std::ostream& boost_test_print_type(std::ostream& os, const Ipv4Addr& a) { return os << a.to_string(); }
inline std::ostream& boost_test_print_type(std::ostream& os, const Ipv6Addr& a) { return os << a.to_string(); }
inline std::ostream& boost_test_print_type(std::ostream& os, const Instant& t) {
    return t == Instant::never() ? os << "never" : os << t.ns << "ns";
}
inline std::ostream& boost_test_print_type(std::ostream& os, const Duration& d) { return os << d.ns << "ns"; }

}  // namespace slip::stack
