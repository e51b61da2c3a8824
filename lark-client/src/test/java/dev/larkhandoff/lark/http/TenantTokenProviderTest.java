package dev.larkhandoff.lark.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.testing.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

class TenantTokenProviderTest {

    private final TestClock clock = TestClock.followingRealTime();
    private final AtomicInteger fetches = new AtomicInteger();

    @Test
    void given_a_fetch_held_open_when_50_callers_ask_at_once_then_the_fetcher_runs_once_and_all_get_its_token() {
        Sinks.One<TenantTokenProvider.IssuedToken> answer = Sinks.one();
        TenantTokenProvider tokens = new TenantTokenProvider(clock, () -> {
            fetches.incrementAndGet();
            return answer.asMono();
        });

        var callers = Flux.range(0, 50)
                .flatMap(i -> tokens.token().subscribeOn(Schedulers.parallel()), 50)
                .collectList()
                .toFuture();
        // Every caller is waiting on the one fetch before it answers.
        answer.tryEmitValue(new TenantTokenProvider.IssuedToken("t-1", Duration.ofHours(2)));
        List<String> got = callers.join();

        assertThat(got).hasSize(50).containsOnly("t-1");
        assertThat(fetches).hasValue(1);
    }

    @Test
    void given_a_cached_token_then_no_fetch_until_180_seconds_before_expiry() {
        TenantTokenProvider tokens = new TenantTokenProvider(clock, () -> {
            int n = fetches.incrementAndGet();
            return Mono.just(new TenantTokenProvider.IssuedToken("t-" + n, Duration.ofSeconds(7200)));
        });

        tokens.token().block();
        clock.advance(Duration.ofSeconds(7200 - 181));
        String stillCached = tokens.token().block();
        clock.advance(Duration.ofSeconds(2));
        String refreshed = tokens.token().block();

        assertThat(stillCached).isEqualTo("t-1");
        assertThat(refreshed).isEqualTo("t-2");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void given_a_failed_fetch_then_the_next_caller_starts_a_new_one() {
        TenantTokenProvider tokens = new TenantTokenProvider(
                clock,
                () -> fetches.incrementAndGet() == 1
                        ? Mono.error(new IllegalStateException("down"))
                        : Mono.just(new TenantTokenProvider.IssuedToken("t-ok", Duration.ofHours(2))));

        var first = tokens.token()
                .onErrorResume(e -> Mono.just("failed:" + e.getMessage()))
                .block();
        var second = tokens.token().block();

        assertThat(first).isEqualTo("failed:down");
        assertThat(second).isEqualTo("t-ok");
    }

    @Test
    void given_a_rejected_token_when_invalidated_then_only_that_token_is_dropped() {
        TenantTokenProvider tokens = new TenantTokenProvider(clock, () -> {
            int n = fetches.incrementAndGet();
            return Mono.just(new TenantTokenProvider.IssuedToken("t-" + n, Duration.ofHours(2)));
        });
        tokens.token().block();

        tokens.invalidate("t-other");
        assertThat(tokens.token().block()).isEqualTo("t-1");
        tokens.invalidate("t-1");
        assertThat(tokens.token().block()).isEqualTo("t-2");
    }
}
