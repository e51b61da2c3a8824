package dev.larkhandoff.server.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.ipc.IpcMessage.Ack;
import dev.larkhandoff.server.ipc.IpcMessage.Cancel;
import dev.larkhandoff.server.ipc.IpcMessage.Deliver;
import dev.larkhandoff.server.ipc.IpcMessage.Dropped;
import dev.larkhandoff.server.ipc.IpcMessage.Hello;
import dev.larkhandoff.server.ipc.IpcMessage.HookReply;
import dev.larkhandoff.server.ipc.IpcMessage.HookRequest;
import dev.larkhandoff.server.ipc.IpcMessage.PermissionReply;
import dev.larkhandoff.server.ipc.IpcMessage.PermissionRequest;
import dev.larkhandoff.server.ipc.IpcMessage.ProtocolError;
import dev.larkhandoff.server.ipc.IpcMessage.Register;
import dev.larkhandoff.server.ipc.IpcMessage.Registered;
import dev.larkhandoff.server.ipc.IpcMessage.Shutdown;
import dev.larkhandoff.server.ipc.IpcMessage.ShuttingDown;
import dev.larkhandoff.server.ipc.IpcMessage.ToolProgress;
import dev.larkhandoff.server.ipc.IpcMessage.ToolReply;
import dev.larkhandoff.server.ipc.IpcMessage.ToolRequest;
import dev.larkhandoff.server.ipc.IpcMessage.Unknown;
import dev.larkhandoff.server.ipc.IpcMessage.Written;
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The socket messages and their one codec: every record survives the wire, the JSON is the format peers of the
 * previous version send and expect (so a daemon and a proxy of adjacent versions keep talking), and reading is as
 * lenient as the protocol promises.
 */
class IpcCodecTest {

    private static final JsonMapper JSON = ServerJson.mapper();

    private static ObjectNode json(String text) {
        return (ObjectNode) JSON.readTree(text);
    }

