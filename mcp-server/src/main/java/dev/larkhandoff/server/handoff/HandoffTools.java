package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.tool.ToolSchema.bool;
import static dev.larkhandoff.server.tool.ToolSchema.oneOf;
import static dev.larkhandoff.server.tool.ToolSchema.string;

import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.FormField;
import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.server.tool.ToolArgs;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSchema;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.server.workspace.StartMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The handoff workflow's MCP tools: each is a spec plus a handler that reads its arguments ({@link ToolArgs}), calls
 * one method of a part of {@link Handoffs} and answers its JSON; what the handler throws is answered by {@link ToolCatalog}
 * ({@link HandoffException}: {@code <tool>: <message>}). The descriptions are what agents choose tools by.
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

    private HandoffTools() {}

    /** The tools over the daemon's handoff workflow; each needs a registered caller. */
    public static ToolCatalog of(Handoffs handoffs) {
        ToolCatalog.Builder b = ToolCatalog.builder();
        add(
                b,
                spec(
                        START,
                        "Hand this conversation over to a Lark group so the user can keep working from their "
                                + "phone. Picks an idle group of this workspace, else creates `<worktree>@<machine>` with the user "
                                + "invited; when every group is busy it answers status \"choose\" with the occupied groups — ask "
                                + "the user, then call again with takeover_chat_id. sidecar_chat_id joins an existing group where "
                                + "the bot must be @-mentioned. Posts a start card. Then call wait_for_reply.",
                        ToolSchema.object()
                                .optional(
                                        "mode",
                                        oneOf(
                                                "How to pick the group: default (idle, else new, else ask), no-ask "
                                                        + "(idle, else new), new (always a new group).",
                                                "default",
                                                "no-ask",
                                                "new"))
                                .optional(
                                        "group_name",
                                        string("Use the group with exactly this name (case-insensitive)."))
                                .optional(
                                        "sidecar_chat_id", string("Join this existing external group (oc_…) instead."))
                                .optional(
                                        "takeover_chat_id",
                                        string("Take this occupied group over (oc_…); its holder's wait "
                                                + "ends with takeover."))
                                .optional(
                                        "expected_holder",
                                        string("With takeover_chat_id: the holder you saw; the takeover "
                                                + "is refused if it changed."))
                                .optional("model", string("Your model, shown in the group (e.g. claude-opus-4)."))
                                .optional("tool", string("Your tool, shown in the group (e.g. Claude Code)."))
                                .optional("project_dir", string("The project directory (default: the session's)."))),
                (who, in, call) -> handoffs.lifecycle()
                        .start(
                                who,
                                new HandoffLifecycle.StartArgs(
                                        StartMode.of(in.optionalString("mode")),
                                        in.optionalString("group_name"),
                                        in.optionalString("sidecar_chat_id"),
                                        in.optionalString("takeover_chat_id"),
                                        in.optionalString("expected_holder"),
                                        in.optionalString("model"),
                                        in.optionalString("tool"),
                                        in.optionalString("project_dir"))));
        add(
                b,
                spec(
                        END,
                        "Hand the conversation back to the terminal, only when the user asks (e.g. they say "
                                + "`handback`): posts the hand-back card and ends the handoff; with dissolve the group is "
                                + "removed too.",
                        ToolSchema.object()
                                .optional(
                                        "message", string("The hand-back card's text (default: Handing back to CLI.)."))
                                .optional("dissolve", bool("Also remove the user from the group and dissolve it."))),
                (who, in, call) -> handoffs.lifecycle().end(who, in.optionalString("message"), in.bool("dissolve")));
        add(
                b,
                spec(
                        SEND_AND_WAIT,
                        "During a handoff: post your answer to the Lark group, then wait for the "
                                + "user's next replies and return them as {replies:[{text, msg_type, message_id, parent_id, "
                                + "mentions, sender_id, sender_type, privilege, image_key, file_key, file_name, create_time, "
                                + "target_message_id}], count}, or {timeout:true} (call wait_for_reply again, silently — never post "
                                + "\"still waiting\"), or {takeover:true} (another session took the group: stop quietly). "
                                + "privilege is owner, coowner (same rights) or guest (may only ask questions: no shell, git, "
                                + "project files or secrets). " + CARD_ARGS,
                        cardArgs()
                                .optional(
                                        "timeout_seconds",
                                        ToolSchema.integer(
                                                0,
                                                MAX_TIMEOUT_SECONDS,
                                                "How long to wait for replies (default " + DEFAULT_TIMEOUT_SECONDS
                                                        + ")."))),
                (who, in, call) -> {
                    // Read before the send, which clears it: Stop must reach the agent once.
                    boolean stop = handoffs.loop().stopRequested(who.sessionId());
                    handoffs.loop().send(who, card(in), true);
                    return withStop(handoffs.loop().await(who, timeout(in), progress(call)), stop);
                });
        add(
                b,
                spec(
                        SEND,
                        "During a handoff: post to the Lark group without waiting (progress notes, results). "
                                + "With working:true the message is a one-line summary shown on the grey working card with a Stop "
                                + "button, updated in place; your next message turns it into Done. " + CARD_ARGS,
                        cardArgs().optional("working", bool("Show or update the working card instead."))),
                (who, in, call) -> {
                    boolean stop = handoffs.loop().stopRequested(who.sessionId());
                    return withStop(
                            in.bool("working")
                                    ? handoffs.loop().working(who, in.string("message"))
                                    : handoffs.loop().send(who, card(in), false),
                            stop);
                });
        add(
                b,
                spec(
                        DOWNLOAD,
                        "Download an image or file a reply carries (its image_key — one key of a "
                                + "comma-joined list — or file_key and file_name) into the local downloads folder; returns the path.",
                        ToolSchema.object()
                                .required("message_id", string("The reply's message_id (om_…)."))
                                .optional("image_key", string("One image key."))
                                .optional("file_key", string("The file key."))
                                .optional("file_name", string("The file's name (kept, made safe)."))),
                (who, in, call) -> handoffs.files()
                        .download(
                                who,
                                in.string("message_id"),
                                in.optionalString("image_key"),
                                in.optionalString("file_key"),
                                bareFileName(in.optionalString("file_name"))));
        add(
                b,
                spec(
                        SEND_FILE,
                        "Upload a local image or file and post it to the handoff group.",
                        ToolSchema.object()
                                .required("path", string("Absolute path of the file."))
                                .optional("as_image", bool("Send as an image (png, jpg, gif…)."))),
                (who, in, call) -> handoffs.files().sendFile(who, Path.of(in.string("path")), in.bool("as_image")));
        add(
                b,
                spec(
                        MESSAGE,
                        "Read one message by id: what a reply's parent_id points at (the bot's own "
                                + "messages from the local store, others from Lark), and for a merge_forward the forwarded messages.",
                        ToolSchema.object().required("message_id", string("The message id (om_…)."))),
                (who, in, call) -> handoffs.lookups().message(who, in.string("message_id")));
        add(
                b,
                spec(
                        HISTORY,
                        "The handoff group's recent messages as received, including those kept from you "
                                + "(with the reason: sender not allowed, not addressed to the bot).",
                        ToolSchema.object().optional("limit", ToolSchema.integer(1, 200, "How many (default 20)."))),
                (who, in, call) -> handoffs.lookups().history(who, in.integer("limit", 20, 1, 200)));
        add(
                b,
                spec(
                        MEMBERS,
                        "List, add or remove the group's guests (may talk to you) and coowners (may also "
                                + "approve). Add the people a message @-mentions (message_id) or by open_id.",
                        ToolSchema.object()
                                .optional("action", oneOf("list (default), add or remove.", "list", "add", "remove"))
                                .optional(
                                        "message_id", string("With add: the message whose @-mentions name the people."))
                                .optional("open_ids", ToolSchema.stringArray("open_ids (ou_…) to add or remove."))
                                .optional("role", oneOf("With add: guest (default) or coowner.", "guest", "coowner"))),
                (who, in, call) -> handoffs.groups()
                        .members(
                                who,
                                in.optionalString("action"),
                                in.optionalString("message_id"),
                                in.stringList("open_ids"),
                                in.optionalString("role")));
        add(
                b,
                spec(
                        SETTINGS,
                        "Read or change the group's settings, kept in its pinned config card: filter "
                                + "(how much tool output is forwarded: concise, important, verbose), autoapprove, and group norms "
                                + "(key: text rules you follow in this group). No arguments: just read them.",
                        ToolSchema.object()
                                .optional("filter", oneOf("Forwarding level.", "concise", "important", "verbose"))
                                .optional("autoapprove", bool("Approve tool permissions without asking."))
                                .optional("norm_key", string("A group norm's key."))
                                .optional("norm_text", string("The norm's text (to add or change)."))
                                .optional("remove_norm", bool("Remove the norm named by norm_key."))),
                (who, in, call) -> handoffs.groups()
                        .settings(
                                who,
                                in.optionalString("filter"),
                                in.optionalBool("autoapprove"),
                                in.optionalString("norm_key"),
                                in.optionalString("norm_text"),
                                in.bool("remove_norm")));
        add(
                b,
                spec(
                        RELAY,
                        "Relay a message to another active handoff group; its agent receives it as a "
                                + "reply with msg_type relay.",
                        ToolSchema.object()
                                .required("chat_id", string("The target group (oc_…)."))
                                .required("message", string("What to relay."))),
                (who, in, call) -> handoffs.groups().relay(who, in.string("chat_id"), in.string("message")));
        add(
                b,
                spec(
                        STATUS,
                        "This workspace's handoff groups, each active (and by which session) or idle, "
                                + "and whether Stop was pressed in your group.",
                        ToolSchema.object()
                                .optional("project_dir", string("The project directory (default: the session's)."))),
                (who, in, call) -> handoffs.groups().status(who, in.optionalString("project_dir")));
        add(
                b,
                spec(
                        GROUPS,
                        "Manage the bot's groups: list (scope mine or all), list_empty, dissolve_empty, "
                                + "dissolve one (chat_id), or clear this workspace (dissolves all its groups; needs confirm:true).",
                        ToolSchema.object()
                                .required(
                                        "action",
                                        oneOf(
                                                "What to do.",
                                                "list",
                                                "list_empty",
                                                "dissolve_empty",
                                                "dissolve",
                                                "clear"))
                                .optional("scope", oneOf("With list: mine (default) or all.", "mine", "all"))
                                .optional("chat_id", string("With dissolve: the group (oc_…)."))
                                .optional("confirm", bool("With clear: really dissolve every group of the workspace."))
                                .optional(
                                        "project_dir",
                                        string("With clear: the project directory (default: the " + "session's)."))),
                (who, in, call) -> handoffs.groups()
                        .groups(
                                who,
                                in.string("action"),
                                in.optionalString("scope"),
                                in.optionalString("chat_id"),
                                in.bool("confirm"),
                                in.optionalString("project_dir")));
        return b.build();
    }

    /** The specs alone (for a daemon without a Lark app, which answers each with an explanation). */
    public static List<ToolSpec> specs() {
        return of(null).specs();
    }

    /**
     * The wait of a session that holds a handoff chat, for {@code wait_for_reply}: its answer, or empty when the
     * caller holds none. Failures are thrown, for the catalog to answer under {@code wait_for_reply}'s name.
     */
    public static Optional<String> waitIfBound(Handoffs handoffs, ToolCall call, Duration timeout)
            throws InterruptedException {
        if (call.callerSessionId() == null || !handoffs.loop().isBound(call.callerSessionId())) {
            return Optional.empty();
        }
        return Optional.of(
                handoffs.loop().await(caller(call), timeout, progress(call)).toString());
    }

    /** A handoff tool's handler: the registered caller, its arguments, and the call (for progress). */
    @FunctionalInterface
    private interface Handler {
        ObjectNode handle(Handoffs.Caller who, ToolArgs in, ToolCall call) throws InterruptedException;
    }

    /** Adds a tool that answers its handler's JSON, refusing a caller that has not registered yet. */
    private static void add(ToolCatalog.Builder b, ToolSpec spec, Handler handler) {
        b.add(
                spec,
                call -> call.callerSessionId() == null
                        ? ToolResult.error(
                                spec.name() + " needs a registered session (the proxy has not registered yet)")
                        : ToolResult.ok(
                                handler.handle(caller(call), call.args(), call).toString()));
    }

    private static ObjectNode withStop(ObjectNode result, boolean stop) {
        if (stop) {
            result.put("stop_requested", true);
        }
        return result;
    }

    /**
     * The agent names a file, not a place: a name with a directory in it is refused rather than quietly cut, so the
     * agent learns that the path it expects is not where the file goes.
     */
    private static String bareFileName(String name) {
        if (name != null && (name.contains("/") || name.contains("\\") || name.equals("..") || name.equals("."))) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "file_name "
                            + LarkIds.quote(name)
                            + " must be a bare file name without directories (downloads always go "
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

    private static Duration timeout(ToolArgs in) {
        return Duration.ofSeconds(in.integer("timeout_seconds", DEFAULT_TIMEOUT_SECONDS, 0, MAX_TIMEOUT_SECONDS));
    }

    /** The card the card arguments describe. */
    private static OutgoingCard card(ToolArgs in) {
        String color = in.optionalString("color");
        CardColor c = null;
        if (color != null) {
            try {
                c = CardColor.valueOf(color.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new HandoffException(
                        HandoffException.Problem.INVALID_ARGUMENT,
                        "color '" + color + "' is not a Lark header colour (blue, green, orange, red, grey, …)");
            }
        }
        return new OutgoingCard(
                in.optionalString("message"),
                in.optionalString("title"),
                c,
                in.stringList("choices"),
                in.optionalString("input"),
                fields(in),
                in.optionalString("mention"));
    }

    private static List<FormField> fields(ToolArgs in) {
        List<FormField> out = new ArrayList<>();
        for (ToolArgs field : in.objectList("fields")) {
            String name = field.string("name");
            String label = field.optionalString("label") == null ? name : field.optionalString("label");
            out.add(
                    switch (field.string("type")) {
                        case "select" ->
                            new FormField.Select(
                                    name,
                                    label,
                                    field.stringList("options").stream()
                                            .map(v -> new FormField.Option(v, v))
                                            .toList(),
                                    field.optionalString("initial"));
                        case "checker" -> new FormField.Checker(name, label, field.bool("checked"));
                        case "input" ->
                            new FormField.Input(
                                    name,
                                    field.optionalString("placeholder") == null
                                            ? label
                                            : field.optionalString("placeholder"),
                                    field.bool("required"));
                        default ->
                            throw new HandoffException(
                                    HandoffException.Problem.INVALID_ARGUMENT,
                                    "field type '" + field.optionalString("type")
                                            + "' is not one of select, checker, input");
                    });
        }
        return out;
    }

    // ---- schemas ----

    /** The arguments of a message to the group: its text (required) and what makes it a card or a form. */
    private static ToolSchema.ObjectBuilder cardArgs() {
        return ToolSchema.object()
                .required("message", string("The text (Lark markdown). With choices, input or fields: the question."))
                .optional("title", string("A header title (a status card, or the question's title)."))
                .optional("color", string("Header colour: blue, green, orange, red, grey…"))
                .optional("choices", ToolSchema.stringArray("Answers to offer: 2 → buttons, 3+ → a drop-down form."))
                .optional("input", string("A free-text form with this placeholder."))
                .optional(
                        "fields",
                        ToolSchema.array(
                                "A multi-field form.",
                                ToolSchema.object()
                                        .required("type", oneOf("Field kind.", "select", "checker", "input"))
                                        .required("name", string("Key in the answer (letters, digits, _)."))
                                        .optional("label", string("What the user sees."))
                                        .optional("options", ToolSchema.stringArray(null))
                                        .optional("initial", string("Pre-selected option."))
                                        .optional("placeholder", string("Input placeholder."))
                                        .optional("checked", bool("Checker initially ticked."))
                                        .optional("required", bool("Input must be filled."))
                                        .build()))
                .optional(
                        "mention",
                        string("@-mention this open_id (default: the user, where the bot must be " + "@-mentioned)."));
    }

    private static ToolSpec spec(String name, String description, ToolSchema.ObjectBuilder arguments) {
        return new ToolSpec(name, description, arguments.build());
    }
}
