#pragma once
// Test helpers for the crypto suites: hex conversion and the converted Wycheproof files
// (tests/vectors/convert_wycheproof.py). SLIP_VECTORS names tests/vectors; meson sets it.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace slip::test {

using Bytes = std::vector<uint8_t>;

inline Bytes unhex(const std::string& s) {
    Bytes out;
    int hi = -1;
    for (char c : s) {
        int v = -1;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            continue;  // spaces, newlines and "-" (empty) are skipped
        }
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(uint8_t(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

inline std::string hex(const uint8_t* p, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}
template <typename C>
std::string hex(const C& c) {
    return hex(c.data(), c.size());
}

inline std::string vectors_dir() {
    const char* dir = std::getenv("SLIP_VECTORS");
    return dir != nullptr ? dir : "tests/vectors";
}

// Whitespace-separated fields of every non-comment line of a vectors file.
inline std::vector<std::vector<std::string>> read_rows(const std::string& relative) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(vectors_dir() + "/" + relative);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream fields(line);
        std::vector<std::string> row;
        for (std::string f; fields >> f;) {
            row.push_back(f);
        }
        rows.push_back(row);
    }
    return rows;
}

}  // namespace slip::test
