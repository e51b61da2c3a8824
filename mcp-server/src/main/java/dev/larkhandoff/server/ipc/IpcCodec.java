package dev.larkhandoff.server.ipc;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one translation between {@link IpcMessage} records and the JSON objects on the daemon socket. Reading is
 * lenient the way the protocol promises ({@link IpcMessage}): unknown fields are ignored, a missing or ill-typed
 * field reads as its default, an unknown type becomes {@link Unknown}. Only a frame that is not a JSON object with a
 * string {@code "type"} is refused.
 */
public final class IpcCodec {

    private static final JsonMapper JSON = ServerJson.mapper();

    private IpcCodec() {}

    // ---- writing ----

    /** The message as the JSON object sent on the wire. */
    public static ObjectNode encode(IpcMessage message) {
        Encoder encoder = new Encoder();
        if (message instanceof IpcMessage.ToDaemon m) {
            m.dispatchTo((IpcMessage.ToDaemon.Handler) encoder);
        } else {
            ((IpcMessage.ToProxy) message).dispatchTo((IpcMessage.ToProxy.Handler) encoder);
        }
        return encoder.out;
    }

    /** The message as the bytes of one frame's body. */
    public static byte[] toBytes(IpcMessage message) {
        return JSON.writeValueAsBytes(encode(message));
    }

    /** Writes each record's fields; the two handler interfaces together name every message, so none is missed. */
    private static final class Encoder implements IpcMessage.ToDaemon.Handler, IpcMessage.ToProxy.Handler {
        ObjectNode out;

        private ObjectNode start(String type) {
            out = JSON.createObjectNode().put("type", type);
            return out;
        }

        @Override
        public void hello(Hello m) {
            start(Hello.TYPE).put("version", m.version()).put("pid", m.pid());
            putIf("started_at", m.startedAt());
        }

        @Override
        public void register(Register m) {
            start(Register.TYPE)
                    .put("session_id", m.sessionId())
                    .put("role", m.role().column())
                    .put("pid", m.pid())
                    .put("version", m.version())
                    .put("delivery", m.delivery().column());
            out.set("metadata", JSON.valueToTree(m.metadata()));
            if (m.relay()) {
                out.put("relay", true);
            }
        }

        @Override
        public void mcpIn(IpcMessage.McpIn m) {
            start(IpcMessage.McpIn.TYPE).put("line", m.line());
        }

        @Override
        public void mcpOut(IpcMessage.McpOut m) {
            start(IpcMessage.McpOut.TYPE).put("line", m.line());
            putIf("ack", m.ack());
            putIf("receipt", m.receipt());
        }

        @Override
        public void registered(Registered m) {
            start(Registered.TYPE).put("session_id", m.sessionId());
            out.set("tools", JSON.valueToTree(m.tools()));
        }

        @Override
        public void toolRequest(ToolRequest m) {
            start(ToolRequest.TYPE).put("id", m.id()).put("name", m.name());
            out.set("arguments", JSON.valueToTree(m.arguments()));
        }

        @Override
        public void toolProgress(ToolProgress m) {
            start(ToolProgress.TYPE).put("id", m.id()).put("progress", m.progress());
            if (m.total() != null) {
                out.put("total", m.total());
            }
            putIf("message", m.message());
        }

        @Override
        public void toolReply(ToolReply m) {
            start(ToolReply.TYPE).put("id", m.id()).put("text", m.text()).put("is_error", m.isError());
            if (m.receipt()) {
                out.put("receipt", true);
            }
        }

        @Override
        public void cancel(Cancel m) {
            start(Cancel.TYPE).put("id", m.id());
        }

        @Override
        public void written(Written m) {
            start(Written.TYPE).put("id", m.id());
        }

        @Override
        public void dropped(Dropped m) {
            start(Dropped.TYPE).put("id", m.id());
        }

        @Override
        public void deliver(Deliver m) {
            Delivery d = m.delivery();
            start(Deliver.TYPE).put("event_id", d.eventId()).put("content", d.content());
            ObjectNode meta = out.putObject("meta");
            d.meta().forEach(meta::put);
        }

        @Override
        public void ack(Ack m) {
            start(Ack.TYPE).put("event_id", m.eventId());
        }

        @Override
        public void hookRequest(HookRequest m) {
            start(HookRequest.TYPE).put("id", m.id()).put("event", m.event());
            out.set("input", m.input() == null || m.input().isMissingNode() ? NullNode.getInstance() : m.input());
            putIf("session_id", m.sessionId());
            putIf("project_dir", m.projectDir());
        }

        @Override
        public void hookReply(HookReply m) {
            start(HookReply.TYPE).put("id", m.id());
            if (m.output() != null && !m.output().isMissingNode()) {
                out.set("output", m.output());
            }
            putIf("error", m.error());
        }

        @Override
        public void permissionRequest(PermissionRequest m) {
            start(PermissionRequest.TYPE).put("id", m.id());
            out.set("params", m.params() == null || m.params().isMissingNode() ? NullNode.getInstance() : m.params());
        }

        @Override
        public void permissionReply(PermissionReply m) {
            ObjectNode output = start(PermissionReply.TYPE).put("id", m.id()).putObject("output");
            if (m.behavior() != null) {
                output.put("behavior", m.behavior());
            }
        }

        @Override
        public void shutdown(Shutdown m) {
            start(Shutdown.TYPE);
            putIf("reason", m.reason());
        }

        @Override
        public void shuttingDown(ShuttingDown m) {
            start(ShuttingDown.TYPE);
        }

