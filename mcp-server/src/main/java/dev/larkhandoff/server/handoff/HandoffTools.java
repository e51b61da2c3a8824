package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.FormField;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.server.workspace.StartMode;
import dev.larkhandoff.server.workspace.WorkspaceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The handoff workflow's MCP tools: each reads its arguments, calls {@link Handoffs}, and answers its JSON, or a
 * clear error naming the bad argument or the Lark refusal. The descriptions are what agents choose tools by.
 */
public final class HandoffTools {

    public static final String START = "handoff_start";
    public static final String END = "handoff_end";
    public static final String SEND_AND_WAIT = "send_and_wait";
    public static final String SEND = "handoff_send";
    public static final String DOWNLOAD = "handoff_download";
    public static final String SEND_FILE = "handoff_send_file";
    public static final String MESSAGE = "handoff_message";
    public static final String HISTORY = "handoff_history";
    public static final String MEMBERS = "handoff_members";
    public static final String SETTINGS = "handoff_settings";
    public static final String RELAY = "handoff_relay";
    public static final String STATUS = "handoff_status";
    public static final String GROUPS = "handoff_groups";

    /** The wait's default: long enough that an agent is not woken for nothing, short enough for clients' timeouts. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 600;
    public static final int MAX_TIMEOUT_SECONDS = 3_600;

    private static final String CARD_ARGS = "`choices` with two entries gives two buttons, three or more a "
            + "drop-down form (also listed in the text); `input` (a placeholder) a free-text form; `fields` a form "
            + "of selects, checkers and inputs with Submit and Cancel. Answers come back as replies with msg_type "
            + "button_action / form_action (text `__cancel__` for Cancel).";

    private HandoffTools() {
    }

    /** The tools over the daemon's handoff workflow. */
    public static ToolCatalog of(Handoffs handoffs) {
        Adapter a = new Adapter(handoffs);
        ToolCatalog.Builder b = ToolCatalog.builder();
        for (ToolSpec spec : specs()) {
            b.add(spec, call -> a.call(spec.name(), call));
        }
        return b.build();
    }

    /** The wait of a session that holds a handoff chat, for {@code wait_for_reply}; empty when it holds none. */
    public static Optional<ToolResult> waitIfBound(Handoffs handoffs, ToolCall call, Duration timeout) {
        if (call.callerSessionId() == null || !handoffs.isBound(call.callerSessionId())) {
            return Optional.empty();
        }
        return Optional.of(new Adapter(handoffs).guarded(WAIT_TOOL, () -> handoffs.await(
                caller(call), timeout, progress(call)).toString()));
    }

    private static final String WAIT_TOOL = "wait_for_reply";

