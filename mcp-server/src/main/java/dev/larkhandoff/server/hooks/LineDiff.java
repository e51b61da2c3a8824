package dev.larkhandoff.server.hooks;

import java.util.ArrayList;
import java.util.List;

/** The lines an edit removed and added, by a longest-common-subsequence line diff (edits are small). */
public record LineDiff(List<String> removed, List<String> added) {

    /** Above this many lines on a side, the whole old and new text are shown instead of an LCS table. */
    private static final int MAX_LINES = 2_000;

    public LineDiff {
        removed = List.copyOf(removed);
        added = List.copyOf(added);
    }

    public static LineDiff of(String before, String after) {
        String[] a = lines(before);
        String[] b = lines(after);
        if (a.length > MAX_LINES || b.length > MAX_LINES) {
            return new LineDiff(List.of(a), List.of(b));
        }
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> removed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length && j < b.length) {
            if (a[i].equals(b[j])) {
                i++;
                j++;
            } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
                removed.add(a[i++]);
            } else {
                added.add(b[j++]);
            }
        }
        while (i < a.length) {
            removed.add(a[i++]);
        }
        while (j < b.length) {
            added.add(b[j++]);
        }
        return new LineDiff(removed, added);
    }

    public boolean isEmpty() {
        return removed.isEmpty() && added.isEmpty();
    }

    private static String[] lines(String s) {
        return s == null || s.isEmpty() ? new String[0] : s.split("\n", -1);
    }
}