    /** One of each message, with every optional field set. */
    private static List<IpcMessage> everyMessage() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("kind", "message");
        meta.put("chat_id", "oc_a");
        meta.put("privilege", "owner");
        return List.of(
                new Hello("0.3.0", 4242, "2025-01-02T03:04:05Z"),
                new Register(
                        "sess-A",
                        Role.DISPATCHER,
                        999,
                        "0.3.0",
                        DeliveryMode.PULL,
                        Map.of("teammate_name", "api-worker")),
                new Register("sess-R", Role.SESSION, 7, "0.4.0", DeliveryMode.PUSH, Map.of(), true),
                new IpcMessage.McpIn("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"),
                new IpcMessage.McpOut(
                        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/claude/channel\"}", "evt_1", null),
                new IpcMessage.McpOut("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}", null, "r-1"),
                new Registered(
                        "session:sess-A",
                        List.of(new ToolSpec(
                                "feishu_channel_status",
                                "Shows the channel.",
                                Map.of("type", "object", "properties", Map.of())))),
                new ToolRequest("c1", "wait_for_reply", Map.of("timeout_seconds", 20)),
                new ToolProgress("c1", 3, 10.0, "waiting"),
                new ToolReply("c1", "{\"count\":1}", false, true),
                new Cancel("c1"),
                new Written("c1"),
                new Dropped("c2"),
                new Deliver(new Delivery("evt_1", "hello there", meta)),
                new Ack("evt_1"),
                new HookRequest("h1", "PreToolUse", json("{\"tool_name\":\"Bash\"}"), "sess-A", "/ws/api"),
                new HookReply("h1", json("{\"decision\":\"block\"}"), "it broke"),
                new PermissionRequest("p1", json("{\"request_id\":\"abcde\",\"tool_name\":\"Bash\"}")),
                new PermissionReply("p1", "allow"),
                new Shutdown("replaced by version 0.4.0"),
                new ShuttingDown(),
                new ProtocolError("register needs a session_id"),
                new Unknown("from_the_future", json("{\"type\":\"from_the_future\",\"n\":1}")));
    }

    private static Set<String> recordNames(Class<?> sealed) {
        Set<String> out = new TreeSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(sealed));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c.isRecord()) {
                out.add(c.getSimpleName());
            } else {
                todo.addAll(List.of(c.getPermittedSubclasses()));
            }
        }
        return out;
    }

    @Test
    void given_every_message_type_then_each_reads_back_equal_from_its_bytes() {
        List<IpcMessage> samples = everyMessage();

        assertThat(samples.stream().map(m -> m.getClass().getSimpleName()).collect(Collectors.toSet()))
                .as("a sample of every record the protocol declares")
                .isEqualTo(recordNames(IpcMessage.class));
        for (IpcMessage m : samples) {
            IpcMessage back = IpcCodec.fromBytes(IpcCodec.toBytes(m));
            assertThat(back).as(m.type()).isEqualTo(m);
            assertThat(JSON.readTree(IpcCodec.toBytes(m)).path("type").asString())
                    .isEqualTo(m.type());
        }
    }

    @Test
    void given_each_direction_then_its_messages_are_the_ones_its_receiver_handles() {
        assertThat(recordNames(IpcMessage.ToDaemon.class))
                .containsExactlyInAnyOrder(
                        "Register",
                        "ToolRequest",
                        "Cancel",
                        "Written",
                        "Dropped",
                        "Ack",
                        "HookRequest",
                        "PermissionRequest",
                        "Shutdown",
                        "McpIn",
                        "Unknown");
        assertThat(recordNames(IpcMessage.ToProxy.class))
                .containsExactlyInAnyOrder(
                        "Hello",
                        "Registered",
                        "ToolProgress",
                        "ToolReply",
                        "Deliver",
                        "HookReply",
                        "PermissionReply",
                        "ShuttingDown",
                        "ProtocolError",
                        "McpOut",
                        "Unknown");
    }

    /** The JSON the previous version writes for these messages (field for field), which this one must match. */
    @Test
    void given_messages_of_the_previous_version_then_the_json_is_the_same_both_ways() {
        Map<IpcMessage, String> wire = new LinkedHashMap<>();
        wire.put(
                new Hello("0.3.0", 4242, "2025-01-02T03:04:05Z"),
                "{\"version\":\"0.3.0\",\"pid\":4242,\"started_at\":\"2025-01-02T03:04:05Z\",\"type\":\"hello\"}");
        wire.put(
                new Register(
                        "sess-A", Role.SESSION, 999, "0.3.0", DeliveryMode.PUSH, Map.of("teammate_name", "api-worker")),
                "{\"type\":\"register\",\"session_id\":\"sess-A\",\"role\":\"session\",\"pid\":999,"
                        + "\"version\":\"0.3.0\",\"delivery\":\"push\","
                        + "\"metadata\":{\"teammate_name\":\"api-worker\"}}");
        wire.put(
                new ToolRequest("c1", "feishu_channel_acquire", Map.of()),
                "{\"type\":\"tool\",\"id\":\"c1\",\"name\":\"feishu_channel_acquire\",\"arguments\":{}}");
        wire.put(
                new ToolProgress("c1", 0.5, null, null), "{\"type\":\"tool_progress\",\"id\":\"c1\",\"progress\":0.5}");
        wire.put(
                new ToolReply("c1", "done", false, false),
                "{\"type\":\"tool_result\",\"id\":\"c1\",\"text\":\"done\",\"is_error\":false}");
        wire.put(
                new ToolReply("c2", "{}", false, true),
                "{\"type\":\"tool_result\",\"id\":\"c2\",\"text\":\"{}\",\"is_error\":false,\"receipt\":true}");
        wire.put(
                new Deliver(new Delivery("evt_1", "hi", Map.of("kind", "message"))),
                "{\"type\":\"deliver\",\"event_id\":\"evt_1\",\"content\":\"hi\",\"meta\":{\"kind\":\"message\"}}");
        wire.put(new Ack("evt_1"), "{\"type\":\"ack\",\"event_id\":\"evt_1\"}");
        wire.put(
                new HookRequest("h1", "Stop", json("{}"), null, null),
                "{\"type\":\"hook\",\"id\":\"h1\",\"event\":\"Stop\",\"input\":{}}");
        wire.put(new HookReply("h1", null, null), "{\"type\":\"hook_result\",\"id\":\"h1\"}");
        wire.put(new PermissionReply("p1", null), "{\"type\":\"permission_result\",\"id\":\"p1\",\"output\":{}}");
        wire.put(
                new PermissionReply("p2", "deny"),
                "{\"type\":\"permission_result\",\"id\":\"p2\",\"output\":{\"behavior\":\"deny\"}}");
        wire.put(new ShuttingDown(), "{\"type\":\"shutting_down\"}");
        wire.put(
                new ProtocolError("register needs a session_id"),
                "{\"type\":\"error\",\"error\":\"register needs a session_id\"}");

        wire.forEach((message, text) -> {
            assertThat(JSON.readTree(IpcCodec.toBytes(message)))
                    .as(message.type())
                    .isEqualTo(JSON.readTree(text));
            assertThat(IpcCodec.fromBytes(text.getBytes(StandardCharsets.UTF_8)))
                    .as(message.type())
                    .isEqualTo(message);
        });
    }

    @Test
    void given_the_greeting_built_as_json_by_the_daemon_then_it_becomes_the_same_hello() {
        ObjectNode fields =
                JSON.createObjectNode().put("version", "0.3.0").put("pid", 7L).put("started_at", "t");

        assertThat(IpcCodec.hello(fields)).isEqualTo(new Hello("0.3.0", 7, "t"));
    }

    @Test
    void given_a_newer_peer_then_unknown_types_and_fields_are_ignored_and_missing_fields_read_as_defaults() {
        IpcMessage future = IpcCodec.decode(json("{\"type\":\"resume\",\"id\":\"x\"}"));
        IpcMessage extra = IpcCodec.decode(json("{\"type\":\"ack\",\"event_id\":\"e\",\"lease\":3}"));
        IpcMessage bare = IpcCodec.decode(json("{\"type\":\"tool_result\"}"));
        IpcMessage oddRegister = IpcCodec.decode(json("{\"type\":\"register\",\"session_id\":\"s\",\"role\":\"boss\","
                + "\"delivery\":\"carrier-pigeon\",\"metadata\":{\"cwd\":\"/w\",\"depth\":3}}"));
        IpcMessage oddArguments =
                IpcCodec.decode(json("{\"type\":\"tool\",\"id\":\"c\",\"name\":\"n\",\"arguments\":[1]}"));

        assertThat(future).isInstanceOf(Unknown.class);
        assertThat(future.type()).isEqualTo("resume");
        assertThat(((Unknown) future).fields().path("id").asString()).isEqualTo("x");
        assertThat(extra).isEqualTo(new Ack("e"));
        assertThat(bare).isEqualTo(new ToolReply("", "", false, false));
        assertThat(oddRegister)
                .isEqualTo(new Register("s", Role.SESSION, 0, "", DeliveryMode.PUSH, Map.of("cwd", "/w")));
        assertThat(oddArguments).isEqualTo(new ToolRequest("c", "n", Map.of()));
    }

    @Test
    void given_a_frame_that_is_not_a_typed_json_object_then_it_is_a_protocol_error() {
        assertThatThrownBy(() -> IpcCodec.fromBytes("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IpcProtocolException.class)
                .hasMessageContaining("not JSON");
        for (String bad : List.of("[1,2]", "{\"id\":\"x\"}", "{\"type\":3}")) {
            JsonNode node = JSON.readTree(bad);
            assertThatThrownBy(() -> IpcCodec.decode(node))
                    .as(bad)
                    .isInstanceOf(IpcProtocolException.class)
                    .hasMessageContaining("no \"type\"");
        }
    }
}