    /** The specs alone (for a daemon without a Lark app, which answers each with an explanation). */
    public static List<ToolSpec> specs() {
        List<ToolSpec> specs = new ArrayList<>();
        specs.add(spec(START, "Hand this conversation over to a Lark group so the user can keep working from their "
                + "phone. Picks an idle group of this workspace, else creates `<worktree>@<machine>` with the user "
                + "invited; when every group is busy it answers status \"choose\" with the occupied groups — ask "
                + "the user, then call again with takeover_chat_id. sidecar_chat_id joins an existing group where "
                + "the bot must be @-mentioned. Posts a start card. Then call wait_for_reply.",
                props("mode", enumOf("How to pick the group: default (idle, else new, else ask), no-ask (idle, "
                                + "else new), new (always a new group).", "default", "no-ask", "new"),
                        "group_name", str("Use the group with exactly this name (case-insensitive)."),
                        "sidecar_chat_id", str("Join this existing external group (oc_…) instead."),
                        "takeover_chat_id", str("Take this occupied group over (oc_…); its holder's wait ends "
                                + "with takeover."),
                        "expected_holder", str("With takeover_chat_id: the holder you saw; the takeover is refused "
                                + "if it changed."),
                        "model", str("Your model, shown in the group (e.g. claude-opus-4)."),
                        "tool", str("Your tool, shown in the group (e.g. Claude Code)."),
                        "project_dir", str("The project directory (default: the session's).")), List.of()));
        specs.add(spec(END, "Hand the conversation back to the terminal, only when the user asks (e.g. they say "
                + "`handback`): posts the hand-back card and ends the handoff; with dissolve the group is "
                + "removed too.",
                props("message", str("The hand-back card's text (default: Handing back to CLI.)."),
                        "dissolve", bool("Also remove the user from the group and dissolve it.")), List.of()));
        specs.add(spec(SEND_AND_WAIT, "During a handoff: post your answer to the Lark group, then wait for the "
                + "user's next replies and return them as {replies:[{text, msg_type, message_id, parent_id, "
                + "mentions, sender_id, sender_type, privilege, image_key, file_key, file_name, create_time, "
                + "target_message_id}], count}, or {timeout:true} (call wait_for_reply again, silently — never post "
                + "\"still waiting\"), or {takeover:true} (another session took the group: stop quietly). "
                + "privilege is owner, coowner (same rights) or guest (may only ask questions: no shell, git, "
                + "project files or secrets). " + CARD_ARGS,
                withTimeout(cardProps()), List.of("message")));
        specs.add(spec(SEND, "During a handoff: post to the Lark group without waiting (progress notes, results). "
                + "With working:true the message is a one-line summary shown on the grey working card with a Stop "
                + "button, updated in place; your next message turns it into Done. " + CARD_ARGS,
                with(cardProps(), "working", bool("Show or update the working card instead.")), List.of("message")));
        specs.add(spec(DOWNLOAD, "Download an image or file a reply carries (its image_key — one key of a "
                + "comma-joined list — or file_key and file_name) into the local downloads folder; returns the path.",
                props("message_id", str("The reply's message_id (om_…)."), "image_key", str("One image key."),
                        "file_key", str("The file key."), "file_name", str("The file's name (kept, made safe).")),
                List.of("message_id")));
        specs.add(spec(SEND_FILE, "Upload a local image or file and post it to the handoff group.",
                props("path", str("Absolute path of the file."), "as_image", bool("Send as an image (png, jpg, gif…).")),
                List.of("path")));
        specs.add(spec(MESSAGE, "Read one message by id: what a reply's parent_id points at (the bot's own "
                + "messages from the local store, others from Lark), and for a merge_forward the forwarded messages.",
                props("message_id", str("The message id (om_…).")), List.of("message_id")));
        specs.add(spec(HISTORY, "The handoff group's recent messages as received, including those kept from you "
                + "(with the reason: sender not allowed, not addressed to the bot).",
                props("limit", Map.of("type", "integer", "minimum", 1, "maximum", 200,
                        "description", "How many (default 20).")), List.of()));
        specs.add(spec(MEMBERS, "List, add or remove the group's guests (may talk to you) and coowners (may also "
                + "approve). Add the people a message @-mentions (message_id) or by open_id.",
                props("action", enumOf("list (default), add or remove.", "list", "add", "remove"),
                        "message_id", str("With add: the message whose @-mentions name the people."),
                        "open_ids", Map.of("type", "array", "items", Map.of("type", "string"),
                                "description", "open_ids (ou_…) to add or remove."),
                        "role", enumOf("With add: guest (default) or coowner.", "guest", "coowner")), List.of()));
        specs.add(spec(SETTINGS, "Read or change the group's settings, kept in its pinned config card: filter "
                + "(how much tool output is forwarded: concise, important, verbose), autoapprove, and group norms "
                + "(key: text rules you follow in this group). No arguments: just read them.",
                props("filter", enumOf("Forwarding level.", "concise", "important", "verbose"),
                        "autoapprove", bool("Approve tool permissions without asking."),
                        "norm_key", str("A group norm's key."), "norm_text", str("The norm's text (to add or change)."),
                        "remove_norm", bool("Remove the norm named by norm_key.")), List.of()));
        specs.add(spec(RELAY, "Relay a message to another active handoff group; its agent receives it as a "
                + "reply with msg_type relay.",
                props("chat_id", str("The target group (oc_…)."), "message", str("What to relay.")),
                List.of("chat_id", "message")));
        specs.add(spec(STATUS, "This workspace's handoff groups, each active (and by which session) or idle, "
                + "and whether Stop was pressed in your group.",
                props("project_dir", str("The project directory (default: the session's).")), List.of()));
        specs.add(spec(GROUPS, "Manage the bot's groups: list (scope mine or all), list_empty, dissolve_empty, "
                + "dissolve one (chat_id), or clear this workspace (dissolves all its groups; needs confirm:true).",
                props("action", enumOf("What to do.", "list", "list_empty", "dissolve_empty", "dissolve", "clear"),
                        "scope", enumOf("With list: mine (default) or all.", "mine", "all"),
                        "chat_id", str("With dissolve: the group (oc_…)."),
                        "confirm", bool("With clear: really dissolve every group of the workspace."),
                        "project_dir", str("With clear: the project directory (default: the session's).")),
                List.of("action")));
        return specs;
    }

    /** Runs one tool with its arguments read and its failures turned into clear errors. */
    private record Adapter(Handoffs handoffs) {

