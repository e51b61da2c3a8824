package dev.larkhandoff.server.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of Markdown and where it stands relative to fenced code blocks.
 *
 * @param opener the opening line of the fence this line belongs to (for fence lines), else null
 * @param closer the line that closes that fence (same indent, character and length as the opener), else null
 */
record MarkdownLine(String text, Kind kind, String opener, String closer) {

    /** What a line is: prose, a blank line, or part of a fenced code block. */
    enum Kind {
        TEXT,
        BLANK,
        FENCE_OPEN,
        CODE,
        FENCE_CLOSE;

        /** Whether a fence is open right before a line of this kind. */
        boolean fenceOpenBefore() {
            return this == CODE || this == FENCE_CLOSE;
        }

        /** Whether a fence is still open right after a line of this kind. */
        boolean fenceOpenAfter() {
            return this == FENCE_OPEN || this == CODE;
        }
    }

    /** CommonMark fences: up to three spaces of indent, then three or more backticks or tildes. */
    private static final Pattern OPENING = Pattern.compile("^( {0,3})(`{3,}|~{3,})(.*)$");

    private static final Pattern CLOSING = Pattern.compile("^ {0,3}(`{3,}|~{3,})[ \\t]*$");

    /** Splits text on {@code \n} (so joining the lines with {@code \n} gives the text back) and tracks fences. */
    static List<MarkdownLine> parse(String text) {
        List<MarkdownLine> lines = new ArrayList<>();
        String opener = null;
        String marker = null;
        String closer = null;
        for (String line : text.split("\n", -1)) {
            if (opener == null) {
                Matcher open = OPENING.matcher(line);
                // A backtick fence's info string may not contain a backtick, or it would be inline code.
                if (open.matches()
                        && !(open.group(2).charAt(0) == '`' && open.group(3).contains("`"))) {
                    opener = line;
                    marker = open.group(2);
                    closer = open.group(1) + marker;
                    lines.add(new MarkdownLine(line, Kind.FENCE_OPEN, opener, closer));
                } else {
                    lines.add(new MarkdownLine(line, line.isBlank() ? Kind.BLANK : Kind.TEXT, null, null));
                }
            } else {
                Matcher close = CLOSING.matcher(line);
                boolean closes = close.matches()
                        && close.group(1).charAt(0) == marker.charAt(0)
                        && close.group(1).length() >= marker.length();
                lines.add(new MarkdownLine(line, closes ? Kind.FENCE_CLOSE : Kind.CODE, opener, closer));
                if (closes) {
                    opener = null;
                }
            }
        }
        return lines;
    }

    /** The same line with other text (a converted mention, a piece of a line cut in two). */
    MarkdownLine withText(String newText) {
        return new MarkdownLine(newText, kind, opener, closer);
    }

    /** Whether this line is code, where Markdown syntax such as mentions must stay literal. */
    boolean isCode() {
        return kind != Kind.TEXT && kind != Kind.BLANK;
    }
}
