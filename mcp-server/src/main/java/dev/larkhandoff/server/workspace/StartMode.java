package dev.larkhandoff.server.workspace;

import java.util.Locale;

/** How a handoff start picks its group. */
public enum StartMode {
    /** An idle group, else a new one when there are none, else the occupied groups as choices. */
    DEFAULT,
    /** An idle group, else a new one; never asks. */
    NO_ASK,
    /** Always a new group. */
    NEW;

    /** The mode a tool argument names: {@code default}, {@code no-ask} or {@code new}; null or blank is the default. */
    public static StartMode of(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "default" -> DEFAULT;
            case "no-ask" -> NO_ASK;
            case "new" -> NEW;
            default ->
                throw new WorkspaceException(
                        WorkspaceException.Problem.BAD_ARGUMENT,
                        "mode '" + value + "' is not one of default, no-ask, new");
        };
    }
}