        ToolResult call(String tool, ToolCall call) {
            if (call.callerSessionId() == null) {
                return ToolResult.error(tool + " needs a registered session (the proxy has not registered yet)");
            }
            Args in = new Args(call.arguments());
            Handoffs.Caller who = caller(call);
            return guarded(tool, () -> switch (tool) {
                case START -> handoffs.start(who, new Handoffs.StartArgs(StartMode.of(in.text("mode")),
                        in.text("group_name"), in.text("sidecar_chat_id"), in.text("takeover_chat_id"),
                        in.text("expected_holder"), in.text("model"), in.text("tool"), in.text("project_dir")))
                        .toString();
                case END -> handoffs.end(who, in.text("message"), in.flag("dissolve")).toString();
                case SEND_AND_WAIT -> {
                    // Read before the send, which clears it: Stop must reach the agent once.
                    boolean stop = handoffs.stopRequested(who.sessionId());
                    handoffs.send(who, card(in), true);
                    yield withStop(handoffs.await(who, timeout(in), progress(call)), stop).toString();
                }
                case SEND -> {
                    boolean stop = handoffs.stopRequested(who.sessionId());
                    yield withStop(in.flag("working") ? handoffs.working(who, in.required("message"))
                            : handoffs.send(who, card(in), false), stop).toString();
                }
                case DOWNLOAD -> handoffs.download(who, in.required("message_id"), in.text("image_key"),
                        in.text("file_key"), bareFileName(in.text("file_name"))).toString();
                case SEND_FILE -> handoffs.sendFile(who, Path.of(in.required("path")), in.flag("as_image")).toString();
                case MESSAGE -> handoffs.message(who, in.required("message_id")).toString();
                case HISTORY -> handoffs.history(who, in.integer("limit", 20, 1, 200)).toString();
                case MEMBERS -> handoffs.members(who, in.text("action"), in.text("message_id"), in.texts("open_ids"),
                        in.text("role")).toString();
                case SETTINGS -> handoffs.settings(who, in.text("filter"), in.bool("autoapprove"), in.text("norm_key"),
                        in.text("norm_text"), in.flag("remove_norm")).toString();
                case RELAY -> handoffs.relay(who, in.required("chat_id"), in.required("message")).toString();
                case STATUS -> handoffs.status(who, in.text("project_dir")).toString();
                case GROUPS -> handoffs.groups(who, in.required("action"), in.text("scope"), in.text("chat_id"),
                        in.flag("confirm"), in.text("project_dir")).toString();
                default -> throw new IllegalStateException("no handoff tool " + tool);
            });
        }

        private static ObjectNode withStop(ObjectNode result, boolean stop) {
            if (stop) {
                result.put("stop_requested", true);
            }
            return result;
        }

        ToolResult guarded(String tool, Body body) {
            try {
                return ToolResult.ok(body.run());
            } catch (Handoffs.TakenOver e) {
                // Not an error: the agent's cue to stop quietly, as a wait would have told it.
                return ToolResult.ok(Handoffs.takeover().toString());
            } catch (HandoffException | WorkspaceException e) {
                return ToolResult.error(tool + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                return ToolResult.error(tool + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ToolResult.error(tool + " was interrupted (the daemon is shutting down); call it again");
            }
        }
    }

    @FunctionalInterface
    private interface Body {
        String run() throws InterruptedException;
    }

    /**
     * The agent names a file, not a place: a name with a directory in it is refused rather than quietly cut, so the
     * agent learns that the path it expects is not where the file goes.
     */
    private static String bareFileName(String name) {
        if (name != null && (name.contains("/") || name.contains("\\") || name.equals("..") || name.equals("."))) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "file_name "
                    + LarkIds.quote(name) + " must be a bare file name without directories (downloads always go "
                    + "into the downloads folder; the result gives the path)");
        }
        return name;
    }

    private static Handoffs.Caller caller(ToolCall call) {
        return new Handoffs.Caller(call.callerSessionId());
    }

    private static WakeSignal.Progress progress(ToolCall call) {
        return (done, total, message) -> call.progress().report(done, total, message);
    }

    private static Duration timeout(Args in) {
        return Duration.ofSeconds(in.integer("timeout_seconds", DEFAULT_TIMEOUT_SECONDS, 0, MAX_TIMEOUT_SECONDS));
    }

    /** The card the card arguments describe. */
    private static OutgoingCard card(Args in) {
        String color = in.text("color");
        CardColor c = null;
        if (color != null) {
            try {
                c = CardColor.valueOf(color.strip().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "color '" + color
                        + "' is not a Lark header colour (blue, green, orange, red, grey, …)");
            }
        }
        return new OutgoingCard(in.text("message"), in.text("title"), c, in.texts("choices"), in.text("input"),
                fields(in), in.text("mention"));
    }

