package dev.larkhandoff.lark.ws;

import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.event.EventDecoder;
import dev.larkhandoff.lark.event.LarkEvent;
import dev.larkhandoff.lark.event.MalformedEventException;
import dev.larkhandoff.lark.event.UnknownEvent;
import dev.larkhandoff.lark.http.LarkHttp;
import dev.larkhandoff.lark.ws.internal.FragmentAssembler;
import dev.larkhandoff.lark.ws.internal.Frame;
import dev.larkhandoff.lark.ws.internal.FrameCodec;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;

/**
 * Lark's long connection (pbbp2 frames over a WebSocket): discovers the endpoint, connects, pings, reassembles
 * fragments, decodes events and hands each to the consumer as an {@link InboundEvent} whose acknowledgement
 * the consumer controls. Reconnects with jitter within Lark's ReconnectCount / ReconnectInterval, skips bad
 * input without dying, and never lets a redelivered event reach the consumer twice while it is remembered.
 *
 * <p>One consumer: {@link #events()} may be subscribed once; subscribing starts the connection, cancelling
 * closes it. Events are emitted on a Netty I/O thread: a consumer that writes to disk should
 * {@code publishOn} a blocking-friendly scheduler first, then answer each event from there.
 */
public final class LongConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LongConnection.class);
    private static final int MAX_WS_FRAME = 16 * 1024 * 1024;
    /** Missing this many pongs in a row means the socket is dead even if TCP has not noticed. */
    private static final int MISSED_PONGS_BEFORE_RECONNECT = 3;
    /** Connections lost sooner than this after opening, several in a row, make reconnects back off. */
    private static final Duration STABLE_AFTER = Duration.ofSeconds(10);

    /** Where the connection is in its life. */
    public enum State {
        NEW,
        CONNECTING,
        CONNECTED,
        RECONNECTING,
        CLOSED,
        FAILED
    }

    /** Frames Lark is owed an answer for, per event id, while the consumer works on the event. */
    private static final class InFlight {
        final List<Frame> frames = new ArrayList<>();
        final long startNanos = System.nanoTime();
        Session session;
    }

    /** One WebSocket, from upgrade to close. */
    private final class Session {
        final EndpointDiscovery.Endpoint endpoint;
        final Sinks.Many<byte[]> out = Sinks.many().unicast().onBackpressureBuffer();
        volatile Connection netty;
        volatile WebsocketOutbound outbound;
        volatile boolean connected;
        volatile long openedNanos;
        volatile long lastPongNanos = System.nanoTime();

        Session(EndpointDiscovery.Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        synchronized void send(Frame frame) {
            out.tryEmitNext(FrameCodec.encode(frame));
        }
    }

    private final LarkClientConfig config;
    private final LongConnectionOptions options;
    private final EndpointDiscovery discovery;
    private final HttpClient websocketClient;
    private final ConnectionProvider websocketPool;
    private final FragmentAssembler assembler;
    private final Sinks.Many<InboundEvent> sink;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Boolean> recentlyAcked;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Counters counters = new Counters();
    private volatile ClientConfig clientConfig = ClientConfig.DEFAULTS;
    private volatile Session current;
    private volatile State state = State.NEW;
    private volatile boolean closing;
    private volatile Disposable pending;
    private int shortSessionsInARow;

    public LongConnection(LarkHttp http, LongConnectionOptions options) {
        this.config = http.config();
        this.options = options;
        this.discovery = new EndpointDiscovery(http.httpClient(), config);
        this.websocketPool = ConnectionProvider.newConnection();
        this.websocketClient = HttpClient.create(websocketPool);
        this.assembler = new FragmentAssembler(config.clock(), options.fragmentTimeout(), options.maxPayloadBytes());
        this.counters.partialsDropped = assembler::discarded;
        // An exact bound (reactor's Queues round small sizes up to 256): a full queue must be noticed, not grown.
        this.sink = Sinks.many().unicast().onBackpressureBuffer(new ArrayBlockingQueue<>(options.queueCapacity()));
        int window = options.dedupeWindow();
        this.recentlyAcked = java.util.Collections.synchronizedMap(new LinkedHashMap<>(window, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > window;
            }
        });
    }

    /**
     * The event stream. Subscribing connects; the stream completes after {@link #close()} and errors with a
     * {@link LarkException} when Lark refuses for good (bad credentials, too many connections) or reconnecting
     * gave up.
     */
    public Flux<InboundEvent> events() {
        return sink.asFlux()
                .doOnSubscribe(s -> {
                    if (started.compareAndSet(false, true)) {
                        connect(1);
                    }
                })
                // Nobody left to take events: close rather than answer every push with 500.
                .doOnCancel(() -> Schedulers.boundedElastic().schedule(() -> close(Duration.ZERO)));
    }

    public State state() {
        return state;
    }

    public LongConnectionStats stats() {
        return counters.snapshot();
    }

    /** The ClientConfig in force (from discovery, then from pongs). */
    public ClientConfig clientConfig() {
        return clientConfig;
    }

    /** Events handed to the consumer and not yet answered. */
    public int unanswered() {
        return inFlight.size();
    }

    // ---- connecting ----

    /** @param attempt the number of this attempt in the current series (1 after a loss or at start) */
    private void connect(int attempt) {
        if (closing) {
            return;
        }
        state = counters.connects.get() == 0 ? State.CONNECTING : State.RECONNECTING;
        AtomicBoolean reachedOpen = new AtomicBoolean();
        AtomicBoolean ended = new AtomicBoolean();
        Session[] opened = new Session[1];
        Disposable attemptSubscription = discovery
                .discover(clientConfig)
                .flatMap(endpoint -> {
                    clientConfig = endpoint.config();
                    Session s = new Session(endpoint);
                    opened[0] = s;
                    return session(s, reachedOpen);
                })
                .subscribe(
                        null,
                        error -> {
                            if (ended.compareAndSet(false, true)) {
                                sessionEnded(error, attempt, opened[0]);
                            }
                        },
                        () -> {
                            if (ended.compareAndSet(false, true)) {
                                sessionEnded(null, attempt, opened[0]);
                            }
                        });
        pending = attemptSubscription;
        // Neither discovery nor the upgrade may hang the connection forever.
        Duration connectTimeout = options.connectTimeout();
        Mono.delay(connectTimeout).subscribe(x -> {
            if (!reachedOpen.get() && ended.compareAndSet(false, true)) {
                attemptSubscription.dispose();
                sessionEnded(
                        LarkException.transport(
                                "long connection",
                                new java.util.concurrent.TimeoutException(
                                        "no open WebSocket after " + connectTimeout.toMillis() + " ms")),
                        attempt,
                        null);
            }
        });
    }

    private Mono<Void> session(Session s, AtomicBoolean reachedOpen) {
        EndpointDiscovery.Endpoint endpoint = s.endpoint;
        return websocketClient
                .websocket(WebsocketClientSpec.builder()
                        .maxFramePayloadLength(MAX_WS_FRAME)
                        .build())
                .uri(endpoint.url().toString())
                .handle((in, out) -> {
                    in.withConnection(c -> s.netty = c);
                    s.outbound = out;
                    s.connected = true;
                    s.openedNanos = System.nanoTime();
                    reachedOpen.set(true);
                    current = s;
                    state = State.CONNECTED;
                    counters.connects.incrementAndGet();
                    log.info(
                            "Lark long connection open (device {}, service {})",
                            endpoint.deviceId(),
                            endpoint.serviceId());
                    Disposable pinger = pingLoop(s);
                    // aggregateFrames: a message split into continuation frames is one frame to us.
                    Mono<Void> inbound = in.aggregateFrames(MAX_WS_FRAME)
                            .receiveFrames()
                            .doOnNext(frame -> onFrame(s, frame))
                            .then()
                            .doFinally(signal -> {
                                pinger.dispose();
                                s.connected = false;
                                s.out.tryEmitComplete();
                                if (current == s) {
                                    current = null;
                                }
                            });
                    Mono<Void> outgoing = out.sendObject(s.out.asFlux().map(bytes ->
                                    (WebSocketFrame) new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes))))
                            .then();
                    return Mono.when(inbound, outgoing);
                })
                .then()
                .onErrorMap(WebSocketClientHandshakeException.class, LongConnection::handshakeRejected);
    }

    private static LarkException handshakeRejected(WebSocketClientHandshakeException e) {
        if (e.response() == null) {
            return LarkException.transport("long connection handshake", e);
        }
        HttpHeaders h = e.response().headers();
        int status = e.response().status().code();
        return new HandshakeRejectedException(
                status,
                parseInt(h.get("Handshake-Status"), status),
                h.get("Handshake-Msg", e.response().status().reasonPhrase()),
                parseInt(h.get("Handshake-Autherrcode"), 0));
    }

    private void sessionEnded(Throwable error, int attempt, Session session) {
        if (closing) {
            finish();
            return;
        }
        boolean wasOpen = session != null && session.openedNanos != 0;
        boolean noneAllowedAfterLoss = wasOpen && clientConfig.reconnectCount() == 0;
        if (wasOpen) {
            // Connections that die soon after opening back off like failures, so a server that accepts and
            // drops at once cannot cause a tight reconnect loop.
            boolean shortLived = System.nanoTime() - session.openedNanos < STABLE_AFTER.toNanos();
            shortSessionsInARow = shortLived ? shortSessionsInARow + 1 : 0;
        }
        if (isFatal(error)) {
            log.error("Lark long connection refused for good: {}", error.getMessage());
            state = State.FAILED;
            emitError(error);
            return;
        }
        ClientConfig cfg = clientConfig;
        if (noneAllowedAfterLoss || !wasOpen && cfg.reconnectCount() >= 0 && attempt >= cfg.reconnectCount()) {
            state = State.FAILED;
            emitError(new LarkException(
                    LarkException.TRANSPORT,
                    "gave up after " + (noneAllowedAfterLoss ? 0 : attempt) + " reconnect attempts: "
                            + (error == null ? "connection closed" : error.getMessage()),
                    null,
                    0,
                    "long connection",
                    error));
            return;
        }
        // After a lost connection wait a random part of ReconnectNonce, so a fleet does not reconnect in step.
        // Between failed attempts back off from one second, doubling with jitter, up to ReconnectInterval
        // (whose default of 120 s would leave a user staring at a dead first start).
        Duration delay = wasOpen
                ? Duration.ofMillis(ThreadLocalRandom.current()
                        .nextLong(cfg.reconnectNonce().toMillis() + 1))
                : backoff(attempt, cfg.reconnectInterval());
        if (wasOpen && shortSessionsInARow > 1) {
            Duration calm = backoff(shortSessionsInARow - 1, cfg.reconnectInterval());
            delay = calm.compareTo(delay) > 0 ? calm : delay;
        }
        int next = wasOpen ? 1 : attempt + 1;
        log.warn(
                "Lark long connection {}; reconnecting in {} ms",
                error == null ? "closed" : "failed: " + error.getMessage(),
                delay.toMillis());
        state = State.RECONNECTING;
        pending = Mono.delay(delay).subscribe(x -> connect(next));
    }

    static Duration backoff(int attempt, Duration cap) {
        long base = 1000L << Math.min(attempt - 1, 16);
        long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        return Duration.ofMillis(Math.min(jittered, cap.toMillis()));
    }

    private static boolean isFatal(Throwable error) {
        if (error instanceof HandshakeRejectedException h) {
            return !h.retryable();
        }
        if (error instanceof EndpointDiscovery.DiscoveryException d) {
            return !d.retryable();
        }
        return false;
    }

    private Disposable pingLoop(Session s) {
        return Mono.defer(() -> {
                    Duration interval = clientConfig.pingInterval();
                    if (System.nanoTime() - s.lastPongNanos > interval.toNanos() * MISSED_PONGS_BEFORE_RECONNECT) {
                        log.warn(
                                "no pong from Lark for {} pings; dropping the connection",
                                MISSED_PONGS_BEFORE_RECONNECT);
                        s.connected = false;
                        Connection c = s.netty;
                        if (c != null) {
                            c.dispose();
                        }
                        return Mono.empty();
                    }
                    s.send(Frame.ping(s.endpoint.serviceId()));
                    counters.pingsSent.incrementAndGet();
                    return Mono.delay(interval);
                })
                .repeat(() -> s.connected)
                .subscribe();
    }

    // ---- receiving ----

    private void onFrame(Session s, WebSocketFrame wsFrame) {
        try {
            handleFrame(s, wsFrame);
        } catch (RuntimeException e) {
            // Nothing a peer sends may end the session: count it, say what it was, go on.
            counters.malformedFrames.incrementAndGet();
            log.warn("skipping a frame that could not be handled: {}", e.toString());
        }
    }

    private void handleFrame(Session s, WebSocketFrame wsFrame) {
        if (wsFrame instanceof PingWebSocketFrame
                || wsFrame instanceof PongWebSocketFrame
                || wsFrame instanceof CloseWebSocketFrame) {
            return; // WebSocket-level control: Reactor Netty answers pings and handles the close
        }
        if (!(wsFrame instanceof BinaryWebSocketFrame)) {
            counters.malformedFrames.incrementAndGet();
            log.warn(
                    "skipping a non-binary WebSocket message ({})",
                    wsFrame.getClass().getSimpleName());
            return;
        }
        Frame frame;
        try {
            frame = FrameCodec.decode(ByteBufUtil.getBytes(wsFrame.content()));
        } catch (MalformedFrameException e) {
            counters.malformedFrames.incrementAndGet();
            log.warn("skipping malformed frame: {}", e.getMessage());
            return;
        }
        String type = frame.header("type");
        if (frame.method() == Frame.CONTROL) {
            if ("pong".equals(type)) {
                s.lastPongNanos = System.nanoTime();
                counters.pongs.incrementAndGet();
                applyPongConfig(frame);
            }
            return;
        }
        if (frame.method() != Frame.DATA || !"event".equals(type)) {
            // The official SDKs ignore type=card data frames without an ack; so does this client.
            log.debug("ignoring frame method={} type={}", frame.method(), type);
            return;
        }
        FragmentAssembler.Assembled whole;
        try {
            whole = assembler.add(frame);
        } catch (FragmentAssembler.PayloadTooLargeException e) {
            // Acknowledged: an event this large is not one this program can take, now or on a later push.
            counters.oversizedPayloads.incrementAndGet();
            log.error("skipping event: {}", e.getMessage());
            sendAck(s, frame, 200, null, System.nanoTime());
            return;
        } catch (MalformedFrameException e) {
            counters.malformedFrames.incrementAndGet();
            log.warn("skipping malformed data frame: {}", e.getMessage());
            return;
        }
        if (whole != null) {
            onPayload(s, whole);
        }
    }

    private void applyPongConfig(Frame frame) {
        if (frame.payload() == null || frame.payload().length == 0) {
            return;
        }
        try {
            clientConfig = clientConfig.mergedWith(LarkJson.read(frame.payload()));
        } catch (RuntimeException e) {
            log.warn("ignoring unreadable pong payload: {}", e.getMessage());
        }
    }

    private void onPayload(Session s, FragmentAssembler.Assembled whole) {
        long start = System.nanoTime();
        Frame frame = whole.lastFrame();
        if (closing) {
            return; // no answer: Lark pushes it again to whoever connects next
        }
        LarkEvent event;
        try {
            event = EventDecoder.decode(whole.payload());
        } catch (RuntimeException e) {
            // Acknowledged so Lark does not push the same unreadable payload forever.
            counters.invalidPayloads.incrementAndGet();
            log.warn(
                    "skipping event payload {}: {}",
                    whole.messageId(),
                    e instanceof MalformedEventException ? e.getMessage() : "unreadable event: " + e);
            sendAck(s, frame, 200, null, start);
            return;
        }
        if (event instanceof UnknownEvent && !options.deliverUnknownEvents()) {
            counters.unknownEvents.incrementAndGet();
            log.info("skipping event {} of unknown type {}", event.eventId(), event.eventType());
            sendAck(s, frame, 200, null, start);
            return;
        }
        String id = event.eventId();
        InFlight flight;
        synchronized (inFlight) {
            if (recentlyAcked.containsKey(id)) {
                counters.duplicatesSkipped.incrementAndGet();
                log.debug("event {} pushed again after it was accepted; acknowledging", id);
                sendAck(s, frame, 200, null, start);
                return;
            }
            flight = inFlight.get(id);
            if (flight != null) {
                // Still with the consumer: answer this push too when the consumer decides.
                flight.frames.add(frame);
                flight.session = s;
                counters.duplicatesSkipped.incrementAndGet();
                return;
            }
            flight = new InFlight();
            flight.frames.add(frame);
            flight.session = s;
            inFlight.put(id, flight);
        }
        Sinks.EmitResult result;
        // Counted before the hand-over: the consumer may look at the stats the moment it has the event.
        counters.eventsDelivered.incrementAndGet();
        synchronized (sink) {
            result = sink.tryEmitNext(new InboundEvent(event, this::acknowledge));
        }
        if (result.isSuccess()) {
            return;
        }
        counters.eventsDelivered.decrementAndGet();
        synchronized (inFlight) {
            inFlight.remove(id);
        }
        counters.shedForFullQueue.incrementAndGet();
        log.warn("consumer cannot take event {} ({}); answering 500 so Lark pushes it again", id, result);
        sendAck(s, frame, 500, null, start);
    }

    private void acknowledge(InboundEvent event, int code, JsonNode data) {
        String id = event.event().eventId();
        List<Frame> frames;
        Session s;
        synchronized (inFlight) {
            // Remembered before it leaves inFlight, so a push landing in between is seen as a duplicate.
            if (code == 200) {
                recentlyAcked.put(id, Boolean.TRUE);
            }
            InFlight flight = inFlight.remove(id);
            if (flight == null) {
                return;
            }
            frames = List.copyOf(flight.frames);
            s = flight.session.connected ? flight.session : current;
            if (code == 200) {
                counters.acked.incrementAndGet();
            } else {
                counters.failedAcks.incrementAndGet();
            }
            if (s == null) {
                log.debug("no connection to acknowledge {}; Lark will push it again", id);
                return;
            }
            for (Frame frame : frames) {
                sendAck(s, frame, code, data, flight.startNanos);
            }
        }
    }

    private void sendAck(Session s, Frame frame, int code, JsonNode data, long startNanos) {
        var payload = LarkJson.object().put("code", code);
        if (data != null) {
            payload.put(
                    "data",
                    Base64.getEncoder().encodeToString(LarkJson.write(data).getBytes(StandardCharsets.UTF_8)));
        }
        long bizRt = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
        s.send(frame.ack(bizRt, LarkJson.write(payload).getBytes(StandardCharsets.UTF_8))
                .onService(s.endpoint.serviceId()));
    }

    // ---- closing ----

    /** Closes cleanly, first giving in-flight events up to 3 s to be answered. */
    @Override
    public void close() {
        close(Duration.ofSeconds(3));
    }

    /**
     * Stops taking events, waits up to {@code grace} for the consumer to answer those it has, sends them, then
     * closes the socket with a close frame. Events not answered by then are pushed again by Lark later.
     */
    public void close(Duration grace) {
        if (closing) {
            return;
        }
        closing = true;
        boolean mayBlock = !Schedulers.isInNonBlockingThread();
        long deadline = System.nanoTime() + grace.toNanos();
        while (mayBlock && !inFlight.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Session s = current;
        if (s != null && s.outbound != null) {
            // Queued acks go out first, then the close frame; only then is the socket let go.
            s.out.tryEmitComplete();
            var closeFrame = s.outbound.sendClose(1000, "client closed");
            try {
                if (mayBlock) {
                    closeFrame.block(Duration.ofSeconds(2));
                } else {
                    closeFrame.subscribe();
                }
            } catch (RuntimeException e) {
                log.debug("close frame not sent: {}", e.toString());
            }
        }
        Disposable p = pending;
        if (p != null) {
            p.dispose();
        }
        if (s != null && s.netty != null) {
            s.netty.dispose();
        }
        finish();
        websocketPool.dispose();
    }

    private void finish() {
        if (state != State.FAILED) {
            state = State.CLOSED;
        }
        synchronized (sink) {
            sink.tryEmitComplete();
        }
    }

    private void emitError(Throwable error) {
        synchronized (sink) {
            sink.tryEmitError(error);
        }
    }

    private static int parseInt(String value, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Live counters behind {@link LongConnectionStats}. */
    private static final class Counters {
        final AtomicLong connects = new AtomicLong();
        final AtomicLong pingsSent = new AtomicLong();
        final AtomicLong pongs = new AtomicLong();
        final AtomicLong eventsDelivered = new AtomicLong();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong failedAcks = new AtomicLong();
        final AtomicLong duplicatesSkipped = new AtomicLong();
        final AtomicLong malformedFrames = new AtomicLong();
        final AtomicLong invalidPayloads = new AtomicLong();
        final AtomicLong unknownEvents = new AtomicLong();
        final AtomicLong oversizedPayloads = new AtomicLong();
        final AtomicLong shedForFullQueue = new AtomicLong();
        java.util.function.LongSupplier partialsDropped = () -> 0;

        LongConnectionStats snapshot() {
            return new LongConnectionStats(
                    connects.get(),
                    pingsSent.get(),
                    pongs.get(),
                    eventsDelivered.get(),
                    acked.get(),
                    failedAcks.get(),
                    duplicatesSkipped.get(),
                    malformedFrames.get(),
                    invalidPayloads.get(),
                    unknownEvents.get(),
                    oversizedPayloads.get(),
                    partialsDropped.getAsLong(),
                    shedForFullQueue.get());
        }
    }
}
