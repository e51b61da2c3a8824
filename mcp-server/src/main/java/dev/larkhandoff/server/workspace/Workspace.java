package dev.larkhandoff.server.workspace;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A project on a machine as the handoff sees it: its id, carried in its groups' descriptions as
 * {@code workspace:<id>}, and the names its groups get ({@code <worktree>@<machine>}, then
 * {@code <worktree>2@<machine>} …).
 *
 * @param id       {@code <machine>-<folder>}; one token (no whitespace), so the tag matches as a whole word
 * @param worktree the git worktree's name (else branch or folder name), as the caller found it
 * @param machine  the machine's name, as the caller found it
 */
public record Workspace(String id, String worktree, String machine) {

    public static final String TAG_PREFIX = "workspace:";
    private static final Pattern ANY_TAG = Pattern.compile("(?<!\\S)" + TAG_PREFIX + "(\\S+)");

    public Workspace {
        id = required(id, "workspace id");
        worktree = required(worktree, "worktree name");
        machine = required(machine, "machine name");
        if (id.chars().anyMatch(Character::isWhitespace)) {
            throw bad("workspace id '" + id + "' must not contain whitespace");
        }
        if (worktree.contains("@")) {
            // The '@' separates worktree from machine in group names; a second one would make names ambiguous.
            throw bad("worktree name '" + worktree + "' must not contain '@'");
        }
    }

    /**
     * The workspace of a project directory on a machine; its id is the machine name, a dash, then the
     * directory with every {@code /} turned into {@code -} and outer dashes dropped.
     */
    public static Workspace of(String worktree, String machine, Path projectDir) {
        String machineToken = required(machine, "machine name").replaceAll("\\s+", "-");
        String folder = projectDir
                .toAbsolutePath()
                .normalize()
                .toString()
                .replace('\\', '/')
                .replace('/', '-')
                .replaceAll("\\s+", "-")
                .replaceAll("^-+|-+$", "");
        return new Workspace(machineToken + "-" + folder, worktree, machine);
    }

    /** The description tag that marks this workspace's groups. */
    public String tag() {
        return TAG_PREFIX + id;
    }

    /** Whether a chat description carries this workspace's tag as a whole token ({@code workspace:a-b} is not {@code workspace:a-b-c}). */
    public boolean tags(String description) {
        return description != null
                && Pattern.compile("(?<!\\S)" + Pattern.quote(tag()) + "(?!\\S)")
                        .matcher(description)
                        .find();
    }

    /** The workspace id a description carries, if any. */
    public static Optional<String> idIn(String description) {
        if (description == null) {
            return Optional.empty();
        }
        Matcher m = ANY_TAG.matcher(description);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The first group's name, {@code <worktree>@<machine>}. */
    public String groupName() {
        return groupName(1);
    }

    /** The name of group number {@code n}: the first has no number, later ones {@code <worktree>N@<machine>}. */
    public String groupName(int n) {
        return n <= 1 ? worktree + "@" + machine : worktree + n + "@" + machine;
    }

    /** Which group of this workspace a name is (1 for {@code <worktree>@<machine>}), if it is one at all. */
    public OptionalInt numberOf(String name) {
        String prefix = worktree;
        String suffix = "@" + machine;
        if (name == null
                || !name.startsWith(prefix)
                || !name.endsWith(suffix)
                || name.length() < prefix.length() + suffix.length()) {
            return OptionalInt.empty();
        }
        String middle = name.substring(prefix.length(), name.length() - suffix.length());
        if (middle.isEmpty()) {
            return OptionalInt.of(1);
        }
        if (!middle.matches("[1-9][0-9]{0,8}")) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(middle));
    }

    /** The name for a new group: one more than the highest number among the names already in use. */
    public String nextGroupName(Collection<String> existingNames) {
        int highest = existingNames.stream()
                .map(this::numberOf)
                .filter(OptionalInt::isPresent)
                .mapToInt(OptionalInt::getAsInt)
                .max()
                .orElse(0);
        return groupName(highest + 1);
    }

    private static String required(String value, String what) {
        if (value == null || value.isBlank()) {
            throw bad(what + " is required");
        }
        return value.strip();
    }

    private static WorkspaceException bad(String message) {
        return new WorkspaceException(WorkspaceException.Problem.BAD_ARGUMENT, message);
    }
}