    private static List<FormField> fields(Args in) {
        Object raw = in.raw("fields");
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> list)) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "fields must be an array");
        }
        List<FormField> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> f)) {
                throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "each field must be an object");
            }
            Args field = new Args(castMap(f));
            String name = field.required("name");
            String label = field.text("label") == null ? name : field.text("label");
            out.add(switch (field.required("type")) {
                case "select" -> new FormField.Select(name, label, field.texts("options").stream()
                        .map(v -> new FormField.Option(v, v)).toList(), field.text("initial"));
                case "checker" -> new FormField.Checker(name, label, field.flag("checked"));
                case "input" -> new FormField.Input(name, field.text("placeholder") == null ? label
                        : field.text("placeholder"), field.flag("required"));
                default -> throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT,
                        "field type '" + field.text("type") + "' is not one of select, checker, input");
            });
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    // ---- schemas ----

    private static Map<String, Object> cardProps() {
        return props("message", str("The text (Lark markdown). With choices, input or fields: the question."),
                "title", str("A header title (a status card, or the question's title)."),
                "color", str("Header colour: blue, green, orange, red, grey…"),
                "choices", Map.of("type", "array", "items", Map.of("type", "string"),
                        "description", "Answers to offer: 2 → buttons, 3+ → a drop-down form."),
                "input", str("A free-text form with this placeholder."),
                "fields", Map.of("type", "array", "description", "A multi-field form.", "items", Map.of(
                        "type", "object", "required", List.of("type", "name"), "properties", props(
                                "type", enumOf("Field kind.", "select", "checker", "input"),
                                "name", str("Key in the answer (letters, digits, _)."),
                                "label", str("What the user sees."),
                                "options", Map.of("type", "array", "items", Map.of("type", "string")),
                                "initial", str("Pre-selected option."),
                                "placeholder", str("Input placeholder."),
                                "checked", bool("Checker initially ticked."),
                                "required", bool("Input must be filled.")))),
                "mention", str("@-mention this open_id (default: the user, where the bot must be @-mentioned)."));
    }

    private static Map<String, Object> withTimeout(Map<String, Object> props) {
        return with(props, "timeout_seconds", Map.of("type", "integer", "minimum", 0, "maximum", MAX_TIMEOUT_SECONDS,
                "description", "How long to wait for replies (default " + DEFAULT_TIMEOUT_SECONDS + ")."));
    }

    private static Map<String, Object> with(Map<String, Object> props, String key, Object schema) {
        Map<String, Object> out = new LinkedHashMap<>(props);
        out.put(key, schema);
        return out;
    }

    private static ToolSpec spec(String name, String description, Map<String, Object> props, List<String> required) {
        return new ToolSpec(name, description, ToolSpec.objectSchema(props, required));
    }

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put((String) kv[i], kv[i + 1]);
        }
        return out;
    }

    private static Map<String, Object> str(String description) {
        return Map.of("type", "string", "description", description);
    }

    private static Map<String, Object> bool(String description) {
        return Map.of("type", "boolean", "description", description);
    }

    private static Map<String, Object> enumOf(String description, String... values) {
        return Map.of("type", "string", "enum", List.of(values), "description", description);
    }

    /** Reads tool arguments, refusing wrong types by name. */
    private record Args(Map<String, Object> map) {

        Object raw(String key) {
            return map.get(key);
        }

        String text(String key) {
            Object v = map.get(key);
            if (v == null) {
                return null;
            }
            if (!(v instanceof String s)) {
                throw bad(key + " must be a string, got " + v);
            }
            return s.isBlank() ? null : s;
        }

        String required(String key) {
            String v = text(key);
            if (v == null) {
                throw bad(key + " is required");
            }
            return v;
        }

        boolean flag(String key) {
            return Boolean.TRUE.equals(bool(key));
        }

        Boolean bool(String key) {
            Object v = map.get(key);
            if (v == null || v instanceof Boolean) {
                return (Boolean) v;
            }
            if ("true".equals(v) || "false".equals(v)) {
                return Boolean.valueOf((String) v);
            }
            throw bad(key + " must be true or false, got " + v);
        }

        int integer(String key, int fallback, int min, int max) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue()) || n.longValue() < min
                    || n.longValue() > max) {
                throw bad(key + " must be a whole number from " + min + " to " + max + ", got " + v);
            }
            return n.intValue();
        }

        List<String> texts(String key) {
            Object v = map.get(key);
            if (v == null) {
                return List.of();
            }
            if (!(v instanceof List<?> list) || list.stream().anyMatch(x -> !(x instanceof String))) {
                throw bad(key + " must be an array of strings");
            }
            return list.stream().map(String.class::cast).toList();
        }

        private static HandoffException bad(String message) {
            return new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, message);
        }
    }
}
