package dev.larkhandoff.server.hooks;

import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.server.handoff.HandoffCards;
import dev.larkhandoff.store.chat.FilterLevel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What the group sees of a tool call the agent made (PostToolUse / PostToolUseFailure), by the chat's filter level:
 * team tools always; under {@code concise} nothing else, under {@code important} all but
 * Bash, under {@code verbose} everything — a filtered call only updates the working card. Shown calls are laid out
 * by kind: an edit as removed / added blocks, a write as a summary, a command with its output (terminal colours
 * kept as Lark colours), a failure in red. The handoff's own calls are never shown. Pure: the caller posts.
 */
public final class ToolForwarding {

    /** What to do with one tool call. */
    public sealed interface Outcome {
        /** Nothing: the handoff's own call, or nothing worth showing. */
        record Skip(String why) implements Outcome {}

        /** Filtered: the working card shows this one-line summary. */
        record Working(String summary) implements Outcome {}

        /** A card for the group; {@code title} null for a card without a header. */
        record Post(String title, CardColor color, String markdown) implements Outcome {}
    }

    static final int MAX_OUTPUT = 3_000;
    private static final Set<String> ALWAYS = Set.of("TeamCreate", "SendMessage", "TeamDelete");
    private static final List<String> OWN_TOOL_PREFIXES =
            List.of("mcp__plugin_lark-handoff_", "mcp__lark-handoff__", "mcp__lark_handoff__");
    private static final Map<String, String> LANGUAGES = Map.ofEntries(
            Map.entry("java", "java"),
            Map.entry("kt", "kotlin"),
            Map.entry("py", "python"),
            Map.entry("js", "javascript"),
            Map.entry("mjs", "javascript"),
            Map.entry("ts", "typescript"),
            Map.entry("tsx", "typescript"),
            Map.entry("go", "go"),
            Map.entry("rs", "rust"),
            Map.entry("rb", "ruby"),
            Map.entry("sh", "bash"),
            Map.entry("json", "json"),
            Map.entry("yml", "yaml"),
            Map.entry("yaml", "yaml"),
            Map.entry("xml", "xml"),
            Map.entry("md", "markdown"),
            Map.entry("sql", "sql"),
            Map.entry("c", "c"),
            Map.entry("h", "c"),
            Map.entry("cpp", "cpp"),
            Map.entry("swift", "swift"),
            Map.entry("html", "html"),
            Map.entry("css", "css"));

    private ToolForwarding() {}

    /**
     * @param failed     PostToolUseFailure rather than PostToolUse
     * @param projectDir what paths are shown relative to; may be null
     */
    public static Outcome decide(JsonNode input, boolean failed, FilterLevel level, String projectDir) {
        String tool = input.path("tool_name").asString("");
        JsonNode in = input.path("tool_input");
        if (isOwnTool(tool)) {
            return new Outcome.Skip("the handoff's own tool");
        }
        if ("Bash".equals(tool)
                && isInfrastructure(
                        in.path("command").asString(""), in.path("description").asString(""))) {
            return new Outcome.Skip("the handoff's own command");
        }
        boolean filtered = !ALWAYS.contains(tool)
                && (level == FilterLevel.CONCISE || level == FilterLevel.IMPORTANT && "Bash".equals(tool));
        if (filtered) {
            return new Outcome.Working(summary(tool, in, projectDir));
        }
        if (failed) {
            if (input.path("is_interrupt").asBoolean(false)) {
                return new Outcome.Skip("interrupted by the user");
            }
            return failure(tool, in, input.path("error").asString(""), projectDir);
        }
        return success(tool, in, input.path("tool_response"), projectDir);
    }

    /** Whether a tool name is one of lark-handoff's own, as Claude Code names plugin and user-scope MCP tools. */
    public static boolean isOwnTool(String toolName) {
        return OWN_TOOL_PREFIXES.stream().anyMatch(toolName::startsWith);
    }

