// Boost.Test entry point shared by the test executables. Each test file is one
// BOOST_AUTO_TEST_SUITE named after its concept; meson runs each suite as its own test
// (--run_test=<suite>) so a failure names the concept.
#define BOOST_TEST_MODULE slipstream
#include <boost/test/unit_test.hpp>