        @Override
        public void protocolError(ProtocolError m) {
            start(ProtocolError.TYPE).put("error", m.error());
        }

        @Override
        public void unknown(Unknown m) {
            out = m.fields().deepCopy().put("type", m.type());
        }

        private void putIf(String field, String value) {
            if (value != null) {
                out.put(field, value);
            }
        }
    }

    // ---- reading ----

    /**
     * Reads one frame's body.
     *
     * @throws IpcProtocolException when it is not JSON, or not an object with a string {@code "type"}
     */
    public static IpcMessage fromBytes(byte[] frame) {
        JsonNode message;
        try {
            message = JSON.readTree(frame);
        } catch (JacksonException e) {
            throw new IpcProtocolException("frame is not JSON: " + e.getOriginalMessage(), e);
        }
        return decode(message);
    }

    /**
     * Reads one message.
     *
     * @throws IpcProtocolException when it is not an object with a string {@code "type"}, or a field this version
     *                              must understand cannot be read at all
     */
    public static IpcMessage decode(JsonNode m) {
        if (m == null || !m.isObject() || !m.path("type").isString()) {
            throw new IpcProtocolException("message has no \"type\"");
        }
        String type = m.path("type").asString();
        try {
            return switch (type) {
                case Hello.TYPE -> hello(m);
                case Register.TYPE ->
                    new Register(
                            m.path("session_id").asString(""),
                            "dispatcher".equals(m.path("role").asString("")) ? Role.DISPATCHER : Role.SESSION,
                            m.path("pid").asLong(0),
                            m.path("version").asString(""),
                            "pull".equals(m.path("delivery").asString("")) ? DeliveryMode.PULL : DeliveryMode.PUSH,
                            strings(m.path("metadata")),
                            m.path("relay").asBoolean(false));
                case IpcMessage.McpIn.TYPE ->
                    new IpcMessage.McpIn(m.path("line").asString(""));
                case IpcMessage.McpOut.TYPE ->
                    new IpcMessage.McpOut(
                            m.path("line").asString(""),
                            m.has("ack") ? m.path("ack").asString(null) : null,
                            m.has("receipt") ? m.path("receipt").asString(null) : null);
                case Registered.TYPE -> new Registered(m.path("session_id").asString(""), tools(m.path("tools")));
                case ToolRequest.TYPE -> new ToolRequest(id(m), m.path("name").asString(""), arguments(m));
                case ToolProgress.TYPE ->
                    new ToolProgress(
                            id(m),
                            m.path("progress").asDouble(0),
                            m.has("total") ? m.get("total").asDouble() : null,
                            m.has("message") ? m.get("message").asString() : null);
                case ToolReply.TYPE ->
                    new ToolReply(
                            id(m),
                            m.path("text").asString(""),
                            m.path("is_error").asBoolean(false),
                            m.path("receipt").asBoolean(false));
                case Cancel.TYPE -> new Cancel(id(m));
                case Written.TYPE -> new Written(id(m));
                case Dropped.TYPE -> new Dropped(id(m));
                case Deliver.TYPE ->
                    new Deliver(new Delivery(
                            m.path("event_id").asString(""), m.path("content").asString(""), scalars(m.path("meta"))));
                case Ack.TYPE -> new Ack(m.path("event_id").asString(""));
                case HookRequest.TYPE ->
                    new HookRequest(
                            id(m),
                            m.path("event").asString(""),
                            m.path("input"),
                            m.path("session_id").asString(null),
                            m.path("project_dir").asString(null));
                case HookReply.TYPE ->
                    new HookReply(id(m), m.get("output"), m.path("error").asString(null));
                case PermissionRequest.TYPE -> new PermissionRequest(id(m), m.path("params"));
                case PermissionReply.TYPE ->
                    new PermissionReply(id(m), m.path("output").path("behavior").asString(null));
                case Shutdown.TYPE -> new Shutdown(m.path("reason").asString(null));
                case ShuttingDown.TYPE -> new ShuttingDown();
                case ProtocolError.TYPE -> new ProtocolError(m.path("error").asString(""));
                default -> new Unknown(type, (ObjectNode) m);
            };
        } catch (JacksonException e) {
            throw new IpcProtocolException("a " + type + " message could not be read: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The daemon's greeting from its fields (version, pid, started_at), for a composition root that builds them as
     * JSON.
     */
    public static Hello hello(JsonNode fields) {
        return new Hello(
                fields.path("version").asString(""),
                fields.path("pid").asLong(0),
                fields.path("started_at").asString(null));
    }

    private static String id(JsonNode m) {
        return m.path("id").asString("");
    }

    /** The string-valued fields of an object, in order; other values are left out. */
    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.properties().forEach(e -> {
            if (e.getValue().isString()) {
                out.put(e.getKey(), e.getValue().stringValue());
            }
        });
        return out;
    }

    /** The scalar fields of an object as text, in order; objects, arrays and nulls are left out. */
    private static Map<String, String> scalars(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.properties().forEach(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                out.put(e.getKey(), e.getValue().asString());
            }
        });
        return out;
    }

    private static List<ToolSpec> tools(JsonNode array) {
        List<ToolSpec> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(t -> out.add(JSON.treeToValue(t, ToolSpec.class)));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> arguments(JsonNode m) {
        return m.has("arguments") && m.get("arguments").isObject()
                ? JSON.treeToValue(m.get("arguments"), Map.class)
                : Map.of();
    }
}
