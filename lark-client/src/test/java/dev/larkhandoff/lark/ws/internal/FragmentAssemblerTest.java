package dev.larkhandoff.lark.ws.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FragmentAssemblerTest {

    private final TestClock clock = TestClock.followingRealTime();
    private final FragmentAssembler assembler = new FragmentAssembler(clock, Duration.ofSeconds(10), 1000);

    private static Frame fragment(String id, int sum, int seq, String text) {
        return new Frame(
                1,
                1,
                1,
                Frame.DATA,
                List.of(
                        new Frame.Header("type", "event"),
                        new Frame.Header("message_id", id),
                        new Frame.Header("sum", String.valueOf(sum)),
                        new Frame.Header("seq", String.valueOf(seq)),
                        new Frame.Header("trace_id", "t")),
                null,
                null,
                text.getBytes(StandardCharsets.UTF_8),
                null);
    }

    @Test
    void given_fragments_in_any_order_then_the_payload_is_joined_by_seq_and_acked_with_the_last_frame() {
        assertThat(assembler.add(fragment("m", 3, 2, "c"))).isNull();
        assertThat(assembler.add(fragment("m", 3, 0, "a"))).isNull();
        Frame last = fragment("m", 3, 1, "b");

        FragmentAssembler.Assembled whole = assembler.add(last);

        assertThat(new String(whole.payload(), StandardCharsets.UTF_8)).isEqualTo("abc");
        assertThat(whole.lastFrame()).isSameAs(last);
        assertThat(assembler.pending()).isZero();
    }

    @Test
    void given_interleaved_messages_then_each_is_assembled_separately() {
        assembler.add(fragment("x", 2, 1, "2"));
        assembler.add(fragment("y", 2, 0, "A"));
        var x = assembler.add(fragment("x", 2, 0, "1"));
        var y = assembler.add(fragment("y", 2, 1, "B"));

        assertThat(new String(x.payload())).isEqualTo("12");
        assertThat(new String(y.payload())).isEqualTo("AB");
    }

    @Test
    void given_a_fragment_repeated_then_it_counts_once() {
        assembler.add(fragment("m", 2, 0, "a"));
        assertThat(assembler.add(fragment("m", 2, 0, "a"))).isNull();
        assertThat(new String(assembler.add(fragment("m", 2, 1, "b")).payload()))
                .isEqualTo("ab");
    }

    @Test
    void given_a_partial_message_older_than_the_timeout_then_it_is_forgotten() {
        assembler.add(fragment("m", 2, 0, "a"));
        clock.advance(Duration.ofSeconds(11));
        assembler.add(fragment("other", 2, 0, "z"));

        assertThat(assembler.pending()).isEqualTo(1);
        assertThat(assembler.add(fragment("m", 2, 1, "b"))).isNull();
    }

    @Test
    void given_inconsistent_headers_then_errors_name_the_problem() {
        assertThatThrownBy(() -> assembler.add(fragment("m", 2, 2, "a"))).hasMessageContaining("seq=2");
        assertThatThrownBy(() -> assembler.add(fragment("m", 0, 0, "a"))).hasMessageContaining("sum=0");
        assembler.add(fragment("n", 2, 0, "a"));
        assertThatThrownBy(() -> assembler.add(fragment("n", 3, 1, "a"))).hasMessageContaining("disagree on sum");
        Frame noId = new Frame(
                1,
                1,
                1,
                Frame.DATA,
                List.of(new Frame.Header("sum", "1"), new Frame.Header("seq", "0")),
                null,
                null,
                new byte[0],
                null);
        assertThatThrownBy(() -> assembler.add(noId)).hasMessageContaining("message_id");
    }

    @Test
    void given_fragments_adding_up_beyond_the_limit_then_the_message_is_refused() {
        assembler.add(fragment("big", 2, 0, "a".repeat(600)));

        assertThatThrownBy(() -> assembler.add(fragment("big", 2, 1, "b".repeat(600))))
                .isInstanceOf(FragmentAssembler.PayloadTooLargeException.class)
                .hasMessageContaining("over the limit of 1000");
        assertThat(assembler.pending()).isZero();
    }
}
