package dev.larkhandoff.server.hooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Terminal output as Lark card markdown: what a terminal would finally show (carriage returns overwrite, erase-line
 * and cursor-up are applied, so progress bars collapse to their last state), with SGR colours as
 * {@code <font color='…'>} and bold as {@code **}. {@link #strip} gives the plain text for code blocks.
 */
public final class AnsiMarkdown {

    private static final Map<Integer, String> COLORS = Map.ofEntries(
            Map.entry(31, "red"),
            Map.entry(91, "red"),
            Map.entry(32, "green"),
            Map.entry(92, "green"),
            Map.entry(33, "orange"),
            Map.entry(93, "orange"),
            Map.entry(34, "blue"),
            Map.entry(94, "blue"),
            Map.entry(35, "purple"),
            Map.entry(95, "purple"),
            Map.entry(36, "wathet"),
            Map.entry(96, "wathet"),
            Map.entry(90, "grey"),
            Map.entry(37, "grey"));

    private AnsiMarkdown() {}

    /** Whether the text carries colour or bold codes (then it is worth rendering as markdown, not a code block). */
    public static boolean isStyled(String text) {
        return text != null && text.matches("(?s).*\u001B\\[[0-9;]*m.*");
    }

    /** The plain text a terminal would end up showing, without any escape codes. */
    public static String strip(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : screen(text)) {
            out.append(line.replaceAll("\u001B\\[[0-9;]*m", "")).append('\n');
        }
        return trimEnd(out);
    }

    /** The terminal's final screen as markdown: colours as font tags, bold as {@code **}, markup characters inert. */
    public static String toMarkdown(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : screen(text)) {
            out.append(styleLine(line)).append('\n');
        }
        return trimEnd(out);
    }

    /** Applies carriage returns, erase-line and cursor-up; SGR codes are kept for the styling step. */
    static List<String> screen(String text) {
        List<StringBuilder> lines = new ArrayList<>();
        lines.add(new StringBuilder());
        int row = 0;
        int col = 0;
        String t = text == null ? "" : text.replace("\r\n", "\n");
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n') {
                row++;
                col = 0;
                while (lines.size() <= row) {
                    lines.add(new StringBuilder());
                }
            } else if (c == '\r') {
                col = 0;
            } else if (c == '\u001B' && i + 1 < t.length() && t.charAt(i + 1) == '[') {
                int j = i + 2;
                while (j < t.length() && (Character.isDigit(t.charAt(j)) || t.charAt(j) == ';')) {
                    j++;
                }
                if (j >= t.length()) {
                    break;
                }
                char cmd = t.charAt(j);
                String params = t.substring(i + 2, j);
                StringBuilder line = lines.get(row);
                switch (cmd) {
                    case 'm' -> {
                        // Styles take no room on screen: kept in place for styleLine.
                        line.insert(Math.min(col, line.length()), t, i, j + 1);
                        col += j + 1 - i;
                    }
                    case 'K' -> {
                        if (params.equals("2")) {
                            line.setLength(0);
                            col = 0;
                        } else if (col < line.length()) {
                            line.setLength(col);
                        }
                    }
                    case 'A' -> {
                        int n = params.isEmpty() ? 1 : Integer.parseInt(params.split(";")[0]);
                        row = Math.max(0, row - n);
                        col = Math.min(col, lines.get(row).length());
                    }
                    case 'C' -> col += params.isEmpty() ? 1 : Integer.parseInt(params.split(";")[0]);
                    case 'D' ->
                        col = Math.max(0, col - (params.isEmpty() ? 1 : Integer.parseInt(params.split(";")[0])));
                    default -> {
                        // Other controls (absolute positioning, the screen's own erase …) are left out.
                    }
                }
                i = j;
            } else {
                StringBuilder line = lines.get(row);
                while (line.length() < col) {
                    line.append(' ');
                }
                if (col < line.length()) {
                    line.setCharAt(col, c);
                } else {
                    line.append(c);
                }
                col++;
            }
        }
        List<String> out = new ArrayList<>();
        lines.forEach(l -> out.add(l.toString()));
        return out;
    }

    private static String styleLine(String line) {
        StringBuilder out = new StringBuilder();
        String color = null;
        boolean bold = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '\u001B' && line.startsWith("[", i + 1)) {
                int end = line.indexOf('m', i);
                if (end < 0) {
                    break;
                }
                String closing = (bold ? "**" : "") + (color != null ? "</font>" : "");
                out.append(closing);
                for (String p : line.substring(i + 2, end).split(";", -1)) {
                    int code = p.isEmpty() ? 0 : Integer.parseInt(p);
                    if (code == 0) {
                        color = null;
                        bold = false;
                    } else if (code == 1) {
                        bold = true;
                    } else if (code == 22) {
                        bold = false;
                    } else if (code == 39) {
                        color = null;
                    } else if (COLORS.containsKey(code)) {
                        color = COLORS.get(code);
                    }
                }
                out.append(color != null ? "<font color='" + color + "'>" : "").append(bold ? "**" : "");
                i = end + 1;
            } else {
                out.append(
                        switch (c) {
                            case '<' -> "&#60;";
                            case '>' -> "&#62;";
                            case '*' -> "&#42;";
                            case '_' -> "&#95;";
                            case '`' -> "&#96;";
                            default -> String.valueOf(c);
                        });
                i++;
            }
        }
        out.append(bold ? "**" : "").append(color != null ? "</font>" : "");
        // A style switched on and off with nothing between leaves empty markup, which Lark would show as is.
        return out.toString().replaceAll("<font color='[a-z]+'></font>", "").replace("****", "");
    }

    private static String trimEnd(StringBuilder sb) {
        int end = sb.length();
        while (end > 0 && Character.isWhitespace(sb.charAt(end - 1))) {
            end--;
        }
        return sb.substring(0, end);
    }
}
