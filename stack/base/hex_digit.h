#pragma once
// The value of one hexadecimal digit, either case; -1 for anything else. Shared by the
// parsers of text that carries hex (MAC and IPv6 addresses, percent-encoded paths).
namespace slip::stack {

constexpr int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace slip::stack
