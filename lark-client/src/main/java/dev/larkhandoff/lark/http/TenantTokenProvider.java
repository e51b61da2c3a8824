package dev.larkhandoff.lark.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Caches the tenant access token until {@code expire - 180 s} and makes sure that however many callers
 * need a fresh one at once, exactly one fetch is in flight.
 */
public final class TenantTokenProvider {

    /** Refresh this long before Lark says the token expires, as the official SDKs do. */
    static final Duration EARLY_REFRESH = Duration.ofSeconds(180);

    /** A token and how long Lark says it lives. */
    public record IssuedToken(String value, Duration expiresIn) {}

    private record Cached(String value, Instant refreshAt) {}

    private final Clock clock;
    private final Supplier<Mono<IssuedToken>> fetcher;
    private final Object lock = new Object();
    private Cached cached;
    private Mono<String> inFlight;

    public TenantTokenProvider(Clock clock, Supplier<Mono<IssuedToken>> fetcher) {
        this.clock = clock;
        this.fetcher = fetcher;
    }

    /** The cached token, or the one fetch that is (or now starts) in flight. */
    public Mono<String> token() {
        return Mono.defer(() -> {
            synchronized (lock) {
                if (cached != null && clock.instant().isBefore(cached.refreshAt())) {
                    return Mono.just(cached.value());
                }
                if (inFlight == null) {
                    inFlight = startFetch();
                }
                return inFlight;
            }
        });
    }

    /** Drops the cached token if it is still {@code rejected}, so the next {@link #token()} fetches anew. */
    public void invalidate(String rejected) {
        synchronized (lock) {
            if (cached != null && cached.value().equals(rejected)) {
                cached = null;
            }
        }
    }

    private Mono<String> startFetch() {
        AtomicReference<Mono<String>> self = new AtomicReference<>();
        self.set(fetcher.get()
                .map(issued -> {
                    synchronized (lock) {
                        cached = new Cached(
                                issued.value(),
                                clock.instant().plus(issued.expiresIn()).minus(EARLY_REFRESH));
                    }
                    return issued.value();
                })
                .doFinally(signal -> {
                    synchronized (lock) {
                        if (inFlight == self.get()) {
                            inFlight = null;
                        }
                    }
                })
                .cache());
        return self.get();
    }
}
