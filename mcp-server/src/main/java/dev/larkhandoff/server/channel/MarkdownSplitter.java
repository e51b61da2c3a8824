package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.channel.MarkdownLine.Kind;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts Markdown into parts that each weigh at most a budget. Parts end at paragraph boundaries where that
 * keeps them reasonably full, else at line boundaries; a fenced code block is kept whole when it fits in
 * one part, and otherwise closed at the end of a part and reopened (with its info string) at the start of
 * the next. Only a single line heavier than a whole part is cut inside, between characters (grapheme
 * clusters, so never inside a surrogate pair or before a combining mark), preferably after whitespace, and
 * never inside a card mention tag.
 */
final class MarkdownSplitter {

    /** How good a place to cut is, from worst to best. */
    private static final int INSIDE_LINE = 0;

    private static final int INSIDE_FENCE = 1;
    private static final int LINE = 2;
    private static final int PARAGRAPH = 3;

    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}(\\s.*)?$");
    private static final Pattern MENTION_TAG = Pattern.compile("<at id=[^>]*></at>");
    private static final int ZWJ = 0x200D;

    private final int budget;
    private final ToIntFunction<String> cost;
    private final int newline;

    /** A run of a line: the whole line, or one of the pieces of a line too heavy for a part. */
    private record Piece(
            String text,
            MarkdownLine line,
            boolean fenceOpenBefore,
            boolean fenceOpenAfter,
            boolean joinsNext,
            int cost) {}

    /**
     * @param budget the most a part may weigh, including any fence lines added to close or reopen a block
     * @param cost   what a piece of text weighs; must be additive over concatenation
     */
    MarkdownSplitter(int budget, ToIntFunction<String> cost) {
        this.budget = budget;
        this.cost = cost;
        this.newline = cost.applyAsInt("\n");
    }

    /** The parts, in order; one part (the text unchanged) when it fits. */
    List<String> split(List<MarkdownLine> lines) {
        List<Piece> pieces = pieces(lines);
        int n = pieces.size();
        long[] upTo = new long[n + 1];
        for (int i = 0; i < n; i++) {
            upTo[i + 1] = upTo[i] + pieces.get(i).cost() + separator(pieces, i);
        }
        Weigher weigher = new Weigher(pieces, upTo);
        List<String> parts = new ArrayList<>();
        int start = 0;
        while (start < n) {
            int end = start + 1;
            while (end < n && weigher.weight(start, end + 1) <= budget) {
                end++;
            }
            int cut = end == n ? n : cutBetween(weigher, start, end);
            parts.add(render(pieces, start, cut));
            start = cut;
        }
        return parts;
    }

    /** Where to end a part that starts at {@code start} and could hold pieces up to, not including, {@code end}. */
    private int cutBetween(Weigher w, int start, int end) {
        int half = budget / 2;
        int best = w.latest(start, end, PARAGRAPH, half);
        if (best < 0) {
            best = w.latest(start, end, LINE, half);
        }
        if (best >= 0) {
            return best;
        }
        if (!w.pieces.get(end).fenceOpenBefore()) {
            best = w.latest(start, end, LINE, 0);
        } else {
            // The part would end inside a code block. If the block fits in a part of its own, end the part
            // before the block instead of cutting it.
            int open = w.fenceStart(end);
            if (open > start && w.weight(open, w.fenceEnd(end) + 1) <= budget) {
                return open;
            }
            best = w.latest(start, end, INSIDE_FENCE, 0);
            if (best < 0) {
                best = w.latest(start, end, LINE, 0);
            }
        }
        return best >= 0 ? best : end;
    }

    private final class Weigher {
        final List<Piece> pieces;
        final long[] upTo;

        Weigher(List<Piece> pieces, long[] upTo) {
            this.pieces = pieces;
            this.upTo = upTo;
        }

        /** The weight of a part holding pieces [from, to), with the fence lines it would need. */
        long weight(int from, int to) {
            return reopenCost(pieces.get(from))
                    + upTo[to]
                    - upTo[from]
                    - separator(pieces, to - 1)
                    + closeCost(pieces.get(to - 1));
        }

        /** The latest cut in (start, end] of at least this rank whose part weighs at least {@code fill}, or -1. */
        int latest(int start, int end, int rank, int fill) {
            for (int cut = end; cut > start; cut--) {
                if (rank(pieces.get(cut - 1), pieces.get(cut)) >= rank && weight(start, cut) >= fill) {
                    return cut;
                }
            }
            return -1;
        }

        /** The index of the opening line of the fence that holds piece {@code i}. */
        int fenceStart(int i) {
            while (i > 0 && pieces.get(i).fenceOpenBefore()) {
                i--;
            }
            return i;
        }

        /** The index of the closing line of the fence that holds piece {@code i} (the last piece if it never closes). */
        int fenceEnd(int i) {
            while (i < pieces.size() - 1 && pieces.get(i).fenceOpenAfter()) {
                i++;
            }
            return i;
        }
    }

    private static int rank(Piece before, Piece after) {
        if (before.joinsNext()) {
            return INSIDE_LINE;
        }
        if (before.fenceOpenAfter()) {
            // Right after the opening line or right before the closing one would leave an empty block behind.
            boolean betweenCode =
                    before.line().kind() == Kind.CODE && after.line().kind() == Kind.CODE;
            return betweenCode ? INSIDE_FENCE : INSIDE_LINE;
        }
        Kind b = before.line().kind();
        Kind a = after.line().kind();
        boolean paragraph = b == Kind.BLANK
                || b == Kind.FENCE_CLOSE
                || a == Kind.FENCE_OPEN
                || a == Kind.TEXT && HEADING.matcher(after.text()).matches();
        return paragraph ? PARAGRAPH : LINE;
    }

    private int separator(List<Piece> pieces, int i) {
        return i < pieces.size() - 1 && !pieces.get(i).joinsNext() ? newline : 0;
    }

    private int reopenCost(Piece first) {
        return first.fenceOpenBefore() ? cost.applyAsInt(first.line().opener()) + newline : 0;
    }

    private int closeCost(Piece last) {
        return last.fenceOpenAfter() ? newline + cost.applyAsInt(last.line().closer()) : 0;
    }

    private static String render(List<Piece> pieces, int from, int to) {
        StringBuilder part = new StringBuilder();
        Piece first = pieces.get(from);
        if (first.fenceOpenBefore()) {
            part.append(first.line().opener()).append('\n');
        }
        for (int i = from; i < to; i++) {
            Piece p = pieces.get(i);
            part.append(p.text());
            if (i < to - 1 && !p.joinsNext()) {
                part.append('\n');
            }
        }
        Piece last = pieces.get(to - 1);
        if (last.fenceOpenAfter()) {
            part.append('\n').append(last.line().closer());
        }
        return part.toString();
    }

    /** Every line as one piece, except lines too heavy for a part, which are cut into several. */
    private List<Piece> pieces(List<MarkdownLine> lines) {
        List<Piece> pieces = new ArrayList<>();
        for (MarkdownLine line : lines) {
            Kind kind = line.kind();
            int fenceLines =
                    line.isCode() ? cost.applyAsInt(line.opener()) + cost.applyAsInt(line.closer()) + 2 * newline : 0;
            int max = budget - fenceLines;
            int weight = cost.applyAsInt(line.text());
            if (weight <= max || max <= 0) {
                pieces.add(new Piece(line.text(), line, kind.fenceOpenBefore(), kind.fenceOpenAfter(), false, weight));
                continue;
            }
            List<String> cuts = cut(line.text(), max);
            boolean code = kind == Kind.CODE;
            for (int k = 0; k < cuts.size(); k++) {
                boolean lastCut = k == cuts.size() - 1;
                String text = cuts.get(k);
                pieces.add(new Piece(
                        text,
                        line,
                        k == 0 ? kind.fenceOpenBefore() : code,
                        lastCut ? kind.fenceOpenAfter() : code,
                        !lastCut,
                        cost.applyAsInt(text)));
            }
        }
        return pieces;
    }

    /** Cuts one line into runs of at most {@code max}, between characters, after whitespace where it can. */
    private List<String> cut(String text, int max) {
        List<String> runs = new ArrayList<>();
        int start = 0;
        int used = 0;
        int afterSpace = -1;
        int usedAtSpace = 0;
        for (int[] atom : atoms(text)) {
            int from = atom[0];
            int to = atom[1];
            int weight = cost.applyAsInt(text.substring(from, to));
            if (used + weight > max && used > 0) {
                boolean atSpace = afterSpace > start && usedAtSpace >= max / 2;
                int at = atSpace ? afterSpace : from;
                runs.add(text.substring(start, at));
                used = atSpace ? used - usedAtSpace : 0;
                start = at;
                afterSpace = -1;
            }
            used += weight;
            if (Character.isWhitespace(text.codePointAt(from))) {
                afterSpace = to;
                usedAtSpace = used;
            }
        }
        runs.add(text.substring(start));
        return runs;
    }

    /** The units a line may be cut between: grapheme clusters, and mention tags as a whole. */
    private static List<int[]> atoms(String text) {
        List<int[]> tags = new ArrayList<>();
        Matcher tag = MENTION_TAG.matcher(text);
        while (tag.find()) {
            tags.add(new int[] {tag.start(), tag.end()});
        }
        BreakIterator graphemes = BreakIterator.getCharacterInstance(Locale.ROOT);
        graphemes.setText(text);
        List<int[]> atoms = new ArrayList<>();
        int next = 0;
        int i = 0;
        while (i < text.length()) {
            while (next < tags.size() && tags.get(next)[0] < i) {
                next++;
            }
            int end = next < tags.size() && tags.get(next)[0] == i
                    ? tags.get(next)[1]
                    : withEmojiSequence(text, i, graphemes.following(i));
            atoms.add(new int[] {i, end});
            i = end;
        }
        return atoms;
    }

    /**
     * Extends a grapheme over the rest of an emoji sequence, which Java 17's break iterator does not know: skin
     * tones, variation selectors, tags, anything joined by a zero-width joiner, and the second half of a flag.
     */
    private static int withEmojiSequence(String text, int start, int end) {
        boolean flag = end - start == 2 && isRegionalIndicator(text.codePointAt(start));
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            boolean continues = cp == ZWJ
                    || cp >= 0xFE00 && cp <= 0xFE0F
                    || cp >= 0x1F3FB && cp <= 0x1F3FF
                    || cp >= 0xE0020 && cp <= 0xE007F
                    || text.codePointBefore(end) == ZWJ
                    || flag && isRegionalIndicator(cp);
            if (!continues) {
                break;
            }
            flag = false;
            end += Character.charCount(cp);
        }
        return end;
    }

    private static boolean isRegionalIndicator(int cp) {
        return cp >= 0x1F1E6 && cp <= 0x1F1FF;
    }
}
