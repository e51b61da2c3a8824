package dev.larkhandoff.lark.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendLimiterTest {

    private final Clock frozen = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void given_a_5_per_second_bucket_when_12_calls_reserve_at_once_then_no_one_second_window_holds_more_than_5() {
        TokenBucket bucket = new TokenBucket(frozen, 5 * 0.95, 1);

        List<Long> startsMillis = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            startsMillis.add(bucket.reserve(Duration.ofSeconds(30)).toMillis());
        }

        assertThat(startsMillis.get(0)).isZero();
        for (int i = 5; i < startsMillis.size(); i++) {
            assertThat(startsMillis.get(i) - startsMillis.get(i - 5))
                    .as("call %d starts more than a second after call %d", i, i - 5)
                    .isGreaterThan(1000);
        }
    }

    @Test
    void given_a_wait_beyond_the_bound_then_nothing_is_reserved_and_the_caller_is_told() {
        TokenBucket bucket = new TokenBucket(frozen, 1, 1);
        bucket.reserve(Duration.ofSeconds(1));
        bucket.reserve(Duration.ofSeconds(1));

        assertThat(bucket.reserve(Duration.ofSeconds(1))).isNull();
        assertThat(bucket.reserve(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void given_the_per_chat_limit_exhausted_then_the_limiter_refuses_with_a_client_limit_error() {
        SendLimiter limiter = new SendLimiter(frozen, 5, 50, Duration.ofMillis(500));
        for (int i = 0; i < 3; i++) {
            limiter.acquire("oc_1", "POST /x");
        }

        var error = limiter.acquire("oc_1", "POST /x").map(v -> "granted").onErrorResume(e -> reactor.core.publisher.Mono.just(e.getMessage()));

        assertThat(error.block()).contains("per-chat send limit");
        assertThat(limiter.acquire("oc_2", "POST /x").then(reactor.core.publisher.Mono.just("granted")).block()).isEqualTo("granted");
    }
}
