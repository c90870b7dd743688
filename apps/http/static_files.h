#pragma once
// Static files the HTTP/1.1 server serves by GET and HEAD: every regular file under a root
// directory, read once at start into memory (bounded), so serving one touches no file
// system: a request names an entry of a sorted table, never a path on disk, and nothing
// outside the root can be reached. Each file carries its Content-Type (by extension) and a
// strong entity tag (RFC 9110 §8.8.3) from its size and a hash of its content.
//
// Loaded once and shared read-only by every core's server.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stack/app/byte_store.h"

namespace slip::apps::http {

struct StaticFileLimits {
    uint64_t max_total = 64ull << 20;  // bytes of all files together; files beyond are skipped
    uint64_t max_file = 16ull << 20;   // a larger file is skipped
    uint32_t max_files = 4096;
};

struct StaticFile {
    std::string path;  // "/css/site.css": the URL path, decoded, from the root
    std::vector<uint8_t> data;
    std::string_view content_type;
    std::string etag;  // "\"<size hex>-<hash hex>\"", quotes included
    // `data` registered with the engine (ByteStore), sent by reference; nullptr: copied.
    const app::SharedBytes* shared = nullptr;
};

class StaticFiles {
public:
    StaticFiles() = default;
    // Reads every regular file under `root` (recursively). What is skipped (over a limit,
    // unreadable, a name that is no URL path) leaves a line in warnings(); a root that is
    // not a directory leaves one too, and no files.
    static StaticFiles load(const std::string& root, const StaticFileLimits& limits = {});

    // The file at the request path `path` (percent-encoded as received, no query), or
    // nullptr. A path ending in "/" names that directory's index.html.
    const StaticFile* find(std::string_view path) const;
    std::span<const StaticFile> files() const { return m_files; }
    const std::vector<std::string>& warnings() const { return m_warnings; }
    // Registers every file with `store`, once, before any server sends one: they are then
    // sent by reference. Returns how many the store refused (sent by copy instead).
    uint32_t share(app::ByteStore& store);
    uint64_t total_bytes() const { return m_total; }

private:
    const StaticFile* find_decoded(std::string_view path) const;
    std::vector<StaticFile> m_files;  // sorted by path
    std::vector<std::string> m_warnings;
    uint64_t m_total = 0;
};

// The media type for a file name by its extension (RFC 9110 §8.3); unknown ones are
// application/octet-stream.
std::string_view content_type_for(std::string_view name);
// A strong entity tag for `data`: its size and a 64-bit FNV-1a hash, hex, in quotes.
std::string strong_etag(std::span<const uint8_t> data);
// RFC 9110 §13.1.2: whether an If-None-Match value ("*" or a list of entity tags) matches
// `etag` by the weak comparison (§8.8.3.2: W/ prefixes ignored).
bool if_none_match_matches(std::string_view field_value, std::string_view etag);
// Percent-decodes a URL path into `out` (RFC 3986 §2.1); false for a malformed escape, an
// encoded NUL or "/", or a path longer than `out`.
bool decode_path(std::string_view path, std::span<char> out, size_t& length);

}  // namespace slip::apps::http
