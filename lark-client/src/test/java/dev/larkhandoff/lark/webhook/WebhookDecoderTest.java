package dev.larkhandoff.lark.webhook;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.webhook.WebhookException.Reason;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class WebhookDecoderTest {

    private static final String TOKEN = "v-token-Secret123";
    private static final String KEY = "e-key-Secret456";
    private static final String TS = "1700000000";
    private static final String NONCE = "n0nce";

    private final WebhookDecoder encrypted = new WebhookDecoder(TOKEN, KEY);
    private final WebhookDecoder plain = new WebhookDecoder(TOKEN, null);

    // ---- an independent implementation of Lark's side, straight from javax.crypto ----

    private static String encrypt(String key, byte[] iv, byte[] plaintext, String transformation) throws Exception {
        byte[] aesKey = MessageDigest.getInstance("SHA-256").digest(key.getBytes(UTF_8));
        Cipher cipher = Cipher.getInstance(transformation);
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(iv));
        byte[] ct = cipher.doFinal(plaintext);
        byte[] all = new byte[iv.length + ct.length];
        System.arraycopy(iv, 0, all, 0, iv.length);
        System.arraycopy(ct, 0, all, iv.length, ct.length);
        return Base64.getEncoder().encodeToString(all);
    }

    private static String encrypt(String key, String plaintext) throws Exception {
        byte[] iv = new byte[16];
        new SecureRandom().nextBytes(iv);
        return encrypt(key, iv, plaintext.getBytes(UTF_8), "AES/CBC/PKCS5Padding");
    }

    private static String hex(String algorithm, String prefix, byte[] body) throws Exception {
        MessageDigest d = MessageDigest.getInstance(algorithm);
        d.update(prefix.getBytes(UTF_8));
        d.update(body);
        return HexFormat.of().formatHex(d.digest());
    }

    private static byte[] envelope(String encrypt) {
        return ("{\"encrypt\":\"" + encrypt + "\"}").getBytes(UTF_8);
    }

    private static WebhookHeaders eventHeaders(byte[] raw) throws Exception {
        return new WebhookHeaders(TS, NONCE, hex("SHA-256", TS + NONCE + KEY, raw));
    }

    private static String event(String token) {
        return "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"ev_1\",\"event_type\":\"im.message.receive_v1\","
                + "\"token\":\"" + token
                + "\",\"app_id\":\"cli_1\"},\"event\":{\"message\":{\"message_id\":\"om_1\"}}}";
    }

    private static void assertRejected(ThrowingCallable call, Reason reason, String messagePart) {
        assertThatThrownBy(call).isInstanceOf(LarkException.class).isInstanceOfSatisfying(WebhookException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.code()).isEqualTo(WebhookException.REJECTED);
            assertThat(e.getMessage()).contains(messagePart).doesNotContain(TOKEN, KEY, "Secret");
        });
    }

    // ---- decryption ----

    @Test
    void given_lark_documented_sample_when_decrypting_then_it_reads_hello_world() {
        WebhookDecoder sample = new WebhookDecoder("t", "test key");

        assertThat(sample.decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="))
                .isEqualTo("hello world");
    }

    @Test
    void given_text_encrypted_by_javax_crypto_when_decrypting_then_the_round_trip_is_exact() throws Exception {
        String text = "{\"text\":\"héllo 你好 👋\",\"n\":" + "x".repeat(100) + "\"}";
        for (int len : new int[] {0, 1, 15, 16, 17, text.length()}) {
            String part = text.substring(0, len);
            assertThat(encrypted.decrypt(encrypt(KEY, part))).isEqualTo(part);
        }
    }

    @Test
    void given_text_that_is_not_base64_when_decrypting_then_it_says_so() {
        assertRejected(() -> encrypted.decrypt("not*base64!"), Reason.MALFORMED_CIPHERTEXT, "not valid base64");
    }

    @Test
    void given_too_few_or_partial_blocks_when_decrypting_then_it_says_so() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        String partial = Base64.getEncoder().encodeToString(new byte[40]);

        assertRejected(() -> encrypted.decrypt(short16), Reason.MALFORMED_CIPHERTEXT, "decodes to 16 bytes");
        assertRejected(() -> encrypted.decrypt(partial), Reason.MALFORMED_CIPHERTEXT, "decodes to 40 bytes");
    }

    @Test
    void given_the_wrong_key_when_decrypting_then_the_padding_is_reported_bad() throws Exception {
        String ct = encrypt(KEY, new byte[16], "{\"type\":\"x\"}".getBytes(UTF_8), "AES/CBC/PKCS5Padding");

        assertRejected(() -> new WebhookDecoder(TOKEN, "another key").decrypt(ct), Reason.BAD_PADDING, "PKCS#7");
    }

    @Test
    void given_plaintext_whose_padding_bytes_disagree_when_decrypting_then_strict_pkcs7_refuses_it() throws Exception {
        byte[] zeroPad = "fifteen bytes..\0".getBytes(UTF_8);
        byte[] mixedPad = "eleven byte\1\5\5\5\5".getBytes(UTF_8);

        String zero = encrypt(KEY, new byte[16], zeroPad, "AES/CBC/NoPadding");
        String mixed = encrypt(KEY, new byte[16], mixedPad, "AES/CBC/NoPadding");

        assertRejected(() -> encrypted.decrypt(zero), Reason.BAD_PADDING, "PKCS#7");
        assertRejected(() -> encrypted.decrypt(mixed), Reason.BAD_PADDING, "PKCS#7");
    }

    // ---- URL verification ----

    @Test
    void given_an_encrypted_url_check_with_the_right_token_then_the_challenge_is_answered_without_signature()
            throws Exception {
        byte[] raw = envelope(
                encrypt(KEY, "{\"challenge\":\"ch-1\",\"token\":\"" + TOKEN + "\",\"type\":\"url_verification\"}"));

        WebhookRequest r = encrypted.decodeEvent(WebhookHeaders.none(), raw);

        assertThat(r).isInstanceOfSatisfying(WebhookRequest.UrlVerification.class, v -> {
            assertThat(v.challenge()).isEqualTo("ch-1");
            assertThat(v.answer().toString()).isEqualTo("{\"challenge\":\"ch-1\"}");
        });
    }

    @Test
    void given_a_plain_url_check_then_the_challenge_is_answered() {
        byte[] raw =
                ("{\"challenge\":\"ch-2\",\"token\":\"" + TOKEN + "\",\"type\":\"url_verification\"}").getBytes(UTF_8);

        assertThat(plain.decodeEvent(WebhookHeaders.none(), raw)).isEqualTo(new WebhookRequest.UrlVerification("ch-2"));
        assertThat(plain.decodeCardAction(WebhookHeaders.none(), raw))
                .isEqualTo(new WebhookRequest.UrlVerification("ch-2"));
    }

    @Test
    void given_a_url_check_with_a_wrong_or_missing_token_then_it_is_refused() throws Exception {
        byte[] wrong =
                envelope(encrypt(KEY, "{\"challenge\":\"c\",\"token\":\"guess\",\"type\":\"url_verification\"}"));
        byte[] missing = "{\"challenge\":\"c\",\"type\":\"url_verification\"}".getBytes(UTF_8);

        assertRejected(() -> encrypted.decodeEvent(WebhookHeaders.none(), wrong), Reason.BAD_TOKEN, "does not match");
        assertRejected(
                () -> plain.decodeEvent(WebhookHeaders.none(), missing), Reason.BAD_TOKEN, "no verification token");
    }

    // ---- events ----

    @Test
    void given_an_encrypted_signed_event_then_it_is_decrypted_and_accepted() throws Exception {
        byte[] raw = envelope(encrypt(KEY, event(TOKEN)));

        WebhookRequest r = encrypted.decodeEvent(eventHeaders(raw), raw);

        assertThat(r).isInstanceOfSatisfying(WebhookRequest.Payload.class, p -> {
            assertThat(p.eventType()).isEqualTo("im.message.receive_v1");
            assertThat(p.body().at("/event/message/message_id").stringValue()).isEqualTo("om_1");
        });
    }

    @Test
    void given_an_upper_case_signature_and_map_headers_of_any_case_then_the_event_is_accepted() throws Exception {
        byte[] raw = envelope(encrypt(KEY, event(TOKEN)));
        String sig = hex("SHA-256", TS + NONCE + KEY, raw).toUpperCase();
        WebhookHeaders headers = WebhookHeaders.fromMap(
                Map.of("x-lark-request-timestamp", TS, "X-LARK-REQUEST-NONCE", NONCE, "X-Lark-Signature", sig));

        assertThat(encrypted.decodeEvent(headers, raw)).isInstanceOf(WebhookRequest.Payload.class);
    }

    @Test
    void given_a_body_changed_after_signing_then_the_signature_check_fails() throws Exception {
        byte[] signed = envelope(encrypt(KEY, event(TOKEN)));
        byte[] other = envelope(encrypt(KEY, event(TOKEN)));

        assertRejected(
                () -> encrypted.decodeEvent(eventHeaders(signed), other),
                Reason.BAD_SIGNATURE,
                "X-Lark-Signature does not match");
    }

    @Test
    void given_a_changed_timestamp_or_nonce_then_the_signature_check_fails() throws Exception {
        byte[] raw = envelope(encrypt(KEY, event(TOKEN)));
        WebhookHeaders good = eventHeaders(raw);

        assertRejected(
                () -> encrypted.decodeEvent(new WebhookHeaders("1700000001", NONCE, good.signature()), raw),
                Reason.BAD_SIGNATURE,
                "does not match");
        assertRejected(
                () -> encrypted.decodeEvent(new WebhookHeaders(TS, "other", good.signature()), raw),
                Reason.BAD_SIGNATURE,
                "does not match");
    }

    @Test
    void given_an_event_without_signature_headers_then_it_names_the_missing_header() throws Exception {
        byte[] raw = envelope(encrypt(KEY, event(TOKEN)));

        assertRejected(
                () -> encrypted.decodeEvent(WebhookHeaders.none(), raw),
                Reason.MISSING_SIGNATURE,
                "X-Lark-Request-Timestamp is missing");
        assertRejected(
                () -> encrypted.decodeEvent(new WebhookHeaders(TS, NONCE, null), raw),
                Reason.MISSING_SIGNATURE,
                "X-Lark-Signature is missing");
    }

    @Test
    void given_a_correctly_signed_event_with_a_wrong_token_then_it_is_refused() throws Exception {
        byte[] raw = envelope(encrypt(KEY, event("other-token")));

        assertRejected(() -> encrypted.decodeEvent(eventHeaders(raw), raw), Reason.BAD_TOKEN, "does not match");
    }

    @Test
    void given_no_encrypt_key_then_plain_events_are_checked_by_token_only() {
        byte[] v2 = event(TOKEN).getBytes(UTF_8);
        byte[] v1 = ("{\"uuid\":\"u\",\"token\":\"" + TOKEN + "\",\"ts\":\"1\",\"type\":\"event_callback\","
                        + "\"event\":{\"type\":\"message\"}}")
                .getBytes(UTF_8);

        assertThat(plain.decodeEvent(WebhookHeaders.none(), v2)).isInstanceOf(WebhookRequest.Payload.class);
        assertThat(((WebhookRequest.Payload) plain.decodeEvent(WebhookHeaders.none(), v1)).eventType())
                .isEqualTo("message");
        assertRejected(
                () -> plain.decodeEvent(WebhookHeaders.none(), event("x").getBytes(UTF_8)),
                Reason.BAD_TOKEN,
                "does not match");
    }

    @Test
    void given_encryption_configured_on_only_one_side_then_the_mismatch_is_named() throws Exception {
        byte[] encryptedBody = envelope(encrypt(KEY, event(TOKEN)));
        byte[] plainBody = event(TOKEN).getBytes(UTF_8);

        assertRejected(
                () -> plain.decodeEvent(WebhookHeaders.none(), encryptedBody),
                Reason.ENCRYPTION_MISMATCH,
                "no encrypt key is configured");
        assertRejected(
                () -> encrypted.decodeEvent(eventHeaders(plainBody), plainBody),
                Reason.ENCRYPTION_MISMATCH,
                "not encrypted");
    }

    @Test
    void given_bodies_that_are_not_json_objects_then_they_are_refused() throws Exception {
        assertRejected(
                () -> plain.decodeEvent(WebhookHeaders.none(), "{oops".getBytes(UTF_8)),
                Reason.MALFORMED_JSON,
                "not valid JSON");
        assertRejected(
                () -> plain.decodeEvent(WebhookHeaders.none(), "[1]".getBytes(UTF_8)),
                Reason.MALFORMED_JSON,
                "not a JSON object");
        assertRejected(
                () -> encrypted.decodeEvent(WebhookHeaders.none(), envelope(encrypt(KEY, "nope"))),
                Reason.MALFORMED_JSON,
                "decrypted body is not valid JSON");
        assertRejected(
                () -> encrypted.decodeEvent(WebhookHeaders.none(), envelope("%%%")),
                Reason.MALFORMED_CIPHERTEXT,
                "base64");
    }

    // ---- card callbacks ----

    @Test
    void given_an_old_card_callback_signed_with_sha1_then_it_is_accepted() throws Exception {
        byte[] raw = ("{\"open_id\":\"ou_1\",\"open_message_id\":\"om_1\",\"token\":\"c-update-token\","
                        + "\"action\":{\"value\":{\"action\":\"y\"},\"tag\":\"button\"}}")
                .getBytes(UTF_8);
        WebhookHeaders headers = new WebhookHeaders(TS, NONCE, hex("SHA-1", TS + NONCE + TOKEN, raw));

        WebhookRequest r = encrypted.decodeCardAction(headers, raw);

        assertThat(r)
                .isInstanceOfSatisfying(
                        WebhookRequest.Payload.class,
                        p -> assertThat(p.body().at("/action/value/action").stringValue())
                                .isEqualTo("y"));
    }

    @Test
    void given_an_old_card_callback_with_a_bad_or_missing_signature_then_it_is_refused() throws Exception {
        byte[] raw = "{\"open_id\":\"ou_1\",\"action\":{\"value\":{\"action\":\"y\"}}}".getBytes(UTF_8);
        byte[] forged = "{\"open_id\":\"ou_2\",\"action\":{\"value\":{\"action\":\"y\"}}}".getBytes(UTF_8);
        WebhookHeaders headers = new WebhookHeaders(TS, NONCE, hex("SHA-1", TS + NONCE + TOKEN, raw));
        WebhookHeaders sha256 = new WebhookHeaders(TS, NONCE, hex("SHA-256", TS + NONCE + TOKEN, raw));

        assertRejected(() -> plain.decodeCardAction(headers, forged), Reason.BAD_SIGNATURE, "SHA-1");
        assertRejected(() -> plain.decodeCardAction(sha256, raw), Reason.BAD_SIGNATURE, "SHA-1");
        assertRejected(() -> plain.decodeCardAction(WebhookHeaders.none(), raw), Reason.MISSING_SIGNATURE, "missing");
    }

    @Test
    void given_a_new_encrypted_card_action_at_the_card_url_then_event_rules_apply() throws Exception {
        String action = "{\"schema\":\"2.0\",\"header\":{\"event_type\":\"card.action.trigger\",\"token\":\"" + TOKEN
                + "\"},\"event\":{\"action\":{\"value\":{\"action\":\"__stop__\"}}}}";
        byte[] raw = envelope(encrypt(KEY, action));

        WebhookRequest r = encrypted.decodeCardAction(eventHeaders(raw), raw);

        assertThat(r)
                .isInstanceOfSatisfying(
                        WebhookRequest.Payload.class,
                        p -> assertThat(p.eventType()).isEqualTo("card.action.trigger"));
        assertRejected(
                () -> encrypted.decodeCardAction(WebhookHeaders.none(), raw), Reason.MISSING_SIGNATURE, "missing");
    }

    @Test
    void given_no_verification_token_then_the_decoder_cannot_be_built() {
        assertThatThrownBy(() -> new WebhookDecoder(" ", KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("verification token is required");
    }
}
