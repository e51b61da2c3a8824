package dev.larkhandoff.lark.http;

import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.LarkJson;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Executes Open Platform calls: tenant token, rate limits, bounded retries, and the rule that a non-zero
 * {@code code} is always an exception.
 */
public final class LarkHttp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LarkHttp.class);

    /** Tenant token missing / invalid: refetch the token and retry once. */
    static final Set<Integer> INVALID_TOKEN_CODES = Set.of(99991661, 99991663);

    static final int RATE_LIMITED = 99991400;
    static final String TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal";
    private static final String USER_AGENT = "lark-handoff/0.1";
    private static final Pattern FILENAME_STAR = Pattern.compile("filename\\*\\s*=\\s*(?:UTF-8|utf-8)''([^;]+)");
    private static final Pattern FILENAME = Pattern.compile("filename\\s*=\\s*\"?([^\";]+)\"?");

    private final LarkClientConfig config;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final TenantTokenProvider tokens;
    private final SendLimiter limiter;

    public LarkHttp(LarkClientConfig config) {
        this.config = config;
        this.pool = ConnectionProvider.builder("lark-http")
                .maxConnections(64)
                .pendingAcquireMaxCount(4096)
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        this.http = HttpClient.create(pool)
                .baseUrl(config.baseUrl())
                .responseTimeout(config.requestTimeout())
                .headers(h -> h.set(HttpHeaderNames.USER_AGENT, USER_AGENT));
        this.tokens = new TenantTokenProvider(config.clock(), this::fetchToken);
        this.limiter = new SendLimiter(
                System::nanoTime, config.sendsPerSecondPerChat(), config.callsPerSecondPerApp(), config.maxRetryWait());
    }

    public LarkClientConfig config() {
        return config;
    }

    /** The pacing of calls within Lark's limits (shared with the other daemons of a team). */
    public SendLimiter limiter() {
        return limiter;
    }

    /** The underlying Reactor Netty client (shared with the long connection's WebSocket). */
    public HttpClient httpClient() {
        return http;
    }

    public TenantTokenProvider tokens() {
        return tokens;
    }

    /** Runs the call and returns the whole JSON envelope, whose {@code code} is 0. */
    public Mono<JsonNode> call(ApiRequest request) {
        return paced(request).then(Mono.defer(() -> attempt(request, 0, false)));
    }

    /** Every request that reaches Lark, a retry included, first takes its slot in the rate limits. */
    private Mono<Void> paced(ApiRequest request) {
        return request.spare()
                ? limiter.acquireSpare(request.describe())
                : limiter.acquire(request.limitChatId(), request.describe());
    }

    /** Runs the call and returns its {@code data} object (an empty object when Lark sent none). */
    public Mono<JsonNode> callData(ApiRequest request) {
        return call(request).map(root -> {
            JsonNode data = root.get("data");
            return data == null || data.isNull() ? LarkJson.object() : data;
        });
    }

    /** What a download produced: the file, its size, and what Lark said about it. */
    public record Download(Path file, long bytes, String contentType, String fileName) {}

    /**
     * Streams a binary answer into {@code target}, refusing more than {@code maxBytes}; a partial file
     * is never left behind.
     */
    public Mono<Download> download(ApiRequest request, Path target, long maxBytes) {
        return paced(request).then(Mono.defer(() -> downloadAttempt(request, target, maxBytes, 0, false)));
    }

    private Mono<JsonNode> attempt(ApiRequest request, int retries, boolean tokenRetried) {
        return tokenFor(request)
                .flatMap(token -> exchange(request, token)
                        .flatMap(answer -> {
                            int code = answer.code();
                            if (answer.status() == 429 || code == RATE_LIMITED) {
                                return rateLimited(request, answer, retries, tokenRetried);
                            }
                            if (INVALID_TOKEN_CODES.contains(code) && request.authenticated() && !tokenRetried) {
                                tokens.invalidate(token);
                                return attempt(request, retries, true);
                            }
                            if (answer.status() >= 500 && request.idempotent() && retries < config.maxRetries()) {
                                return Mono.delay(backoff(retries))
                                        .then(paced(request))
                                        .then(attempt(request, retries + 1, tokenRetried));
                            }
                            return answer.toResult(request);
                        })
                        // Only failures below the envelope land here: nested attempts already wrap theirs.
                        .onErrorResume(e -> !(e instanceof LarkException), e -> {
                            LarkException failure = LarkException.transport(request.describe(), unwrap(e));
                            if (request.idempotent() && retries < config.maxRetries()) {
                                log.debug("retrying {} after {}", request.describe(), failure.larkMsg());
                                return Mono.delay(backoff(retries))
                                        .then(paced(request))
                                        .then(attempt(request, retries + 1, tokenRetried));
                            }
                            return Mono.error(failure);
                        }));
    }

    private Mono<JsonNode> rateLimited(ApiRequest request, Answer answer, int retries, boolean tokenRetried) {
        Duration wait = answer.resetAfter().orElse(backoff(retries));
        if (retries >= config.maxRetries() || wait.compareTo(config.maxRetryWait()) > 0) {
            return Mono.error(answer.error(request));
        }
        log.debug("rate limited on {}, waiting {} ms", request.describe(), wait.toMillis());
        return Mono.delay(wait).then(paced(request)).then(attempt(request, retries + 1, tokenRetried));
    }

    private Duration backoff(int retries) {
        Duration d = Duration.ofMillis(200L << Math.min(retries, 6));
        return d.compareTo(config.maxRetryWait()) > 0 ? config.maxRetryWait() : d;
    }

    private Mono<String> tokenFor(ApiRequest request) {
        return request.authenticated() ? tokens.token() : Mono.just("");
    }

    private Mono<Answer> exchange(ApiRequest request, String token) {
        HttpClient client = http.headers(h -> {
            if (!token.isEmpty()) {
                h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
            }
            if (request.jsonBody() != null) {
                h.set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
            }
        });
        HttpClient.RequestSender sender = client.request(request.method()).uri(request.uri());
        HttpClient.ResponseReceiver<?> receiver;
        if (request.form() != null) {
            receiver = sender.sendForm((req, form) -> {
                form.multipart(true);
                for (ApiRequest.FormPart part : request.form()) {
                    if (part.file() == null) {
                        form.attr(part.name(), part.value());
                    } else {
                        form.file(part.name(), part.fileName(), part.file().toFile(), part.contentType());
                    }
                }
            });
        } else if (request.jsonBody() != null) {
            byte[] json;
            try {
                json = LarkJson.mapper().writeValueAsBytes(request.jsonBody());
            } catch (JacksonException e) {
                return Mono.error(new IllegalArgumentException(
                        "request body of " + request.describe() + " cannot be written as JSON: "
                                + e.getOriginalMessage(),
                        e));
            }
            receiver = sender.send(ByteBufFlux.fromInbound(Mono.just(json)));
        } else {
            receiver = sender;
        }
        return receiver.responseSingle((response, body) ->
                body.asByteArray().defaultIfEmpty(new byte[0]).map(bytes -> Answer.of(response, bytes)));
    }

    private Mono<Download> downloadAttempt(
            ApiRequest request, Path target, long maxBytes, int retries, boolean tokenRetried) {
        return tokenFor(request)
                .flatMap(token -> http.headers(h -> {
                            if (!token.isEmpty()) {
                                h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
                            }
                        })
                        .request(request.method())
                        .uri(request.uri())
                        .response((response, body) -> {
                            if (response.status().code() != 200) {
                                return body.aggregate()
                                        .asByteArray()
                                        .defaultIfEmpty(new byte[0])
                                        .map(bytes -> Answer.of(response, bytes));
                            }
                            long declared = response.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
                            if (declared > maxBytes) {
                                return Mono.error(tooLarge(request, maxBytes));
                            }
                            return streamToFile(request, response, body, target, maxBytes);
                        })
                        .single()
                        .onErrorResume(
                                e -> !(e instanceof LarkException),
                                e -> retries < config.maxRetries()
                                        // Downloads are reads: a broken transfer is simply started again.
                                        ? Mono.delay(backoff(retries))
                                                .then(paced(request))
                                                .then(downloadAttempt(
                                                        request, target, maxBytes, retries + 1, tokenRetried))
                                        : Mono.error(LarkException.transport(request.describe(), unwrap(e))))
                        .flatMap(result -> {
                            if (result instanceof Download d) {
                                return Mono.just(d);
                            }
                            Answer answer = (Answer) result;
                            if (INVALID_TOKEN_CODES.contains(answer.code())
                                    && request.authenticated()
                                    && !tokenRetried) {
                                tokens.invalidate(token);
                                return downloadAttempt(request, target, maxBytes, retries, true);
                            }
                            boolean retryable = answer.status() == 429
                                    || answer.code() == RATE_LIMITED
                                    || answer.status() >= 500 && request.idempotent();
                            if (retryable && retries < config.maxRetries()) {
                                Duration wait = answer.resetAfter().orElse(backoff(retries));
                                if (wait.compareTo(config.maxRetryWait()) <= 0) {
                                    return Mono.delay(wait)
                                            .then(paced(request))
                                            .then(downloadAttempt(
                                                    request, target, maxBytes, retries + 1, tokenRetried));
                                }
                            }
                            return Mono.error(answer.error(request));
                        }));
    }

    private Mono<Object> streamToFile(
            ApiRequest request, HttpClientResponse response, ByteBufFlux body, Path target, long maxBytes) {
        String contentType = response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE);
        String fileName = fileNameOf(response.responseHeaders());
        return Mono.using(
                () -> {
                    Files.createDirectories(target.toAbsolutePath().getParent());
                    Path part = Files.createTempFile(target.toAbsolutePath().getParent(), ".download-", ".part");
                    return new PartFile(part, FileChannel.open(part, StandardOpenOption.WRITE));
                },
                part -> body.asByteArray()
                        .publishOn(Schedulers.boundedElastic())
                        .reduce(0L, (written, chunk) -> {
                            long total = written + chunk.length;
                            if (total > maxBytes) {
                                throw tooLarge(request, maxBytes);
                            }
                            part.write(chunk);
                            return total;
                        })
                        .defaultIfEmpty(0L)
                        .map(total -> {
                            part.commit(target);
                            return (Object) new Download(target, total, contentType, fileName);
                        }),
                PartFile::closeAndDiscard);
    }

    private static LarkException tooLarge(ApiRequest request, long maxBytes) {
        return LarkException.clientLimit(
                "download larger than the limit of " + maxBytes + " bytes", request.describe());
    }

    /** A download in progress: the channel is closed and the part file removed unless committed. */
    private static final class PartFile {
        private final Path path;
        private final FileChannel channel;
        private boolean committed;

        PartFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        void write(byte[] chunk) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(chunk);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void commit(Path target) {
            try {
                channel.force(true);
                channel.close();
                Files.move(path, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                committed = true;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void closeAndDiscard() {
            try {
                channel.close();
                if (!committed) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                log.warn("could not remove partial download {}: {}", path, e.toString());
            }
        }
    }

    static String fileNameOf(HttpHeaders headers) {
        String disposition = headers.get("Content-Disposition");
        if (disposition == null) {
            return null;
        }
        Matcher star = FILENAME_STAR.matcher(disposition);
        if (star.find()) {
            return java.net.URLDecoder.decode(star.group(1).trim(), StandardCharsets.UTF_8);
        }
        Matcher plain = FILENAME.matcher(disposition);
        return plain.find() ? plain.group(1).trim() : null;
    }

    private Mono<TenantTokenProvider.IssuedToken> fetchToken() {
        ApiRequest request = ApiRequest.post(TOKEN_PATH)
                .json(Map.of(
                        "app_id",
                        config.credentials().appId(),
                        "app_secret",
                        config.credentials().appSecret()))
                .idempotent(true)
                .unauthenticated()
                .build();
        return attempt(request, 0, true).map(root -> {
            String token = root.path("tenant_access_token").asString("");
            if (token.isEmpty()) {
                throw new LarkException(0, "answer carries no tenant_access_token", null, 200, request.describe());
            }
            long expire = root.path("expire").asLong(7200);
            return new TenantTokenProvider.IssuedToken(token, Duration.ofSeconds(expire));
        });
    }

    /** Reactor wraps checked exceptions; the error message should name the real cause. */
    private static Throwable unwrap(Throwable e) {
        return reactor.core.Exceptions.unwrap(e);
    }

    @Override
    public void close() {
        pool.dispose();
    }

    /** One HTTP answer, parsed just enough to decide between success, retry and error. */
    record Answer(int status, HttpHeaders headers, byte[] body, JsonNode json) {

        static Answer of(HttpClientResponse response, byte[] body) {
            HttpHeaders headers = response.responseHeaders();
            String type = headers.get(HttpHeaderNames.CONTENT_TYPE, "");
            JsonNode json = null;
            if (type.contains("json") || (body.length > 0 && body[0] == '{')) {
                try {
                    json = LarkJson.read(body);
                } catch (JacksonException e) {
                    json = null;
                }
            }
            return new Answer(response.status().code(), headers, body, json);
        }

        int code() {
            if (json == null || !json.has("code")) {
                return status == 200 ? 0 : LarkException.TRANSPORT;
            }
            return json.path("code").asInt(LarkException.TRANSPORT);
        }

        java.util.Optional<Duration> resetAfter() {
            String reset = headers.get("x-ogw-ratelimit-reset");
            if (reset == null) {
                return java.util.Optional.empty();
            }
            try {
                return java.util.Optional.of(
                        Duration.ofMillis(Math.max(0, (long) (Double.parseDouble(reset.trim()) * 1000))));
            } catch (NumberFormatException e) {
                return java.util.Optional.empty();
            }
        }

        String logId() {
            String id = headers.get("X-Tt-Logid");
            if (id == null) {
                id = headers.get("X-Request-Id");
            }
            if (id == null && json != null) {
                JsonNode fromBody = json.path("error").path("log_id");
                id = fromBody.isString() ? fromBody.asString() : null;
            }
            return id;
        }

        Mono<JsonNode> toResult(ApiRequest request) {
            if (json == null) {
                return Mono.error(error(request));
            }
            return code() == 0 && status < 400 ? Mono.just(json) : Mono.error(error(request));
        }

        LarkException error(ApiRequest request) {
            if (json == null) {
                String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
                return new LarkException(
                        LarkException.TRANSPORT,
                        "non-JSON answer" + (text.isEmpty() ? "" : ": " + text),
                        logId(),
                        status,
                        request.describe());
            }
            int code = code();
            String msg = json.path("msg").asString("");
            if (code == 0) {
                code = LarkException.TRANSPORT;
                msg = "HTTP " + status + " with code 0";
            }
            return new LarkException(code, msg, logId(), status, request.describe());
        }
    }
}
