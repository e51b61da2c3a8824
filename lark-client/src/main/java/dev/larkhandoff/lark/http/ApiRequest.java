package dev.larkhandoff.lark.http;

import io.netty.handler.codec.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One Open Platform call: method, path under the base URL, query, and a JSON or multipart body.
 *
 * @param idempotent  safe to repeat after a 5xx (GET, PATCH of a card, DELETE, sends that carry a uuid)
 * @param limitChatId the chat whose 5/s send budget this call spends, or null
 * @param spare       worth making only at once: paced by the spare budget and dropped beyond it
 *                    ({@link SendLimiter#acquireSpare})
 */
public record ApiRequest(
        HttpMethod method,
        String path,
        List<String[]> query,
        Object jsonBody,
        List<FormPart> form,
        boolean idempotent,
        String limitChatId,
        boolean authenticated,
        boolean spare) {

    /** One multipart field: text when {@code file} is null, otherwise a file streamed from disk. */
    public record FormPart(String name, String value, Path file, String fileName, String contentType) {
        public static FormPart text(String name, String value) {
            return new FormPart(name, value, null, null, null);
        }

        public static FormPart file(String name, Path file, String fileName, String contentType) {
            return new FormPart(name, null, file, fileName, contentType);
        }
    }

    public ApiRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = List.copyOf(query);
        form = form == null ? null : List.copyOf(form);
    }

    public static Builder get(String path) {
        return new Builder(HttpMethod.GET, path).idempotent(true);
    }

    public static Builder post(String path) {
        return new Builder(HttpMethod.POST, path);
    }

    public static Builder put(String path) {
        return new Builder(HttpMethod.PUT, path).idempotent(true);
    }

    public static Builder patch(String path) {
        return new Builder(HttpMethod.PATCH, path).idempotent(true);
    }

    public static Builder delete(String path) {
        return new Builder(HttpMethod.DELETE, path).idempotent(true);
    }

    /** Path plus encoded query string. */
    public String uri() {
        if (query.isEmpty()) {
            return path;
        }
        StringBuilder sb = new StringBuilder(path).append('?');
        for (int i = 0; i < query.size(); i++) {
            if (i > 0) {
                sb.append('&');
            }
            sb.append(encode(query.get(i)[0])).append('=').append(encode(query.get(i)[1]));
        }
        return sb.toString();
    }

    /** "METHOD path" for error messages: no query, so no ids of people leak into logs by accident. */
    public String describe() {
        return method.name() + " " + path;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Builds an {@link ApiRequest}; a path segment given to {@link #pathParam} is URL-encoded. */
    public static final class Builder {
        private final HttpMethod method;
        private String path;
        private final List<String[]> query = new ArrayList<>();
        private Object jsonBody;
        private List<FormPart> form;
        private boolean idempotent;
        private String limitChatId;
        private boolean authenticated = true;
        private boolean spare;

        private Builder(HttpMethod method, String path) {
            this.method = method;
            this.path = path;
        }

        /** Replaces {@code :name} in the path with the encoded value; refuses empty or missing values. */
        public Builder pathParam(String name, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " is required");
            }
            String token = ":" + name;
            if (!path.contains(token)) {
                throw new IllegalArgumentException("path " + path + " has no :" + name);
            }
            path = path.replace(token, encode(value));
            return this;
        }

        /** Adds a query parameter; null values are skipped. */
        public Builder query(String name, Object value) {
            if (value != null) {
                query.add(new String[] {name, String.valueOf(value)});
            }
            return this;
        }

        public Builder json(Object body) {
            this.jsonBody = body;
            return this;
        }

        public Builder form(List<FormPart> parts) {
            this.form = parts;
            return this;
        }

        public Builder idempotent(boolean value) {
            this.idempotent = value;
            return this;
        }

        public Builder limitChat(String chatId) {
            this.limitChatId = chatId;
            return this;
        }

        /** The call is spare: dropped rather than queued when its budget is spent. */
        public Builder spare() {
            this.spare = true;
            return this;
        }

        public Builder unauthenticated() {
            this.authenticated = false;
            return this;
        }

        public ApiRequest build() {
            return new ApiRequest(method, path, query, jsonBody, form, idempotent, limitChatId, authenticated, spare);
        }
    }
}
