#pragma once
// How Boost.Test prints stack values in failure messages (BOOST_TEST(a == b) needs
// both operands printable). Found by argument-dependent lookup.
#include <ostream>

#include "stack/net/addr.h"

namespace slip::stack {

inline std::ostream& boost_test_print_type(std::ostream& os, const MacAddr& a) { return os << a.to_string(); }
inline std::ostream& boost_test_print_type(std::ostream& os, const Ipv4Addr& a) { return os << a.to_string(); }
inline std::ostream& boost_test_print_type(std::ostream& os, const Ipv6Addr& a) { return os << a.to_string(); }

}  // namespace slip::stack
