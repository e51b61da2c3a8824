package dev.larkhandoff.lark.ws.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.lark.ws.MalformedFrameException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    @Test
    void given_a_ping_with_zero_ids_when_encoded_then_all_four_required_fields_are_on_the_wire() {
        byte[] bytes = FrameCodec.encode(Frame.ping(0));

        // SeqID=0, LogID=0, service=0, method=0: proto3 would write nothing for these.
        assertThat(bytes).startsWith(0x08, 0x00, 0x10, 0x00, 0x18, 0x00, 0x20, 0x00, 0x2A);
    }

    @Test
    void given_a_data_frame_when_round_tripped_then_every_field_survives() {
        Frame f = new Frame(
                Long.MAX_VALUE,
                42,
                1234,
                Frame.DATA,
                List.of(
                        new Frame.Header("type", "event"),
                        new Frame.Header("message_id", "m1"),
                        new Frame.Header("type", "dup-keys-allowed")),
                "json",
                "event",
                "{\"a\":1}".getBytes(),
                "log-new");

        Frame back = FrameCodec.decode(FrameCodec.encode(f));

        assertThat(back.seqId()).isEqualTo(Long.MAX_VALUE);
        assertThat(back.logId()).isEqualTo(42);
        assertThat(back.service()).isEqualTo(1234);
        assertThat(back.method()).isEqualTo(Frame.DATA);
        assertThat(back.headers()).extracting(Frame.Header::value).containsExactly("event", "m1", "dup-keys-allowed");
        assertThat(back.payload()).isEqualTo(f.payload());
        assertThat(back.payloadEncoding()).isEqualTo("json");
        assertThat(back.logIdNew()).isEqualTo("log-new");
    }

    @Test
    void given_an_ack_then_it_echoes_the_frame_with_biz_rt_and_the_new_payload() {
        Frame f = new Frame(
                7,
                8,
                9,
                Frame.DATA,
                List.of(new Frame.Header("message_id", "m")),
                null,
                null,
                "event".getBytes(),
                null);

        Frame ack = f.ack(12, "{\"code\":200}".getBytes());

        assertThat(ack.seqId()).isEqualTo(7);
        assertThat(ack.header("message_id")).isEqualTo("m");
        assertThat(ack.header("biz_rt")).isEqualTo("12");
        assertThat(new String(ack.payload())).isEqualTo("{\"code\":200}");
    }

    @Test
    void given_a_frame_without_method_then_decoding_names_the_missing_required_field() {
        byte[] noMethod = {0x08, 0x01, 0x10, 0x01, 0x18, 0x01};

        assertThatThrownBy(() -> FrameCodec.decode(noMethod))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("required field");
    }

    @Test
    void given_garbage_then_decoding_fails_with_a_malformed_frame_error() {
        assertThatThrownBy(() -> FrameCodec.decode(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}))
                .isInstanceOf(MalformedFrameException.class);
    }

    @Test
    void given_a_header_without_value_then_decoding_fails() {
        byte[] frame = {0x08, 0, 0x10, 0, 0x18, 0, 0x20, 0, 0x2A, 0x03, 0x0A, 0x01, 'k'};

        assertThatThrownBy(() -> FrameCodec.decode(frame)).hasMessageContaining("key or value");
    }
}
