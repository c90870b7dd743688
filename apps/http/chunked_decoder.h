#pragma once
// The chunked transfer coding (RFC 9112 §7.1), decoded incrementally over the segments a
// body arrives in. The decoder copies nothing: for each segment it reports where the data
// bytes are (offset and length into that segment) and how far it read, so a body can be
// passed on segment by segment and whatever follows its end (the next pipelined request)
// stays in the segment untouched. The result does not depend on how the bytes are split.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace slip::apps::http {

struct ChunkedLimits {
    uint64_t max_body = 1u << 20;  // sum of the chunk sizes; more is 413
    size_t max_extension = 256;    // bytes between a chunk size and its CRLF; more is 400
    size_t max_trailer = 4096;     // bytes of the trailer section with its final CRLF; more is 400
};

// A chunk size has at most this many hex digits (leading zeros included), so it fits in
// 64 bits without an overflow check per digit; more is a 400.
inline constexpr size_t kMaxChunkSizeDigits = 16;

// How many data pieces one feed reports at most. A segment holding more chunks than this is
// taken in several feeds: feed stops after the last piece that fits (consumed < size).
inline constexpr size_t kMaxDataPieces = 8;

enum class ChunkState : uint8_t {
    more,   // feed the rest of this segment (if consumed < size), or the next segment
    done,   // the last chunk and the trailer section ended; consumed stops right there
    error,  // answer with ChunkResult::status and close
};

struct DataPiece {
    size_t offset = 0;  // into the span given to this feed
    size_t length = 0;
};

struct ChunkResult {
    // Bytes of the input this feed read (data and framing). Less than the input only when
    // the state is done or error, or when all kMaxDataPieces pieces are used.
    size_t consumed = 0;
    ChunkState state = ChunkState::more;
    uint16_t status = 0;  // error only: 400 (syntax, limits) or 413 (max_body)
    std::array<DataPiece, kMaxDataPieces> pieces{};
    size_t piece_count = 0;

    // The data pieces, in order, each within [0, consumed) and none overlapping.
    std::span<const DataPiece> data() const { return {pieces.data(), piece_count}; }
};

class ChunkedDecoder {
public:
    explicit ChunkedDecoder(const ChunkedLimits& limits = {}) : m_limits(limits) {}

    // Once done or error, further feeds return the same state with consumed == 0.
    ChunkResult feed(std::span<const uint8_t> input);

    ChunkState state() const;
    // The sum of the chunk sizes read so far (a chunk counts once its size line ends).
    uint64_t body_size() const { return m_body; }

    // For the next body; the limits stay.
    void reset() { *this = ChunkedDecoder(m_limits); }

private:
    enum class Step : uint8_t {
        size,           // hex digits of the chunk size
        size_space,     // BWS after the size: only ";" or more BWS may follow
        extension,      // chunk-ext, read loosely up to CR
        size_lf,        // the LF ending the size line
        data,           // chunk-data
        data_cr,        // the CRLF after chunk-data
        data_lf,
        trailer_start,  // the start of a trailer field line, or of the final empty line
        trailer_name,
        trailer_value,
        trailer_lf,
        end_lf,         // the LF of the final empty line
        done,
        error,
    };

    bool step_size_line(uint8_t c);
    bool step_trailer(uint8_t c);
    bool fail(uint16_t status);

    ChunkedLimits m_limits;
    Step m_step = Step::size;
    uint16_t m_status = 0;
    uint8_t m_digits = 0;
    uint64_t m_chunk_size = 0;    // while reading the size line; then what is left of the data
    size_t m_extension_len = 0;
    size_t m_trailer_len = 0;
    uint64_t m_body = 0;
};

}  // namespace slip::apps::http
