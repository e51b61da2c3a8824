package dev.larkhandoff.emulator.ws;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.openapi.ApiResult;
import dev.larkhandoff.emulator.openapi.ApiRouter;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The platform side of the long connection: endpoint discovery, the WebSocket, pbbp2 frames, pongs with
 * ClientConfig, fragmented event pushes and acks. Like Lark it delivers each event to one random connection
 * of the app and pushes it again when no 200 ack arrives in time.
 */
public final class LongConnectionGateway {

    private static final Logger log = LoggerFactory.getLogger(LongConnectionGateway.class);
    public static final String ENDPOINT_PATH = "/callback/ws/endpoint";
    public static final String WS_PATH = "/ws/v2";
    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final int MAX_ATTEMPTS = 50;

    /** A handshake refusal a test armed: status and the three Handshake-* headers. */
    public record HandshakeRefusal(int status, String msg, int authErrCode) {}

    private record Ticket(String appId, String deviceId, int serviceId, long issuedMillis) {}

    /** Tickets in endpoint URLs are good for one connection, within this long. */
    private static final long TICKET_LIFETIME_MILLIS = 5 * 60 * 1000;

    /** One event on its way to the app, across pushes. */
    private static final java.util.concurrent.atomic.AtomicLong PUBLISHED =
            new java.util.concurrent.atomic.AtomicLong();

    private static final class Pushed {
        final String eventId;
        final String appId;
        final byte[] payload;
        final boolean callback;
        final DeliveryPlan plan;
        final CompletableFuture<EventAck> done = new CompletableFuture<>();
        int attempts;
        /** A non-200 ack came for the current push; its ack timeout must not push it a second time. */
        boolean awaitingRedelivery;

        String frameMessageId;
        /** Every frame message id this event was pushed under, so acks of any push resolve it. */
        final List<String> frameMessageIds = new ArrayList<>();
        /** Publication order: events re-sent after a closed connection go out in this order. */
        final long order = PUBLISHED.incrementAndGet();
        /** The connection of the latest push. */
        Conn lastConn;

        Pushed(String eventId, String appId, byte[] payload, boolean callback, DeliveryPlan plan) {
            this.eventId = eventId;
            this.appId = appId;
            this.payload = payload;
            this.callback = callback;
            this.plan = plan;
        }
    }

    /** One open WebSocket. */
    private final class Conn {
        /** Guarded by the gateway: the close bookkeeping ran. */
        boolean closeHandled;

        final String appId;
        final String deviceId;
        final int serviceId;
        final Sinks.Many<WebSocketFrame> out = Sinks.many().unicast().onBackpressureBuffer();
        volatile Connection netty;
        volatile boolean open = true;

        Conn(Ticket t) {
            this.appId = t.appId();
            this.deviceId = t.deviceId();
            this.serviceId = t.serviceId();
        }

        synchronized void send(byte[] frame) {
            if (open) {
                out.tryEmitNext(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
            }
        }

        /** One binary message written as a first frame and a continuation frame. */
        synchronized void sendSplit(byte[] frame) {
            if (open) {
                int half = Math.max(1, frame.length / 2);
                out.tryEmitNext(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(frame, 0, half)));
                out.tryEmitNext(new ContinuationWebSocketFrame(
                        true, 0, Unpooled.wrappedBuffer(frame, half, frame.length - half)));
            }
        }

        synchronized void ping() {
            if (open) {
                out.tryEmitNext(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
            }
        }

        void drop() {
            Connection c = netty;
            if (c != null) {
                c.dispose();
            }
            // Handled here too, not only when the socket's inbound side finishes (which may come late): events
            // pushed on this socket go out again on the next one right away, in order.
            close(this);
        }
    }

    private final EmulatorState state;
    private final EmulatorOptions options;
    private final ScheduledExecutorService timer;
    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
    private final Map<String, List<Conn>> conns = new HashMap<>();
    /** The live connection (by opening order) every event goes to; null: one at random, as Lark does. */
    private Integer pinned;

    private final Map<String, Deque<Pushed>> waiting = new HashMap<>();
    private final Map<String, Pushed> byFrameMessageId = new HashMap<>();
    private final Map<String, Pushed> byEventId = new HashMap<>();
    private final Deque<HandshakeRefusal> handshakeRefusals = new ArrayDeque<>();
    private final Deque<int[]> endpointRefusals = new ArrayDeque<>();
    private final Deque<DeliveryPlan> nextPlans = new ArrayDeque<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicInteger pings = new AtomicInteger();
    private final AtomicInteger connectionsOpened = new AtomicInteger();
    private final AtomicInteger endpointCalls = new AtomicInteger();
    private final AtomicInteger websocketPongs = new AtomicInteger();
    private volatile Integer lastCloseStatus;
    private volatile String endpointUrlOverride;
    private final List<EventAck> acks = Collections.synchronizedList(new ArrayList<>());
    private volatile Duration redeliveryDelay = Duration.ofMillis(300);
    private volatile String host;
    private volatile int port;

