package dev.larkhandoff.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineAtomicOutputTest {

    private final List<String> events = new ArrayList<>();

    @Test
    void given_a_watcher_when_a_line_is_written_then_it_is_told_before_the_bytes_leave_and_of_the_outcome_after()
            throws IOException {
        // The stream notes when the bytes arrive: a client can read (and cancel) from that moment on.
        OutputStream stream = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                events.add("bytes: " + new String(b, off, len, StandardCharsets.UTF_8).strip());
                super.write(b, off, len);
            }
        };
        LineAtomicOutput out = new LineAtomicOutput(stream, line -> {
            events.add("claimed: " + new String(line, StandardCharsets.UTF_8).strip());
            return reached -> events.add("reached: " + reached);
        });

        out.write("{\"id\":1}\n".getBytes(StandardCharsets.UTF_8));

        assertThat(events).containsExactly("claimed: {\"id\":1}", "bytes: {\"id\":1}", "reached: true");
    }

    @Test
    void given_a_stream_that_fails_when_a_line_is_written_then_the_watcher_hears_it_did_not_reach() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("the client closed stdout");
            }
        };
        LineAtomicOutput out = new LineAtomicOutput(broken, line -> reached -> events.add("reached: " + reached));

        assertThatThrownBy(() -> out.writeLine("{\"id\":2}")).isInstanceOf(IOException.class);
        assertThat(events).containsExactly("reached: false");
    }

    @Test
    void given_two_partial_writes_when_the_newline_arrives_then_the_line_is_written_whole_once() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<String> claimed = new ArrayList<>();
        LineAtomicOutput out = new LineAtomicOutput(stream, line -> {
            claimed.add(new String(line, StandardCharsets.UTF_8));
            return reached -> {};
        });

        out.write("{\"id\":".getBytes(StandardCharsets.UTF_8));
        out.write("3}\n".getBytes(StandardCharsets.UTF_8));

        assertThat(claimed).containsExactly("{\"id\":3}\n");
        assertThat(stream.toString(StandardCharsets.UTF_8)).isEqualTo("{\"id\":3}\n");
    }
}
