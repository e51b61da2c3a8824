package dev.larkhandoff.lark.webhook;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.webhook.WebhookException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;

/**
 * Checks and decodes what Lark POSTs to an app's public URL (webhook mode, the alternative to the long
 * connection): answers the URL check, decrypts {@code {"encrypt": …}} bodies, and verifies signatures and
 * the verification token. Every refusal is a {@link WebhookException}; none of them names a secret.
 * Thread-safe.
 */
public final class WebhookDecoder {

    private static final int BLOCK = 16;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] verificationToken;
    private final String tokenForSignature;
    private final String encryptKey;
    private final SecretKeySpec aesKey;

    /**
     * @param verificationToken the app's verification token (developer console, Events and callbacks)
     * @param encryptKey        the app's encrypt key, or null / blank when encryption is off
     */
    public WebhookDecoder(String verificationToken, String encryptKey) {
        if (verificationToken == null || verificationToken.isBlank()) {
            throw new IllegalArgumentException("the verification token is required");
        }
        this.verificationToken = verificationToken.getBytes(StandardCharsets.UTF_8);
        this.tokenForSignature = verificationToken;
        this.encryptKey = encryptKey == null || encryptKey.isBlank() ? null : encryptKey;
        this.aesKey = this.encryptKey == null
                ? null
                : new SecretKeySpec(sha256(this.encryptKey.getBytes(StandardCharsets.UTF_8)), "AES");
    }

    /**
     * Decodes a request to the event URL. The order follows Lark's SDKs: decrypt, answer a URL check
     * (whose signature the SDKs never check), then verify the signature (only when an encrypt key is set,
     * as the SDKs do) and the verification token.
     */
    public WebhookRequest decodeEvent(WebhookHeaders headers, byte[] rawBody) {
        JsonNode outer = parse(rawBody, "body");
        JsonNode body;
        if (outer.has("encrypt")) {
            if (aesKey == null) {
                throw new WebhookException(
                        Reason.ENCRYPTION_MISMATCH, "the body is encrypted but no encrypt key is configured");
            }
            body = parse(decrypt(text(outer, "encrypt")).getBytes(StandardCharsets.UTF_8), "decrypted body");
        } else if (aesKey != null) {
            throw new WebhookException(
                    Reason.ENCRYPTION_MISMATCH, "an encrypt key is configured but the body is not encrypted");
        } else {
            body = outer;
        }
        if (isUrlVerification(body)) {
            return urlVerification(body);
        }
        if (aesKey != null) {
            verifyEventSignature(headers, rawBody);
        }
        // Schema 2.0 envelopes carry the token in the header, v1 events at the top.
        JsonNode header = body.get("header");
        checkToken(header != null && header.isObject() ? text(header, "token") : text(body, "token"));
        return new WebhookRequest.Payload(body);
    }

    /**
     * Decodes a request to the card request URL. Old card callbacks ({@code card.action.trigger_v1}) are
     * plain JSON signed with SHA-1 over the verification token and carry no verification token of their
     * own; new schema 2.0 {@code card.action.trigger} callbacks follow the event rules.
     */
    public WebhookRequest decodeCardAction(WebhookHeaders headers, byte[] rawBody) {
        JsonNode outer = parse(rawBody, "body");
        if (outer.has("encrypt") || "2.0".equals(text(outer, "schema"))) {
            return decodeEvent(headers, rawBody);
        }
        if (isUrlVerification(outer)) {
            return urlVerification(outer);
        }
        verifyCardSignature(headers, rawBody);
        return new WebhookRequest.Payload(outer);
    }

    /** Decrypts an {@code encrypt} value: base64(IV(16) || AES-256-CBC(SHA-256(encrypt key), IV, PKCS#7(text))). */
    public String decrypt(String encrypted) {
        if (aesKey == null) {
            throw new WebhookException(Reason.ENCRYPTION_MISMATCH, "no encrypt key is configured");
        }
        byte[] all;
        try {
            all = Base64.getDecoder().decode(encrypted == null ? "" : encrypted.strip());
        } catch (IllegalArgumentException e) {
            throw new WebhookException(Reason.MALFORMED_CIPHERTEXT, "encrypt is not valid base64");
        }
        if (all.length < 2 * BLOCK || all.length % BLOCK != 0) {
            throw new WebhookException(
                    Reason.MALFORMED_CIPHERTEXT,
                    "encrypt must hold a 16-byte IV and whole 16-byte" + " AES blocks, but it decodes to " + all.length
                            + " bytes");
        }
        byte[] padded;
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, aesKey, new IvParameterSpec(all, 0, BLOCK));
            padded = cipher.doFinal(all, BLOCK, all.length - BLOCK);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CBC is not available in this JVM", e);
        }
        // Strict PKCS#7 (as Lark's node SDK): a lax unpad would turn a wrong key into garbage JSON errors.
        int pad = padded[padded.length - 1] & 0xff;
        boolean ok = pad >= 1 && pad <= BLOCK;
        for (int i = 1; ok && i <= pad; i++) {
            ok = (padded[padded.length - i] & 0xff) == pad;
        }
        if (!ok) {
            throw new WebhookException(
                    Reason.BAD_PADDING,
                    "the decrypted body has no valid PKCS#7 padding (wrong encrypt key or altered ciphertext)");
        }
        return new String(padded, 0, padded.length - pad, StandardCharsets.UTF_8);
    }

    /** Checks {@code X-Lark-Signature} = hex(SHA-256(timestamp + nonce + encrypt key + raw body)). */
    public void verifyEventSignature(WebhookHeaders headers, byte[] rawBody) {
        if (encryptKey == null) {
            throw new WebhookException(Reason.ENCRYPTION_MISMATCH, "event signatures need the encrypt key");
        }
        verify(headers, rawBody, "SHA-256", encryptKey);
    }

    /** Checks an old card callback's {@code X-Lark-Signature} = hex(SHA-1(timestamp + nonce + token + raw body)). */
    public void verifyCardSignature(WebhookHeaders headers, byte[] rawBody) {
        verify(headers, rawBody, "SHA-1", tokenForSignature);
    }

    private static void verify(WebhookHeaders headers, byte[] rawBody, String algorithm, String secret) {
        WebhookHeaders h = headers == null ? WebhookHeaders.none() : headers;
        requireHeader(h.timestamp(), WebhookHeaders.TIMESTAMP);
        requireHeader(h.nonce(), WebhookHeaders.NONCE);
        requireHeader(h.signature(), WebhookHeaders.SIGNATURE);
        MessageDigest digest = digest(algorithm);
        digest.update((h.timestamp() + h.nonce() + secret).getBytes(StandardCharsets.UTF_8));
        digest.update(rawBody == null ? new byte[0] : rawBody);
        byte[] expected = HEX.formatHex(digest.digest()).getBytes(StandardCharsets.US_ASCII);
        byte[] given = h.signature().strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new WebhookException(
                    Reason.BAD_SIGNATURE, WebhookHeaders.SIGNATURE + " does not match the body (" + algorithm + ")");
        }
    }

    private static void requireHeader(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new WebhookException(Reason.MISSING_SIGNATURE, "header " + name + " is missing");
        }
    }

    private WebhookRequest urlVerification(JsonNode body) {
        checkToken(text(body, "token"));
        String challenge = text(body, "challenge");
        if (challenge == null) {
            throw new WebhookException(Reason.MALFORMED_JSON, "url_verification without a challenge");
        }
        return new WebhookRequest.UrlVerification(challenge);
    }

    private void checkToken(String token) {
        if (token == null) {
            throw new WebhookException(Reason.BAD_TOKEN, "the body has no verification token");
        }
        if (!MessageDigest.isEqual(verificationToken, token.getBytes(StandardCharsets.UTF_8))) {
            throw new WebhookException(Reason.BAD_TOKEN, "the verification token does not match this app's");
        }
    }

    private static boolean isUrlVerification(JsonNode body) {
        return "url_verification".equals(text(body, "type"));
    }

    private static JsonNode parse(byte[] json, String what) {
        JsonNode node;
        try {
            node = json == null ? null : LarkJson.read(json);
        } catch (RuntimeException e) {
            throw new WebhookException(Reason.MALFORMED_JSON, "the " + what + " is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new WebhookException(Reason.MALFORMED_JSON, "the " + what + " is not a JSON object");
        }
        return node;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.stringValue() : null;
    }

    private static byte[] sha256(byte[] data) {
        return digest("SHA-256").digest(data);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is not available in this JVM", e);
        }
    }
}
