#include "apps/http/static_files.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "apps/http/request_head.h"
#include "stack/base/hex_digit.h"

namespace slip::apps::http {

namespace fs = std::filesystem;

namespace {

struct TypeEntry {
    std::string_view extension;
    std::string_view type;
};

// Text types say their charset: browsers otherwise guess it (RFC 9110 §8.3.2).
constexpr TypeEntry kTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"svg", "image/svg+xml"},
    {"wasm", "application/wasm"},
    {"ico", "image/x-icon"},
};

constexpr std::string_view kDefaultType = "application/octet-stream";

uint64_t fnv1a64(std::span<const uint8_t> data) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const uint8_t b : data) {
        h = (h ^ b) * 0x100000001b3ull;
    }
    return h;
}

// The opaque-tag of an entity-tag, without a W/ prefix (RFC 9110 §8.8.3).
std::string_view opaque_tag(std::string_view tag) {
    if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') {
        tag.remove_prefix(2);
    }
    return tag;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

bool read_whole(const fs::path& file, uint64_t size, std::vector<uint8_t>& out) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) {
        return false;
    }
    out.resize(size);
    const size_t got = size > 0 ? std::fread(out.data(), 1, size, f) : 0;
    // The file must not have grown or shrunk since it was listed.
    const bool whole = got == size && std::fgetc(f) == EOF;
    std::fclose(f);
    return whole;
}

struct Candidate {
    std::string path;
    fs::path file;
    uint64_t size;
};

bool usable_name(std::string_view path) {
    return std::none_of(path.begin(), path.end(), [](char c) { return uint8_t(c) < 0x20 || c == 0x7f; });
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
    const size_t slash = name.rfind('/');
    const size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
        return kDefaultType;
    }
    const std::string_view ext = name.substr(dot + 1);
    for (const TypeEntry& e : kTypes) {
        if (equals_ignore_case(ext, e.extension)) {
            return e.type;
        }
    }
    return kDefaultType;
}

std::string strong_etag(std::span<const uint8_t> data) {
    char text[48];
    const int n = std::snprintf(text, sizeof text, "\"%llx-%016llx\"", static_cast<unsigned long long>(data.size()),
                                static_cast<unsigned long long>(fnv1a64(data)));
    return std::string(text, size_t(n));
}

bool if_none_match_matches(std::string_view value, std::string_view etag) {
    const std::string_view want = opaque_tag(etag);
    while (!value.empty()) {
        const size_t comma = value.find(',');
        std::string_view member = value.substr(0, comma);
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        while (!member.empty() && is_ows(member.front())) {
            member.remove_prefix(1);
        }
        while (!member.empty() && is_ows(member.back())) {
            member.remove_suffix(1);
        }
        if (member == "*" || (!member.empty() && opaque_tag(member) == want)) {
            return true;
        }
    }
    return false;
}

bool decode_path(std::string_view path, std::span<char> out, size_t& length) {
    size_t n = 0;
    for (size_t i = 0; i < path.size(); ++i) {
        char c = path[i];
        if (c == '%') {
            const int hi = i + 2 < path.size() ? stack::hex_digit(path[i + 1]) : -1;
            const int lo = i + 2 < path.size() ? stack::hex_digit(path[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return false;
            }
            c = char(hi * 16 + lo);
            if (c == '\0' || c == '/') {
                return false;  // an encoded "/" would name another path than it shows
            }
            i += 2;
        }
        if (n == out.size()) {
            return false;
        }
        out[n++] = c;
    }
    length = n;
    return true;
}

StaticFiles StaticFiles::load(const std::string& root, const StaticFileLimits& limits) {
    StaticFiles s;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        s.m_warnings.push_back(root + ": not a directory, no static files");
        return s;
    }
    std::vector<Candidate> found;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code file_ec;
        if (!it->is_regular_file(file_ec)) {
            continue;  // directories are walked; devices, sockets and the like are not served
        }
        std::string path(1, '/');
        path.append(fs::relative(it->path(), root, file_ec).generic_string());
        const uint64_t size = it->file_size(file_ec);
        if (file_ec || !usable_name(path)) {
            s.m_warnings.push_back(it->path().string() + ": skipped (unreadable or not a URL path)");
            continue;
        }
        found.push_back({path, it->path(), size});
    }
    if (ec) {
        s.m_warnings.push_back(root + ": listing stopped early: " + ec.message());
    }
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) { return a.path < b.path; });
    for (Candidate& c : found) {
        const char* why = c.size > limits.max_file                   ? "larger than the file limit"
                          : c.size > limits.max_total - s.m_total    ? "over the total size limit"
                          : s.m_files.size() >= limits.max_files     ? "over the file count limit"
                                                                     : nullptr;
        StaticFile f;
        if (why == nullptr && !read_whole(c.file, c.size, f.data)) {
            why = "could not be read whole";
        }
        if (why != nullptr) {
            s.m_warnings.push_back(c.file.string() + ": skipped, " + why);
            continue;
        }
        f.path = std::move(c.path);
        f.content_type = content_type_for(f.path);
        f.etag = strong_etag(f.data);
        s.m_total += f.data.size();
        s.m_files.push_back(std::move(f));
    }
    return s;
}

const StaticFile* StaticFiles::find_decoded(std::string_view path) const {
    const auto it = std::lower_bound(m_files.begin(), m_files.end(), path,
                                     [](const StaticFile& f, std::string_view p) { return f.path < p; });
    return it != m_files.end() && it->path == path ? &*it : nullptr;
}

uint32_t StaticFiles::share(app::ByteStore& store) {
    uint32_t refused = 0;
    for (StaticFile& f : m_files) {
        if (f.shared == nullptr && !f.data.empty()) {
            f.shared = store.share(f.data);
            refused += f.shared == nullptr ? 1 : 0;
        }
    }
    return refused;
}

const StaticFile* StaticFiles::find(std::string_view path) const {
    if (m_files.empty() || path.empty() || path.front() != '/') {
        return nullptr;
    }
    constexpr std::string_view kIndex = "index.html";
    std::array<char, 4096> decoded;
    size_t n = 0;
    if (!decode_path(path, std::span(decoded).first(decoded.size() - kIndex.size()), n)) {
        return nullptr;
    }
    if (decoded[n - 1] == '/') {
        std::copy(kIndex.begin(), kIndex.end(), decoded.begin() + long(n));
        n += kIndex.size();
    }
    return find_decoded(std::string_view(decoded.data(), n));
}

}  // namespace slip::apps::http
