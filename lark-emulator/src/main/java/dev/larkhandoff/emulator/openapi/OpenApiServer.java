package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuApp;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.FileUpload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP side of the emulated Open Platform: token auth, rate limits, injected faults, Lark's response
 * envelope and its 404 for unknown paths. Feature routes only see an {@link ApiCall}.
 */
public final class OpenApiServer {

    private static final Logger log = LoggerFactory.getLogger(OpenApiServer.class);
    private static final int MAX_BODY_BYTES = 40 * 1024 * 1024;
    private static final int MAX_CALL_LOG = 10_000;

    /** One call as the emulator answered it, for tests that check what a client did. */
    public record CallRecord(String method, String path, int httpStatus, int code, boolean hadBearer) {}

    private final ApiRouter router = new ApiRouter();
    private final EmulatorState state;
    private final EmulatorOptions options;
    private final Faults faults = new Faults();
    private final RateWindows rates;
    private final Deque<CallRecord> calls = new ArrayDeque<>();

    public OpenApiServer(EmulatorState state, EmulatorOptions options, Clock clock) {
        this.state = state;
        this.options = options;
        this.rates = new RateWindows(clock);
    }

    public ApiRouter router() {
        return router;
    }

    public Faults faults() {
        return faults;
    }

    public synchronized List<CallRecord> calls() {
        return List.copyOf(calls);
    }

