package dev.larkhandoff.lark.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.http.internal.TokenBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class SendLimiterTest {

    /** A monotonic ticker the test moves by hand; the limiter never sees real time. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private long reserveMillis(TokenBucket bucket) {
        long at = bucket.earliest(nanos.get());
        bucket.take(at);
        return (at - nanos.get()) / 1_000_000;
    }

    @Test
    void given_a_5_per_second_bucket_when_12_calls_come_at_once_then_no_one_second_window_holds_more_than_5() {
        TokenBucket bucket = new TokenBucket(nanos::get, 5 * 0.95);

        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            starts.add(reserveMillis(bucket));
        }

        assertThat(starts.get(0)).isZero();
        for (int i = 5; i < starts.size(); i++) {
            assertThat(starts.get(i) - starts.get(i - 5))
                    .as("call %d vs call %d", i, i - 5)
                    .isGreaterThan(1000);
        }
    }

    @Test
    void given_time_passes_then_the_bucket_is_free_again_without_a_burst() {
        TokenBucket bucket = new TokenBucket(nanos::get, 5);
        reserveMillis(bucket);
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());

        assertThat(reserveMillis(bucket)).isZero();
        assertThat(reserveMillis(bucket)).isEqualTo(200);
    }

    private static String outcome(Mono<Void> acquire) {
        // Subscribing is what reserves; a refusal errors at once, a grant completes after its (short) delay.
        return acquire.then(Mono.just("granted"))
                .onErrorResume(LarkException.class, e -> Mono.just(e.getMessage()))
                .block(Duration.ofSeconds(5));
    }

    @Test
    void given_a_chat_at_its_limit_then_a_call_beyond_the_bound_is_refused_and_takes_no_app_slot() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofMillis(500));
        for (int i = 0; i < 3; i++) {
            limiter.acquire("oc_busy", "POST /x").subscribe();
        }

        String refused = outcome(limiter.acquire("oc_busy", "POST /x"));
        String otherChat = outcome(limiter.acquire("oc_quiet", "POST /x"));

        assertThat(refused).contains("per-chat send limit (5/s)").contains("longer than 0 s");
        assertThat(otherChat).isEqualTo("granted");
    }

    @Test
    void given_a_mono_that_is_never_subscribed_then_it_takes_no_slot() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofMillis(100));
        for (int i = 0; i < 100; i++) {
            limiter.acquire("oc_1", "POST /x");
        }

        assertThat(outcome(limiter.acquire("oc_1", "POST /x"))).isEqualTo("granted");
    }

    @Test
    void given_calls_delayed_by_their_chat_then_they_book_app_slots_at_their_real_start_and_leave_gaps_for_others() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofSeconds(10));
        List<Long> hot = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            hot.add(limiter.reserve("oc_hot") / 1_000_000);
        }

        long cold = limiter.reserve("oc_cold") / 1_000_000;
        List<Long> burst = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            burst.add(limiter.reserve(null));
        }

        assertThat(hot.get(19)).as("the hot chat's 20th call").isGreaterThan(3_900);
        assertThat(cold).as("a quiet chat is not queued behind the hot one").isLessThan(100);
        // Every booked app slot, hot, cold and burst alike, is at least 1/47.5 s from the next.
        List<Long> all = new ArrayList<>();
        hot.forEach(ms -> all.add(ms * 1_000_000));
        all.add(cold * 1_000_000);
        all.addAll(burst);
        all.sort(Long::compare);
        for (int i = 50; i < all.size(); i++) {
            assertThat(all.get(i) - all.get(i - 50))
                    .as("slots %d..%d span more than a second", i - 50, i)
                    .isGreaterThan(1_000_000_000L - 2_000_000L);
        }
    }

    @Test
    void given_the_app_limit_shared_by_two_daemons_then_this_one_books_app_slots_twice_as_far_apart() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofSeconds(10));
        limiter.shareAppLimit(2);

        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            starts.add(limiter.reserve(null) / 1_000_000);
        }

        // 50/s with the 5% margin is 47.5/s for the team, 23.75/s here: 25 intervals take over a second.
        assertThat(starts.get(25) - starts.get(0)).isGreaterThan(1_000);
        assertThat(limiter.appLimitSharers()).isEqualTo(2);
    }

    @Test
    void given_the_other_daemon_gone_then_the_whole_app_limit_comes_back() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofSeconds(10));
        limiter.shareAppLimit(2);
        limiter.shareAppLimit(1);

        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            starts.add(limiter.reserve(null) / 1_000_000);
        }

        assertThat(starts.get(25) - starts.get(0)).isLessThan(600);
    }

    @Test
    void given_a_burst_of_spare_calls_then_other_calls_do_not_wait_behind_them_and_those_beyond_the_budget_are_dropped()
            throws Exception {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofSeconds(10));

        int granted = 0;
        for (int i = 0; i < 100; i++) {
            if (limiter.reserveSpare() >= 0) {
                granted++;
            }
        }
        SendLimiter.Backlog afterBurst = limiter.backlog();
        long reply = limiter.reserve("oc_chat");
        long card = limiter.reserve(null);

        // A tenth of 50/s with the margin is 4.75/s: the slot now and those within the next second.
        assertThat(granted).isEqualTo(5);
        assertThat(limiter.spareDropped()).isEqualTo(95);
        assertThat(afterBurst.calls())
                .as("nothing booked in the replies' budget")
                .isZero();
        assertThat(afterBurst.spareCalls())
                .as("at most a second of spare calls waits")
                .isEqualTo(4);
        assertThat(reply).as("the reply goes at once").isZero();
        assertThat(card).isLessThan(Duration.ofMillis(25).toNanos());
        assertThat(outcome(limiter.acquireSpare("POST /reactions"))).startsWith("Lark call dropped: the spare budget");
        assertThat(limiter.spareDropped()).isEqualTo(96);
    }

    @Test
    void given_time_passes_then_spare_calls_go_again() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            limiter.reserveSpare();
        }

        nanos.addAndGet(Duration.ofSeconds(3).toNanos());

        assertThat(limiter.reserveSpare()).isZero();
        assertThat(limiter.backlog()).isEqualTo(new SendLimiter.Backlog(0, 0));
    }

    @Test
    void given_a_burst_of_replies_then_spare_calls_still_have_their_own_budget() {
        SendLimiter limiter = new SendLimiter(nanos::get, 5, 50, Duration.ofSeconds(10));
        for (int i = 0; i < 100; i++) {
            limiter.reserve(null);
        }

        assertThat(limiter.reserveSpare()).isZero();
        assertThat(limiter.backlog().calls()).isEqualTo(99);
    }
}
