#include "crypto/quic_keys.h"

#include <boost/test/unit_test.hpp>

#include <map>

#include "crypto/header_protection.h"
#include "tests/unit/crypto/vectors.h"

using namespace slip::crypto;
using namespace slip::test;

namespace {

const Bytes kDcid = unhex("8394c8f03e515708");  // RFC 9001 / RFC 9369 Appendix A

std::map<std::string, Bytes> appendix(const std::string& file) {
    std::map<std::string, Bytes> values;
    for (const auto& row : read_rows("quic/" + file)) {
        BOOST_REQUIRE_EQUAL(row.size(), 2u);
        values[row[0]] = unhex(row[1]);
    }
    return values;
}

// Protects one packet as RFC 9001 §5.3-§5.4 describe: AEAD over the payload with the header
// as AAD, then header protection from the sample 4 bytes after the packet number's start.
Bytes protect(AeadEngine& engine, const PacketKeys& keys, const Bytes& header, size_t pn_len, uint64_t pn,
              const Bytes& payload) {
    AeadKey key;
    HpKey hp;
    BOOST_REQUIRE(engine.init_key(key, keys.algorithm, keys.key_span()));
    ImbManager mgr;
    BOOST_REQUIRE(init_hp_key(mgr, hp, keys.algorithm, keys.hp_span()));
    Bytes packet = header;
    packet.resize(header.size() + payload.size() + kAeadTagLen);
    const auto nonce = packet_nonce(keys.iv, pn);
    AeadOp op{&key, nonce, header, payload, std::span<uint8_t>(packet.data() + header.size(), payload.size() + 16)};
    BOOST_REQUIRE(engine.seal(std::span(&op, 1)) == 1u);

    const size_t pn_offset = header.size() - pn_len;
    HpSample sample;
    std::memcpy(sample.data(), packet.data() + pn_offset + 4, kHpSampleLen);  // RFC 9001 §5.4.2
    HpMask mask;
    BOOST_REQUIRE(compute_masks(hp, std::span(&sample, 1), std::span(&mask, 1)) == 1u);
    packet[0] ^= mask[0] & ((packet[0] & 0x80) != 0 ? 0x0f : 0x1f);  // long : short header
    for (size_t i = 0; i < pn_len; ++i) {
        packet[pn_offset + i] ^= mask[1 + i];
    }
    return packet;
}

Bytes padded(Bytes payload, size_t len) {
    payload.resize(len, 0);  // PADDING frames
    return payload;
}

void check_keys(const PacketKeys& k, const char* key, const char* iv, const char* hp) {
    BOOST_TEST(hex(k.key_span()) == key);
    BOOST_TEST(hex(k.iv) == iv);
    BOOST_TEST(hex(k.hp_span()) == hp);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quic_keys)

BOOST_AUTO_TEST_CASE(rfc9001_a1_keys) {
    Secret cs, ss;
    BOOST_REQUIRE(initial_secrets(QuicVersion::v1, kDcid, cs, ss));
    BOOST_TEST(hex(cs.span()) == "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    BOOST_TEST(hex(ss.span()) == "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
    PacketKeys c, s;
    BOOST_REQUIRE(initial_keys(QuicVersion::v1, kDcid, c, s));
    check_keys(c, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
    check_keys(s, "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314");
}

BOOST_AUTO_TEST_CASE(rfc9369_a1_keys) {
    Secret cs, ss;
    BOOST_REQUIRE(initial_secrets(QuicVersion::v2, kDcid, cs, ss));
    BOOST_TEST(hex(cs.span()) == "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
    BOOST_TEST(hex(ss.span()) == "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1");
    PacketKeys c, s;
    BOOST_REQUIRE(initial_keys(QuicVersion::v2, kDcid, c, s));
    check_keys(c, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
    check_keys(s, "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a");
}

BOOST_AUTO_TEST_CASE(initial_packets_byte_for_byte) {
    // RFC 9001 A.2 / A.3 and RFC 9369 A.2 / A.3: the same payloads, protected per version.
    AeadEngine engine;
    const auto v1 = appendix("rfc9001_appendix_a.txt");
    const auto v2 = appendix("rfc9369_appendix_a.txt");
    const Bytes client_payload = padded(v1.at("client_initial_payload"), 1162);
    const Bytes& server_payload = v1.at("server_initial_payload");
    for (auto [version, values] : {std::pair{QuicVersion::v1, &v1}, std::pair{QuicVersion::v2, &v2}}) {
        PacketKeys c, s;
        BOOST_REQUIRE(initial_keys(version, kDcid, c, s));
        const Bytes client = protect(engine, c, values->at("client_initial_header"), 4, 2, client_payload);
        BOOST_TEST(hex(client) == hex(values->at("client_initial_packet")), "client Initial v" << int(version));
        const Bytes server = protect(engine, s, values->at("server_initial_header"), 2, 1, server_payload);
        BOOST_TEST(hex(server) == hex(values->at("server_initial_packet")), "server Initial v" << int(version));

        // And back: open the client packet in place once the header is known.
        Bytes wire = client;
        const size_t hdr = values->at("client_initial_header").size();
        AeadKey key;
        BOOST_REQUIRE(engine.init_key(key, c.algorithm, c.key_span()));
        const auto nonce = packet_nonce(c.iv, 2);
        const Bytes& header = values->at("client_initial_header");
        AeadOp op{&key, nonce, header, std::span<const uint8_t>(wire.data() + hdr, wire.size() - hdr),
                  std::span<uint8_t>(wire.data() + hdr, wire.size() - hdr - 16)};
        BOOST_REQUIRE(engine.open(std::span(&op, 1)) == 1u);
        BOOST_TEST(hex(wire.data() + hdr, 1162) == hex(client_payload));
    }
}

BOOST_AUTO_TEST_CASE(retry_integrity_tags) {
    // RFC 9001 A.4 and RFC 9369 A.4: the last 16 bytes are the tag over the pseudo-packet.
    AeadEngine engine;
    for (auto [version, file] : {std::pair{QuicVersion::v1, "rfc9001_appendix_a.txt"},
                                 std::pair{QuicVersion::v2, "rfc9369_appendix_a.txt"}}) {
        const Bytes retry = appendix(file).at("retry_packet");
        std::array<uint8_t, 16> tag{};
        BOOST_REQUIRE(retry_integrity_tag(engine, version, kDcid, std::span(retry).first(retry.size() - 16), tag));
        BOOST_TEST(hex(tag) == hex(retry.data() + retry.size() - 16, 16), file);
        BOOST_TEST(verify_retry(engine, version, kDcid, retry));
        Bytes tampered = retry;
        tampered[10] ^= 1;
        BOOST_TEST(!verify_retry(engine, version, kDcid, tampered));
        const QuicVersion other = version == QuicVersion::v1 ? QuicVersion::v2 : QuicVersion::v1;
        BOOST_TEST(!verify_retry(engine, other, kDcid, retry));
        BOOST_TEST(!verify_retry(engine, version, std::span(kDcid).first(7), retry));
    }
}

BOOST_AUTO_TEST_CASE(chacha20_short_header_packet) {
    // RFC 9001 A.5 and RFC 9369 A.5: same secret, per-version labels.
    const Bytes secret = unhex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
    struct Expected {
        QuicVersion version;
        const char *key, *iv, *hp, *ku, *nonce, *sample, *mask, *packet;
    };
    const Expected cases[] = {
        {QuicVersion::v1, "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8",
         "e0459b3474bdd0e44a41c144", "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
         "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9", "e0459b3474bdd0e46d417eb0",
         "5e5cd55c41f69080575d7999c25a5bfb", "aefefe7d03", "4cfe4189655e5cd55c41f69080575d7999c25a5bfb"},
        {QuicVersion::v2, "3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2",
         "a6b5bc6ab7dafce30ffff5dd", "d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2",
         "c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88", "a6b5bc6ab7dafce328ff4a29",
         "e7b6b932bc27d786f4bc2bb20f2162ba", "97580e32bf", "5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba"},
    };
    AeadEngine engine;
    constexpr uint64_t kPn = 654360564;
    for (const auto& e : cases) {
        PacketKeys k;
        BOOST_REQUIRE(derive_packet_keys(e.version, AeadAlgorithm::chacha20_poly1305, secret, k));
        check_keys(k, e.key, e.iv, e.hp);
        Secret next;
        BOOST_REQUIRE(next_secret(e.version, AeadAlgorithm::chacha20_poly1305, secret, next));
        BOOST_TEST(hex(next.span()) == e.ku);
        BOOST_TEST(hex(packet_nonce(k.iv, kPn)) == e.nonce);

        ImbManager mgr;
        HpKey hp;
        BOOST_REQUIRE(init_hp_key(mgr, hp, AeadAlgorithm::chacha20_poly1305, k.hp_span()));
        HpSample sample;
        const Bytes s = unhex(e.sample);
        std::copy(s.begin(), s.end(), sample.begin());
        HpMask mask;
        BOOST_REQUIRE(compute_masks(hp, std::span(&sample, 1), std::span(&mask, 1)) == 1u);
        BOOST_TEST(hex(mask) == e.mask);

        // Header 4200bff4: short header, empty DCID, packet number in 3 bytes (00bff4).
        const Bytes packet = protect(engine, k, unhex("4200bff4"), 3, kPn, Bytes{0x01});
        BOOST_TEST(hex(packet) == e.packet);
    }
}

BOOST_AUTO_TEST_CASE(key_update_chain) {
    // RFC 9001 §6.1: each update derives from the previous secret; keys change, and an
    // AES-256-GCM (SHA-384) secret keeps its 48-byte length.
    Secret s;
    s.len = 48;
    for (size_t i = 0; i < 48; ++i) {
        s.bytes[i] = uint8_t(i);
    }
    Secret n1, n2;
    BOOST_REQUIRE(next_secret(QuicVersion::v1, AeadAlgorithm::aes256_gcm, s.span(), n1));
    BOOST_REQUIRE(next_secret(QuicVersion::v1, AeadAlgorithm::aes256_gcm, n1.span(), n2));
    BOOST_TEST(n1.len == 48u);
    BOOST_TEST(hex(n1.span()) != hex(s.span()));
    BOOST_TEST(hex(n2.span()) != hex(n1.span()));
    PacketKeys k;
    BOOST_TEST(derive_packet_keys(QuicVersion::v1, AeadAlgorithm::aes256_gcm, n2.span(), k));
    BOOST_TEST(k.key_span().size() == 32u);
    // Wrong secret size for the suite's hash.
    BOOST_TEST(!next_secret(QuicVersion::v1, AeadAlgorithm::aes128_gcm, s.span(), n1));
    BOOST_TEST(!derive_packet_keys(QuicVersion::v1, AeadAlgorithm::aes256_gcm, std::span(s.bytes).first(32), k));
    BOOST_TEST(!derive_packet_keys(QuicVersion(0xff00001d), AeadAlgorithm::aes128_gcm,
                                   std::span(s.bytes).first(32), k));
}

BOOST_AUTO_TEST_CASE(nonce_construction) {
    // RFC 9001 §5.3: the packet number is left-padded to the IV size and XORed in.
    std::array<uint8_t, 12> iv{};
    iv.fill(0xff);
    BOOST_TEST(hex(packet_nonce(iv, 0)) == "ffffffffffffffffffffffff");
    BOOST_TEST(hex(packet_nonce(iv, 0x0102030405060708)) == "fffffffffefdfcfbfaf9f8f7");
    BOOST_TEST(hex(packet_nonce(iv, (uint64_t(1) << 62) - 1)) == "ffffffffc000000000000000");
}

BOOST_AUTO_TEST_SUITE_END()