    /** A one-line summary of a call, for the working card. */
    public static String summary(String tool, JsonNode in, String projectDir) {
        return switch (tool) {
            case "Bash" ->
                "$ "
                        + cut(
                                first(
                                        in.path("description").asString(""),
                                        in.path("command").asString("")),
                                80);
            case "Edit", "MultiEdit", "Write", "Read", "NotebookEdit" ->
                tool + ": "
                        + relative(
                                in.path("file_path")
                                        .asString(in.path("notebook_path").asString("")),
                                projectDir);
            case "Grep", "Glob" -> tool + ": " + cut(in.path("pattern").asString(""), 80);
            default -> tool;
        };
    }

    private static boolean isInfrastructure(String command, String description) {
        String both = command + " " + description;
        String desc = description.toLowerCase(Locale.ROOT);
        return both.contains("lark-handoff")
                || both.contains("LARK_HANDOFF_")
                || (desc.contains("check") || desc.contains("poll"))
                        && List.of("reply", "latest", "output", "status", "log", "agent").stream()
                                .anyMatch(desc::contains)
                || command.contains("/tasks/") && command.contains(".output")
                || desc.contains("send") && (desc.contains("to group") || desc.contains("to lark"));
    }

    private static Outcome failure(String tool, JsonNode in, String error, String projectDir) {
        String title = switch (tool) {
            case "Bash" ->
                "$ "
                        + cut(
                                first(
                                        in.path("description").asString(""),
                                        in.path("command").asString("")),
                                70);
            case "Edit", "MultiEdit", "Write", "Read" ->
                tool + ": " + relative(in.path("file_path").asString(""), projectDir);
            default -> tool + " failed";
        };
        return new Outcome.Post(
                title,
                CardColor.RED,
                "<font color='red'>Error:</font>\n" + fence(cut(AnsiMarkdown.strip(error), MAX_OUTPUT), ""));
    }

    private static Outcome success(String tool, JsonNode in, JsonNode response, String projectDir) {
        switch (tool) {
            case "Edit" -> {
                return edit(in.path("file_path").asString(""), List.of(in), projectDir);
            }
            case "MultiEdit" -> {
                List<JsonNode> edits = new ArrayList<>();
                in.path("edits").forEach(edits::add);
                return edit(in.path("file_path").asString(""), edits, projectDir);
            }
            case "Write" -> {
                String content = in.path("content").asString("");
                long lines = content.isEmpty() ? 0 : content.lines().count();
                return new Outcome.Post(
                        null,
                        CardColor.GREY,
                        "**Write: "
                                + HandoffCards.escape(
                                        relative(in.path("file_path").asString(""), projectDir)) + "**\nCreated file ("
                                + lines + " lines)");
            }
            case "Bash" -> {
                return bash(in, response);
            }
            case "TeamCreate" -> {
                List<String> members = new ArrayList<>();
                in.path("members")
                        .forEach(m -> members.add(
                                m.isString() ? m.asString() : m.path("name").asString("")));
                return new Outcome.Post(
                        null,
                        CardColor.GREY,
                        "**Team created: "
                                + HandoffCards.escape(in.path("team_name")
                                        .asString(in.path("name").asString(""))) + "**"
                                + (members.isEmpty() ? "" : "\n" + HandoffCards.escape(String.join(", ", members))));
            }
            case "SendMessage" -> {
                String to =
                        first(in.path("recipient").asString(""), in.path("to").asString(""));
                String text = first(
                        in.path("summary").asString(""), in.path("message").asString(""));
                return new Outcome.Post(
                        null,
                        CardColor.GREY,
                        to.isEmpty()
                                ? "**Broadcast:** " + HandoffCards.escape(cut(text, 300))
                                : "→ " + HandoffCards.escape(to) + ": " + HandoffCards.escape(cut(text, 300)));
            }
            case "TeamDelete" -> {
                return new Outcome.Post(null, CardColor.GREY, "**Team dissolved**");
            }
            default -> {
                return new Outcome.Skip("no formatter for " + tool);
            }
        }
    }

