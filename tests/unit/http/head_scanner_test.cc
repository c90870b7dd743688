#include "apps/http/head_scanner.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

#include "tests/fuzz/http_parser_target.h"

using namespace slip::apps::http;
namespace samples = slip::test::http_samples;

namespace {

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Scan {
    size_t used = 0;  // over all segments fed
    ScanState state = ScanState::open;
    uint16_t status = 0;
    bool operator==(const Scan&) const = default;
};

Scan scan(std::string_view s, size_t max_head = kDefaultMaxHead) {
    HeadScanner scanner(max_head);
    const ScanResult r = scanner.feed(bytes(s));
    return {r.used, r.state, r.status};
}

// Feeds s in two segments cut at `cut` (the second only if the first left the head open).
Scan scan_cut(std::string_view s, size_t cut, size_t max_head) {
    HeadScanner scanner(max_head);
    ScanResult r = scanner.feed(bytes(s.substr(0, cut)));
    Scan out{r.used, r.state, r.status};
    if (r.state == ScanState::open) {
        r = scanner.feed(bytes(s.substr(cut)));
        out = {out.used + r.used, r.state, r.status};
    }
    return out;
}

Scan scan_bytewise(std::string_view s, size_t max_head) {
    HeadScanner scanner(max_head);
    Scan out;
    for (size_t i = 0; i < s.size() && out.state == ScanState::open; ++i) {
        const ScanResult r = scanner.feed(bytes(s.substr(i, 1)));
        out = {out.used + r.used, r.state, r.status};
    }
    return out;
}

// The result must not depend on where the segments break.
void check_split_independent(std::string_view s, size_t max_head = kDefaultMaxHead) {
    const Scan whole = scan(s, max_head);
    for (size_t cut = 0; cut <= s.size(); ++cut) {
        BOOST_TEST_CONTEXT("cut at " << cut) { BOOST_TEST((scan_cut(s, cut, max_head) == whole)); }
    }
    BOOST_TEST((scan_bytewise(s, max_head) == whole));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(head_scanner)

BOOST_AUTO_TEST_CASE(real_requests_end_at_their_empty_line) {
    for (std::string_view s : {samples::kCurlGet, samples::kWrkGet, samples::kH2loadGet, samples::kAbGet,
                               samples::kWebSocketUpgrade, samples::kBrowserRevalidate}) {
        const Scan r = scan(s);
        BOOST_TEST((r.state == ScanState::complete));
        BOOST_TEST(r.used == s.size());
        check_split_independent(s);
    }
}

BOOST_AUTO_TEST_CASE(body_bytes_are_not_the_heads) {
    const std::string_view s = samples::kCurlPost;
    const Scan r = scan(s);
    BOOST_TEST((r.state == ScanState::complete));
    BOOST_TEST(r.used == s.find("\r\n\r\n") + 4);
    check_split_independent(s);
    check_split_independent(samples::kCurlChunkedPut);
}

BOOST_AUTO_TEST_CASE(pipelined_heads_stop_exactly_at_each_end) {
    const std::string_view s = samples::kPipelined;
    const size_t first_end = s.find("\r\n\r\n") + 4;
    HeadScanner scanner;
    ScanResult r = scanner.feed(bytes(s));
    BOOST_TEST((r.state == ScanState::complete));
    BOOST_TEST(r.used == first_end);
    BOOST_TEST(scanner.head_size() == first_end);
    // Finished: nothing more is taken until reset.
    BOOST_TEST(scanner.feed(bytes(s.substr(first_end))).used == 0u);
    scanner.reset();
    r = scanner.feed(bytes(s.substr(first_end)));
    BOOST_TEST((r.state == ScanState::complete));
    BOOST_TEST(r.used == s.size() - first_end);
    check_split_independent(s);
}

BOOST_AUTO_TEST_CASE(an_unfinished_head_stays_open) {
    const std::string_view s = "GET / HTTP/1.1\r\nHost: h\r\n\r";
    const Scan r = scan(s);
    BOOST_TEST((r.state == ScanState::open));
    BOOST_TEST(r.used == s.size());
    BOOST_TEST((scan("").state == ScanState::open));
    check_split_independent(s);
}

BOOST_AUTO_TEST_CASE(bare_lf_is_400_at_once) {
    // RFC 9112 §2.2: we never take LF alone as a line end.
    const std::string_view lf_lines = "GET / HTTP/1.1\nHost: h\n\n";
    Scan r = scan(lf_lines);
    BOOST_TEST((r.state == ScanState::bad));
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.used == lf_lines.find('\n') + 1);
    r = scan("\n\n");
    BOOST_TEST((r.state == ScanState::bad));
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.used == 1u);
    BOOST_TEST(scan("GET / HTTP/1.1\r\nHost: h\r\n\n").status == 400);
    check_split_independent(lf_lines);
}