    public LongConnectionGateway(EmulatorState state, EmulatorOptions options) {
        this.state = state;
        this.options = options;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lark-emulator-gateway");
            t.setDaemon(true);
            return t;
        });
    }

    /** Called once the server is bound, so endpoint answers name the real port. */
    public void boundTo(String boundHost, int boundPort) {
        this.host = boundHost;
        this.port = boundPort;
    }

    public void registerRoutes(ApiRouter router) {
        router.post(ENDPOINT_PATH, call -> endpoint(call.body())).unauthenticated();
    }

    // ---- endpoint discovery ----

    private ApiResult endpoint(JsonNode body) {
        endpointCalls.incrementAndGet();
        ObjectNode root = EmuJson.object();
        ObjectNode data = root.putObject("data");
        int[] refusal;
        synchronized (this) {
            refusal = endpointRefusals.poll();
        }
        String appId = body == null ? null : EmuJson.text(body, "AppID");
        String secret = body == null ? null : EmuJson.text(body, "AppSecret");
        EmuApp app = appId == null ? null : state.app(appId).orElse(null);
        if (refusal != null || app == null || !app.appSecret().equals(secret)) {
            int code = refusal != null ? refusal[0] : 514;
            root.put("code", code);
            root.put("msg", refusal != null ? "system busy" : "auth failed: unknown AppID or wrong AppSecret");
            // The Node SDK destructures data.URL even on failure.
            data.put("URL", "");
            data.putObject("ClientConfig");
            return new ApiResult.TopLevel(root);
        }
        String ticketId = Ids.hex(12);
        int serviceId = 1000 + ThreadLocalRandom.current().nextInt(9000);
        String deviceId = String.valueOf(
                7_000_000_000_000_000L + ThreadLocalRandom.current().nextLong(1L << 40));
        tickets.put(ticketId, new Ticket(app.appId(), deviceId, serviceId, state.now()));
        root.put("code", 0);
        root.put("msg", "ok");
        // fpid comes first: the Node SDK's query parsing spoils the first key.
        String url = "ws://" + host + ":" + port + WS_PATH + "?fpid=1&aid=1&device_id=" + deviceId + "&access_key="
                + Ids.hex(8) + "&service_id=" + serviceId + "&ticket=" + ticketId;
        String override = endpointUrlOverride;
        data.put(
                "URL",
                override != null ? override + "?fpid=1&device_id=" + deviceId + "&service_id=" + serviceId : url);
        data.set("ClientConfig", clientConfig());
        return new ApiResult.TopLevel(root);
    }

    private ObjectNode clientConfig() {
        ObjectNode config = EmuJson.object();
        config.put("ReconnectCount", options.reconnectCount());
        config.put("ReconnectInterval", options.reconnectIntervalSeconds());
        config.put("ReconnectNonce", options.reconnectNonceSeconds());
        config.put("PingInterval", options.pingIntervalSeconds());
        return config;
    }

    // ---- WebSocket ----

    public Publisher<Void> upgrade(HttpServerRequest req, HttpServerResponse res) {
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        List<String> ticketParam = qs.parameters().get("ticket");
        Ticket ticket = ticketParam == null ? null : tickets.remove(ticketParam.get(0));
        if (ticket != null && state.now() - ticket.issuedMillis() > TICKET_LIFETIME_MILLIS) {
            ticket = null;
        }
        HandshakeRefusal refusal;
        synchronized (this) {
            refusal = handshakeRefusals.poll();
        }
        if (refusal == null && ticket == null) {
            refusal = new HandshakeRefusal(403, "invalid or reused ticket", 0);
        }
        if (refusal != null) {
            return res.status(HttpResponseStatus.valueOf(refusal.status()))
                    .header("Handshake-Status", String.valueOf(refusal.status()))
                    .header("Handshake-Msg", refusal.msg())
                    .header("Handshake-Autherrcode", String.valueOf(refusal.authErrCode()))
                    .send();
        }
        Conn conn = new Conn(ticket);
        return res.sendWebsocket(
                (in, out) -> {
                    in.withConnection(c -> conn.netty = c);
                    in.receiveCloseStatus().subscribe(status -> lastCloseStatus = status.code());
                    open(conn);
                    Mono<Void> inbound = in.receiveFrames()
                            .doOnNext(frame -> receive(conn, frame))
                            .then()
                            .doFinally(s -> close(conn));
                    Mono<Void> outbound = out.sendObject(conn.out.asFlux()).then();
                    return Mono.when(inbound, outbound).onErrorResume(e -> Mono.empty());
                },
                WebsocketServerSpec.builder().maxFramePayloadLength(MAX_FRAME).build());
    }

    private void open(Conn conn) {
        connectionsOpened.incrementAndGet();
        // Waiting events go out under the lock, so an event published meanwhile cannot overtake them.
        synchronized (this) {
            conns.computeIfAbsent(conn.appId, k -> new ArrayList<>()).add(conn);
            Deque<Pushed> queue = waiting.remove(conn.appId);
            if (queue != null) {
                queue.forEach(this::push);
            }
        }
        log.debug("long connection opened for {} (device {})", conn.appId, conn.deviceId);
    }

    private void close(Conn conn) {
        conn.out.tryEmitComplete();
        List<Pushed> orphaned;
        synchronized (this) {
            if (conn.closeHandled) {
                return;
            }
            conn.closeHandled = true;
            conn.open = false;
            List<Conn> list = conns.get(conn.appId);
            if (list != null) {
                list.remove(conn);
            }
            // Events pushed on this socket and never answered are sent again as soon as a connection is there,
            // oldest first and ahead of newer ones, instead of waiting out their ack timeout: the server knows
            // the socket is gone, and per-chat order survives a client crash.
            orphaned = byEventId.values().stream()
                    .filter(p -> p.lastConn == conn && !p.done.isDone() && !p.callback && !p.awaitingRedelivery)
                    .sorted(java.util.Comparator.comparingLong(p -> p.order))
                    .toList();
            orphaned.forEach(p -> p.awaitingRedelivery = true);
        }
        orphaned.forEach(this::requeue);
        log.debug("long connection closed for {} (device {})", conn.appId, conn.deviceId);
    }

    private void receive(Conn conn, WebSocketFrame frame) {
        if (frame instanceof PongWebSocketFrame) {
            websocketPongs.incrementAndGet();
            return;
        }
        if (!(frame instanceof BinaryWebSocketFrame)) {
            return;
        }
        WireFrame f;
        try {
            f = WireFrameCodec.decode(ByteBufUtil.getBytes(frame.content()));
        } catch (IOException e) {
            log.warn("emulator: undecodable frame from {}: {}", conn.deviceId, e.getMessage());
            return;
        }
        String type = f.header("type");
        if (f.method() == WireFrame.CONTROL && "ping".equals(type)) {
            pings.incrementAndGet();
            conn.send(WireFrameCodec.encode(new WireFrame(
                    0,
                    0,
                    conn.serviceId,
                    WireFrame.CONTROL,
                    WireFrame.headers("type", "pong"),
                    null,
                    null,
                    EmuJson.bytes(clientConfig()),
                    null)));
        } else if (f.method() == WireFrame.DATA) {
            acknowledged(f);
        }
    }

    private void acknowledged(WireFrame f) {
        String messageId = f.header("message_id");
        int code = -1;
        JsonNode data = null;
        try {
            JsonNode ack = EmuJson.read(f.payload() == null ? new byte[0] : f.payload());
            code = ack.path("code").asInt(-1);
            String encoded = EmuJson.text(ack, "data");
            if (encoded != null && !encoded.isEmpty()) {
                data = EmuJson.read(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            log.warn("emulator: unreadable ack for {}: {}", messageId, e.getMessage());
        }
        Pushed pushed;
        synchronized (this) {
            pushed = byFrameMessageId.get(messageId);
            if (pushed != null && code == 200) {
                forget(pushed);
            }
        }
        if (pushed == null || pushed.done.isDone()) {
            return;
        }
        if (code == 200 || pushed.callback) {
            finish(pushed, code, data);
        } else {
            synchronized (this) {
                pushed.awaitingRedelivery = true;
            }
            log.debug("event {} answered {}, pushing again in {}", pushed.eventId, code, redeliveryDelay);
            timer.schedule(() -> push(pushed), redeliveryDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void forget(Pushed pushed) {
        pushed.frameMessageIds.forEach(byFrameMessageId::remove);
        byEventId.remove(pushed.eventId);
    }

    private void finish(Pushed pushed, int code, JsonNode data) {
        synchronized (this) {
            forget(pushed);
        }
        EventAck ack = new EventAck(pushed.eventId, code, data, pushed.attempts);
        acks.add(ack);
        pushed.done.complete(ack);
    }

    // ---- pushing events ----

    /**
     * Pushes an event (schema 2.0 envelope) to one random connection of the app, again and again until a
     * 200 ack comes back. Card callbacks are pushed once: their ack carries the synchronous answer.
     */
    public CompletableFuture<EventAck> publish(String appId, JsonNode envelope) {
        String eventId = envelope.path("header").path("event_id").asString();
        String type = envelope.path("header").path("event_type").asString();
        return publishRaw(appId, eventId, EmuJson.bytes(envelope), "card.action.trigger".equals(type));
    }

    /** Pushes arbitrary payload bytes as an event frame (for malformed-input tests). */
    public CompletableFuture<EventAck> publishRaw(String appId, String eventId, byte[] payload, boolean callback) {
        DeliveryPlan plan;
        synchronized (this) {
            plan = nextPlans.isEmpty() ? DeliveryPlan.WHOLE : nextPlans.poll();
        }
        Pushed pushed = new Pushed(eventId, appId, payload, callback, plan);
        synchronized (this) {
            byEventId.put(eventId, pushed);
        }
        push(pushed);
        return pushed.done;
    }

    /** Puts an orphaned event back ahead of newer waiting ones, or pushes it now when a connection is open. */
    private void requeue(Pushed pushed) {
        synchronized (this) {
            boolean live = conns.getOrDefault(pushed.appId, List.of()).stream().anyMatch(c -> c.open);
            if (!live) {
                Deque<Pushed> queue = waiting.computeIfAbsent(pushed.appId, k -> new ArrayDeque<>());
                List<Pushed> all = new ArrayList<>(queue);
                all.add(pushed);
                all.sort(java.util.Comparator.comparingLong(p -> p.order));
                queue.clear();
                queue.addAll(all);
                return;
            }
        }
        push(pushed);
    }

    private void push(Pushed pushed) {
        if (pushed.done.isDone()) {
            return;
        }
        Conn conn;
        synchronized (this) {
            List<Conn> live = conns.getOrDefault(pushed.appId, List.of()).stream()
                    .filter(c -> c.open)
                    .toList();
            if (live.isEmpty()) {
                waiting.computeIfAbsent(pushed.appId, k -> new ArrayDeque<>()).add(pushed);
                return;
            }
            conn = pinned != null && pinned < live.size()
                    ? live.get(pinned)
                    : live.get(ThreadLocalRandom.current().nextInt(live.size()));
            pushed.attempts++;
            pushed.awaitingRedelivery = false;
            pushed.lastConn = conn;
            pushed.frameMessageId = Ids.hex(16);
            pushed.frameMessageIds.add(pushed.frameMessageId);
            byFrameMessageId.put(pushed.frameMessageId, pushed);
        }
        int attempt;
        synchronized (this) {
            attempt = pushed.attempts;
        }
        DeliveryPlan plan = attempt == 1 ? pushed.plan : DeliveryPlan.WHOLE;
        List<byte[]> frames = fragments(conn, pushed, plan.fragments());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            order.add(i);
        }
        if (plan.shuffled()) {
            // A deterministic scramble that never keeps the natural order.
            Collections.reverse(order);
            if (order.size() > 2) {
                Collections.swap(order, 0, 1);
            }
        }
        int sent = 0;
        for (int index : order) {
            if (plan.dropAfterFragments() >= 0 && sent == plan.dropAfterFragments()) {
                conn.drop();
                break;
            }
            if (plan.websocketContinuations()) {
                conn.sendSplit(frames.get(index));
            } else {
                conn.send(frames.get(index));
            }
            sent++;
        }
        Duration timeout = options.ackTimeout();
        timer.schedule(() -> ackTimedOut(pushed, attempt), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ackTimedOut(Pushed pushed, int attempt) {
        synchronized (this) {
            if (pushed.done.isDone() || pushed.attempts != attempt || pushed.awaitingRedelivery) {
                return;
            }
        }
        if (pushed.callback) {
            finish(pushed, -1, null);
        } else if (pushed.attempts >= MAX_ATTEMPTS) {
            log.warn("emulator: giving up on event {} after {} pushes", pushed.eventId, pushed.attempts);
            finish(pushed, -1, null);
        } else {
            push(pushed);
        }
    }

    private List<byte[]> fragments(Conn conn, Pushed pushed, int parts) {
        byte[] payload = pushed.payload;
        int n = Math.max(1, Math.min(parts, Math.max(1, payload.length)));
        List<byte[]> out = new ArrayList<>(n);
        long seqId = seq.incrementAndGet();
        long logId = seq.incrementAndGet();
        String traceId = Ids.hex(8);
        int chunk = (payload.length + n - 1) / n;
        for (int i = 0; i < n; i++) {
            int from = Math.min(payload.length, i * chunk);
            int to = Math.min(payload.length, from + chunk);
            byte[] part = java.util.Arrays.copyOfRange(payload, from, to);
            out.add(WireFrameCodec.encode(new WireFrame(
                    seqId,
                    logId,
                    conn.serviceId,
                    WireFrame.DATA,
                    WireFrame.headers(
                            "type",
                            "event",
                            "message_id",
                            pushed.frameMessageId,
                            "sum",
                            String.valueOf(n),
                            "seq",
                            String.valueOf(i),
                            "trace_id",
                            traceId,
                            "timestamp",
                            String.valueOf(state.now())),
                    null,
                    null,
                    part,
                    null)));
        }
        return out;
    }

    // ---- faults and observations ----

    /** The next {@code plans.length} events travel as these plans say. */
    public synchronized void planNext(DeliveryPlan... plans) {
        nextPlans.addAll(List.of(plans));
    }

    /** The next {@code times} WebSocket upgrades are refused with these Handshake-* headers. */
    /**
     * Sends every event to the live connection that opened {@code index}-th (0 for the oldest) instead of one at
     * random; null goes back to random. For tests that need an event on one machine's connection.
     */
    public synchronized void deliverTo(Integer index) {
        this.pinned = index;
    }

    public synchronized void refuseHandshakes(HandshakeRefusal refusal, int times) {
        for (int i = 0; i < times; i++) {
            handshakeRefusals.add(refusal);
        }
    }

    /** The next {@code times} endpoint discoveries answer this code. */
    public synchronized void refuseEndpoint(int code, int times) {
        for (int i = 0; i < times; i++) {
            endpointRefusals.add(new int[] {code});
        }
    }

    /** How long after a non-200 ack the event is pushed again (the platform's retry delay). */
    public void redeliveryDelay(Duration delay) {
        this.redeliveryDelay = delay;
    }

    /** Drops every connection of the app without a close frame, as a network failure would. */
    public void dropConnections(String appId) {
        List<Conn> list;
        synchronized (this) {
            list = new ArrayList<>(conns.getOrDefault(appId, List.of()));
        }
        list.forEach(Conn::drop);
    }

    /** Sends raw bytes as one binary WebSocket message to every connection of the app. */
    public void sendRawFrame(String appId, byte[] bytes) {
        List<Conn> list;
        synchronized (this) {
            list = new ArrayList<>(conns.getOrDefault(appId, List.of()));
        }
        list.forEach(c -> c.send(bytes));
    }

    /** Sends a WebSocket-level ping to every connection of the app (clients must answer with a pong). */
    public void pingClients(String appId) {
        List<Conn> list;
        synchronized (this) {
            list = new ArrayList<>(conns.getOrDefault(appId, List.of()));
        }
        list.forEach(Conn::ping);
    }

    /** WebSocket-level pongs received from clients. */
    public int websocketPongs() {
        return websocketPongs.get();
    }

    /** The status code of the last close frame a client sent, null when none came. */
    public Integer lastCloseStatus() {
        return lastCloseStatus;
    }

    /** Makes endpoint discovery hand out this WebSocket URL (a test's own server) instead of the emulator's. */
    public void overrideEndpointUrl(String url) {
        this.endpointUrlOverride = url;
    }

    public synchronized int liveConnections(String appId) {
        return (int) conns.getOrDefault(appId, List.of()).stream()
                .filter(c -> c.open)
                .count();
    }

    /** Events pushed but not yet acknowledged with 200 (including those waiting for a connection). */
    public synchronized int unacknowledged() {
        return byEventId.size();
    }

    public int pings() {
        return pings.get();
    }

    public int connectionsOpened() {
        return connectionsOpened.get();
    }

    public int endpointCalls() {
        return endpointCalls.get();
    }

    /** Every finished event, in the order its final ack arrived. */
    public List<EventAck> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    /** Ids of events still being pushed, for diagnostics. */
    public synchronized Set<String> pendingEventIds() {
        return new LinkedHashSet<>(byEventId.keySet());
    }

    public void close() {
        List<Conn> all = new ArrayList<>();
        synchronized (this) {
            conns.values().forEach(all::addAll);
        }
        all.forEach(Conn::drop);
        timer.shutdownNow();
    }
}