    private synchronized void record(CallRecord call) {
        calls.addLast(call);
        if (calls.size() > MAX_CALL_LOG) {
            calls.removeFirst();
        }
    }

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        String path = qs.path();
        String method = req.method().name();
        var match = router.match(method, path);
        if (match.isEmpty()) {
            record(new CallRecord(method, path, 404, -1, req.requestHeaders().contains(HttpHeaderNames.AUTHORIZATION)));
            return res.status(HttpResponseStatus.NOT_FOUND)
                    .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .sendString(Mono.just("404 page not found"));
        }
        String contentType = req.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "");
        Mono<Object[]> body;
        if (contentType.startsWith("multipart/form-data")) {
            body = readForm(req).map(form -> new Object[] {null, form});
        } else {
            body = req.receive()
                    .asByteArray()
                    .reduce(new java.io.ByteArrayOutputStream(), (buffer, chunk) -> {
                        if (buffer.size() + chunk.length > MAX_BODY_BYTES) {
                            throw ApiError.badRequest("request body is larger than " + MAX_BODY_BYTES + " bytes");
                        }
                        buffer.writeBytes(chunk);
                        return buffer;
                    })
                    .map(buffer -> new Object[] {buffer.toByteArray(), Map.of()});
        }
        String logId = Ids.logId();
        return body.onErrorResume(e -> Mono.just(new Object[] {e instanceof ApiError a ? a : e}))
                .flatMap(parts -> {
                    ApiResult result;
                    ApiError error = null;
                    try {
                        if (parts.length == 1) {
                            if (parts[0] instanceof ApiError refused) {
                                throw refused;
                            }
                            throw ApiError.badRequest(
                                    "unreadable request body: " + ((Throwable) parts[0]).getMessage());
                        }
                        @SuppressWarnings("unchecked")
                        Map<String, FormField> form = (Map<String, FormField>) parts[1];
                        result = invoke(match.get(), req, method, path, qs, (byte[]) parts[0], form);
                    } catch (ApiError e) {
                        result = null;
                        error = e;
                    } catch (RuntimeException e) {
                        log.warn("emulator route {} {} failed", method, path, e);
                        result = null;
                        error = new ApiError(500, ApiError.INTERNAL, "internal error: " + e);
                    }
                    boolean bearer = req.requestHeaders().contains(HttpHeaderNames.AUTHORIZATION);
                    record(new CallRecord(
                            method,
                            path,
                            error == null ? 200 : error.httpStatus(),
                            error == null ? 0 : error.code(),
                            bearer));
                    return Mono.from(error == null ? send(res, logId, result) : sendError(res, logId, error));
                });
    }

    private ApiResult invoke(
            ApiRouter.Match match,
            HttpServerRequest req,
            String method,
            String path,
            QueryStringDecoder qs,
            byte[] rawBody,
            Map<String, FormField> form) {
        EmuApp app = null;
        if (match.authenticated()) {
            app = authenticate(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
        }
        Faults.Fault fault = faults.take(method, path);
        if (fault != null) {
            ApiError injected = new ApiError(fault.httpStatus(), fault.code(), fault.msg());
            if (fault.resetSeconds() != null) {
                injected.withRateLimitHeaders(1, fault.resetSeconds());
            }
            throw injected;
        }
        if (app != null && options.callsPerSecondPerApp() > 0) {
            limit("app:" + app.appId(), options.callsPerSecondPerApp());
        }
        JsonNode json = null;
        if (rawBody != null && rawBody.length > 0) {
            try {
                json = EmuJson.read(rawBody);
            } catch (JacksonException e) {
                throw ApiError.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
            }
        }
        ApiCall call = new ApiCall(app, method, path, match.params(), qs.parameters(), json, form);
        if (match.sendChat() != null && options.sendsPerSecondPerChat() > 0) {
            String chat = match.sendChat().apply(call);
            if (chat != null) {
                limit("chat:" + chat, options.sendsPerSecondPerChat());
            }
        }
        return match.handler().handle(call);
    }

    private void limit(String key, int perSecond) {
        long waitMillis = rates.take(key, perSecond);
        if (waitMillis > 0) {
            throw new ApiError(429, ApiError.RATE_LIMITED, "request trigger frequency limit")
                    .withRateLimitHeaders(perSecond, Math.max(1, (waitMillis + 999) / 1000));
        }
    }

    private EmuApp authenticate(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ") || authorization.length() <= 7) {
            throw new ApiError(
                    400,
                    ApiError.MISSING_TOKEN,
                    "Missing access token for authorization. Please make a request with token attached.");
        }
        return state.appForToken(authorization.substring(7).trim())
                .orElseThrow(() -> new ApiError(
                        400,
                        ApiError.INVALID_TOKEN,
                        "Invalid access token for authorization. Please make a request with token attached."));
    }

    private Publisher<Void> send(HttpServerResponse res, String logId, ApiResult result) {
        res.header("X-Tt-Logid", logId);
        if (result instanceof ApiResult.Binary binary) {
            res.status(200)
                    .header(
                            HttpHeaderNames.CONTENT_TYPE,
                            binary.contentType() == null ? "application/octet-stream" : binary.contentType());
            if (binary.fileName() != null) {
                res.header(
                        "Content-Disposition",
                        "attachment; filename=\"" + binary.fileName().replace("\"", "") + "\"; filename*=UTF-8''"
                                + URLEncoder.encode(binary.fileName(), StandardCharsets.UTF_8)
                                        .replace("+", "%20"));
            }
            res.header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(binary.bytes().length));
            return res.sendByteArray(Mono.just(binary.bytes()));
        }
        JsonNode root;
        if (result instanceof ApiResult.TopLevel top) {
            root = top.root();
        } else {
            ObjectNode envelope = EmuJson.object();
            envelope.put("code", 0);
            envelope.put("msg", "success");
            envelope.set("data", ((ApiResult.Data) result).data());
            root = envelope;
        }
        return res.status(200)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                .sendByteArray(Mono.just(EmuJson.bytes(root)));
    }

    private Publisher<Void> sendError(HttpServerResponse res, String logId, ApiError error) {
        ObjectNode envelope = EmuJson.object();
        envelope.put("code", error.code());
        envelope.put("msg", error.getMessage());
        ObjectNode detail = envelope.putObject("error");
        detail.put("log_id", logId);
        detail.put("troubleshooter", "emulator: " + error.getMessage());
        res.header("X-Tt-Logid", logId);
        if (error.rateLimit() != null) {
            res.header("x-ogw-ratelimit-limit", String.valueOf(error.rateLimit()));
            res.header("x-ogw-ratelimit-reset", String.valueOf(error.resetSeconds()));
        }
        return res.status(error.httpStatus())
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                .sendByteArray(Mono.just(EmuJson.bytes(envelope)));
    }

    private Mono<Map<String, FormField>> readForm(HttpServerRequest req) {
        return req.receiveForm(builder -> builder.maxSize(MAX_BODY_BYTES))
                .collect(LinkedHashMap<String, FormField>::new, (map, data) -> {
                    try {
                        if (data instanceof FileUpload file) {
                            map.put(
                                    file.getName(),
                                    new FormField(
                                            file.getName(),
                                            file.get(),
                                            file.getFilename(),
                                            file.getContentType(),
                                            true));
                        } else if (data instanceof Attribute attr) {
                            // Raw bytes, not getValue(): a part without a filename may still be binary
                            // (the Node SDK sends a Buffer that way), and decoding it as text corrupts it.
                            map.put(attr.getName(), new FormField(attr.getName(), attr.get(), null, null, false));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .map(map -> (Map<String, FormField>) map);
    }
}
