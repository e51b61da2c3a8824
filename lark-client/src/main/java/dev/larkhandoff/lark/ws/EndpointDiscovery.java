package dev.larkhandoff.lark.ws;

import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.LarkJson;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** {@code POST /callback/ws/endpoint}: trades the app credentials for a WebSocket URL and the ClientConfig. */
final class EndpointDiscovery {

    static final String PATH = "/callback/ws/endpoint";
    /** Codes worth retrying (system busy, internal error), as the official SDKs treat them. */
    private static final Set<Integer> RETRYABLE = Set.of(1, 1000040343);

    /** Where to connect: the URL as Lark gave it and the service id every ping must carry. */
    record Endpoint(URI url, int serviceId, String deviceId, ClientConfig config) {}

    /** A failed discovery and whether another try may succeed. */
    static final class DiscoveryException extends LarkException {
        private final boolean retryable;

        DiscoveryException(int code, String msg, int status, boolean retryable) {
            super(code, msg, null, status, "POST " + PATH);
            this.retryable = retryable;
        }

        boolean retryable() {
            return retryable;
        }
    }

    private final HttpClient http;
    private final LarkClientConfig config;

    EndpointDiscovery(HttpClient http, LarkClientConfig config) {
        this.http = http;
        this.config = config;
    }

    Mono<Endpoint> discover(ClientConfig current) {
        byte[] body = LarkJson.mapper()
                .writeValueAsBytes(java.util.Map.of(
                        "AppID",
                        config.credentials().appId(),
                        "AppSecret",
                        config.credentials().appSecret()));
        return http.headers(
                        h -> h.set("locale", "zh").set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8"))
                .post()
                .uri(PATH)
                .send(ByteBufFlux.fromInbound(Mono.just(body)))
                .responseSingle((res, content) -> content.asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .map(bytes -> parse(res.status().code(), bytes, current)))
                .onErrorMap(e -> !(e instanceof LarkException), e -> LarkException.transport("POST " + PATH, e));
    }

    private Endpoint parse(int status, byte[] bytes, ClientConfig current) {
        if (status != 200) {
            throw new DiscoveryException(LarkException.TRANSPORT, "HTTP " + status, status, true);
        }
        JsonNode root;
        try {
            root = LarkJson.read(bytes);
        } catch (JacksonException e) {
            throw new DiscoveryException(LarkException.TRANSPORT, "endpoint answer is not JSON", status, true);
        }
        int code = root.path("code").asInt(LarkException.TRANSPORT);
        if (code != 0) {
            throw new DiscoveryException(code, root.path("msg").asString(""), status, RETRYABLE.contains(code));
        }
        JsonNode data = root.path("data");
        String url = data.path("URL").asString("");
        if (url.isEmpty()) {
            throw new DiscoveryException(LarkException.TRANSPORT, "endpoint answer has no data.URL", status, true);
        }
        URI uri = URI.create(url);
        String serviceId = queryParam(uri, "service_id");
        int service;
        try {
            service = Integer.parseInt(serviceId);
        } catch (NumberFormatException e) {
            throw new DiscoveryException(
                    LarkException.TRANSPORT, "endpoint URL has no int32 service_id", status, false);
        }
        return new Endpoint(uri, service, queryParam(uri, "device_id"), current.mergedWith(data.get("ClientConfig")));
    }

    private static String queryParam(URI uri, String name) {
        String query = uri.getRawQuery();
        if (query == null) {
            return "";
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return "";
    }
}