BOOST_AUTO_TEST_CASE(bare_cr_is_400) {
    const std::string_view s = "GET / HTTP/1.1\rHost: h\r\n\r\n";
    const Scan r = scan(s);
    BOOST_TEST((r.state == ScanState::bad));
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.used == s.find('\r') + 2);
    BOOST_TEST(scan("GET / HTTP/1.1\r\r\n").status == 400);
    check_split_independent(s);
}

BOOST_AUTO_TEST_CASE(a_few_leading_empty_lines_are_skipped) {
    // RFC 9112 §2.2: at least one SHOULD be ignored; kMaxLeadingEmptyLines are.
    std::string ok_input;
    for (size_t i = 0; i < kMaxLeadingEmptyLines; ++i) {
        ok_input += "\r\n";
    }
    BOOST_TEST((scan(ok_input).state == ScanState::open));  // empty lines alone do not end a head
    ok_input += samples::kWrkGet;
    Scan r = scan(ok_input);
    BOOST_TEST((r.state == ScanState::complete));
    BOOST_TEST(r.used == ok_input.size());
    check_split_independent(ok_input);

    const std::string too_many = "\r\n" + ok_input;
    r = scan(too_many);
    BOOST_TEST((r.state == ScanState::bad));
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.used == 2 * (kMaxLeadingEmptyLines + 1));
    check_split_independent(too_many);
}

BOOST_AUTO_TEST_CASE(head_at_the_limit_and_one_over) {
    const std::string_view s = samples::kCurlGet;
    Scan r = scan(s, s.size());
    BOOST_TEST((r.state == ScanState::complete));
    BOOST_TEST(r.used == s.size());
    check_split_independent(s, s.size());
    // One byte over: the limit is reached with the head still open, which is 431 right away.
    r = scan(s, s.size() - 1);
    BOOST_TEST((r.state == ScanState::bad));
    BOOST_TEST(r.status == 431);
    BOOST_TEST(r.used == s.size() - 1);
    check_split_independent(s, s.size() - 1);
}

BOOST_AUTO_TEST_CASE(a_full_buffer_with_an_open_head_is_431_without_waiting) {
    const std::string long_line = "GET /" + std::string(kDefaultMaxHead, 'a');
    HeadScanner scanner;
    const ScanResult r = scanner.feed(bytes(long_line));
    BOOST_TEST((r.state == ScanState::bad));
    BOOST_TEST(r.status == 431);
    BOOST_TEST(r.used == kDefaultMaxHead);
    BOOST_TEST(scanner.head_size() == kDefaultMaxHead);
    check_split_independent(long_line);
    // Leading empty lines count toward the limit too.
    BOOST_TEST(scan("\r\n\r\nGET", 5).status == 431);
}

BOOST_AUTO_TEST_CASE(reset_keeps_the_limit) {
    HeadScanner scanner(10);
    BOOST_TEST(scanner.feed(bytes(samples::kWrkGet)).status == 431);
    scanner.reset();
    BOOST_TEST((scanner.state() == ScanState::open));
    BOOST_TEST(scanner.head_size() == 0u);
    BOOST_TEST(scanner.feed(bytes(samples::kWrkGet)).status == 431);
}

BOOST_AUTO_TEST_CASE(errors_do_not_depend_on_the_split) {
    for (std::string_view s : {"GET / HTTP/1.1\r\nA: b\r\r\n", "\r\n\r\n\r\n\r\n\r\n\r\nGET", "\r\n\n",
                               "GET / HTTP/1.1\r\nA: b\n\r\n"}) {
        check_split_independent(s);
        check_split_independent(s, 7);
    }
}

BOOST_AUTO_TEST_SUITE_END()