    private static Outcome edit(String file, List<JsonNode> edits, String projectDir) {
        List<String> removed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (JsonNode e : edits) {
            LineDiff d = LineDiff.of(
                    e.path("old_string").asString(""), e.path("new_string").asString(""));
            removed.addAll(d.removed());
            added.addAll(d.added());
        }
        if (removed.isEmpty() && added.isEmpty()) {
            return new Outcome.Skip("the edit changed nothing");
        }
        String lang = language(file);
        StringBuilder md = new StringBuilder("**Edit: ")
                .append(HandoffCards.escape(relative(file, projectDir)))
                .append("**");
        if (!removed.isEmpty()) {
            md.append("\n<font color='red'>Removed:</font>\n")
                    .append(fence(cut(String.join("\n", removed), MAX_OUTPUT / 2), lang));
        }
        if (!added.isEmpty()) {
            md.append("\n<font color='green'>Added:</font>\n")
                    .append(fence(cut(String.join("\n", added), MAX_OUTPUT / 2), lang));
        }
        return new Outcome.Post(null, CardColor.GREY, md.toString());
    }

    private static Outcome bash(JsonNode in, JsonNode response) {
        String stdout = response.path("stdout").asString(response.isString() ? response.asString() : "");
        String stderr = response.path("stderr").asString("");
        String output = stderr.isEmpty() ? stdout : stdout.isEmpty() ? stderr : stdout + "\n" + stderr;
        int exit = response.path("exit_code").asInt(response.path("exitCode").asInt(0));
        if (output.isBlank() && exit == 0) {
            return new Outcome.Skip("no output");
        }
        String label = "**$ "
                + HandoffCards.escape(cut(
                        first(
                                in.path("description").asString(""),
                                in.path("command").asString("")),
                        80))
                + "**";
        String body;
        String plain = AnsiMarkdown.strip(output);
        if (plain.startsWith("diff --git")) {
            LineDiff d = gitDiff(plain);
            body = "<font color='red'>Removed:</font>\n"
                    + fence(cut(String.join("\n", d.removed()), MAX_OUTPUT / 2), "diff")
                    + "\n<font color='green'>Added:</font>\n"
                    + fence(cut(String.join("\n", d.added()), MAX_OUTPUT / 2), "diff");
        } else if (AnsiMarkdown.isStyled(output)) {
            // Colours survive only outside a code block, so coloured output is sent as (inert) text.
            body = cut(AnsiMarkdown.toMarkdown(output), MAX_OUTPUT);
        } else {
            body = fence(cut(plain, MAX_OUTPUT), "");
        }
        return new Outcome.Post(null, CardColor.GREY, label + "\n" + body + (exit != 0 ? "\nExit code: " + exit : ""));
    }

    private static LineDiff gitDiff(String diff) {
        List<String> removed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (String line : diff.split("\n")) {
            if (line.startsWith("-") && !line.startsWith("---")) {
                removed.add(line.substring(1));
            } else if (line.startsWith("+") && !line.startsWith("+++")) {
                added.add(line.substring(1));
            }
        }
        return new LineDiff(removed, added);
    }

    static String language(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? "" : LANGUAGES.getOrDefault(file.substring(dot + 1).toLowerCase(Locale.ROOT), "");
    }

    private static String fence(String text, String lang) {
        // A fence inside the text would end the block early; the text keeps its look with the backticks spaced.
        return "```" + lang + "\n" + text.replace("```", "` ` `") + "\n```";
    }

    private static String relative(String file, String projectDir) {
        if (projectDir == null || file.isEmpty()) {
            return file;
        }
        try {
            Path p = Path.of(file);
            Path base = Path.of(projectDir);
            return p.isAbsolute() && p.startsWith(base) ? base.relativize(p).toString() : file;
        } catch (RuntimeException e) {
            return file;
        }
    }

    private static String first(String a, String b) {
        return a == null || a.isBlank() ? (b == null ? "" : b) : a;
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
