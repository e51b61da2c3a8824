package dev.larkhandoff.server.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static byte[] frames(String... jsons) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String j : jsons) {
            ByteBuffer b = FrameDecoder.encode(j.getBytes(StandardCharsets.UTF_8), 1024);
            out.write(b.array(), 0, b.limit());
        }
        return out.toByteArray();
    }

    private static List<String> texts(List<byte[]> frames) {
        return frames.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void given_frames_arriving_one_byte_at_a_time_then_each_comes_out_whole() {
        byte[] wire = frames("{\"type\":\"hello\"}", "{\"type\":\"register\",\"text\":\"ünïcode\"}");
        FrameDecoder decoder = new FrameDecoder(1024);

        List<byte[]> out = new ArrayList<>();
        for (byte b : wire) {
            out.addAll(decoder.feed(ByteBuffer.wrap(new byte[] {b})));
        }

        assertThat(texts(out)).containsExactly("{\"type\":\"hello\"}", "{\"type\":\"register\",\"text\":\"ünïcode\"}");
    }

    @Test
    void given_several_frames_coalesced_in_one_read_then_all_come_out_in_order() {
        FrameDecoder decoder = new FrameDecoder(1024);

        assertThat(texts(decoder.feed(ByteBuffer.wrap(frames("{}", "[]", "{\"a\":1}")))))
                .containsExactly("{}", "[]", "{\"a\":1}");
    }

    @Test
    void given_a_frame_split_across_reads_with_the_next_one_started_then_nothing_is_lost() {
        byte[] wire = frames("{\"first\":true}", "{\"second\":true}");
        FrameDecoder decoder = new FrameDecoder(1024);

        List<byte[]> a = decoder.feed(ByteBuffer.wrap(wire, 0, 10));
        List<byte[]> b = decoder.feed(ByteBuffer.wrap(wire, 10, 15));
        List<byte[]> c = decoder.feed(ByteBuffer.wrap(wire, 25, wire.length - 25));

        assertThat(a).isEmpty();
        assertThat(texts(b)).containsExactly("{\"first\":true}");
        assertThat(texts(c)).containsExactly("{\"second\":true}");
    }

    @Test
    void given_an_oversized_or_negative_length_then_the_frame_is_refused_naming_the_limit() {
        assertThatThrownBy(
                        () -> new FrameDecoder(100).feed(ByteBuffer.allocate(4).putInt(0, 101)))
                .isInstanceOf(IpcProtocolException.class)
                .hasMessage("frame of 101 bytes exceeds the limit of 100");
        assertThatThrownBy(
                        () -> new FrameDecoder(100).feed(ByteBuffer.allocate(4).putInt(0, -1)))
                .hasMessageContaining("exceeds the limit of 100");
        assertThatThrownBy(() -> FrameDecoder.encode(new byte[101], 100)).isInstanceOf(IpcProtocolException.class);
    }

    @Test
    void given_an_empty_frame_then_it_is_a_frame_of_zero_bytes() {
        assertThat(new FrameDecoder(10).feed(ByteBuffer.allocate(4)))
                .singleElement()
                .satisfies(b -> assertThat(b).isEmpty());
    }

    @Test
    void
            given_a_header_declaring_8_mib_and_a_few_bytes_then_the_decoder_holds_about_those_bytes_and_grows_as_more_arrive() {
        FrameDecoder decoder = new FrameDecoder(FrameDecoder.DEFAULT_MAX_FRAME);
        byte[] json = new byte[FrameDecoder.DEFAULT_MAX_FRAME];
        java.util.Arrays.fill(json, (byte) 'x');
        ByteBuffer wire = FrameDecoder.encode(json, FrameDecoder.DEFAULT_MAX_FRAME);

        List<byte[]> early = decoder.feed(wire.slice(0, 4 + 10));
        int heldAfterTenBytes = decoder.bufferCapacity();
        List<byte[]> rest = new ArrayList<>();
        for (int at = 14; at < wire.limit(); at += 64 * 1024) {
            rest.addAll(decoder.feed(wire.slice(at, Math.min(64 * 1024, wire.limit() - at))));
        }

        assertThat(early).isEmpty();
        assertThat(heldAfterTenBytes).isBetween(10, 64 * 1024);
        assertThat(rest).singleElement().satisfies(frame -> assertThat(frame).isEqualTo(json));
        assertThat(decoder.bufferCapacity()).as("nothing held between frames").isZero();
    }
}
