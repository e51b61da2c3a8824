package dev.larkhandoff.server.handoff;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A file name made from an untrusted one (a name someone gave the file they sent): only the last path segment,
 * no control or invisible formatting characters, nothing but letters, digits and a few punctuation marks, no
 * leading dots (no hidden files, no {@code ..}), a short alphanumeric extension kept, at most {@link #MAX_BYTES}
 * bytes of UTF-8 with room left for a {@code -N} suffix. It can only ever name a file inside the directory it is
 * resolved against.
 *
 * @param base      never empty
 * @param extension without its dot; "" for none
 */
record SafeFileName(String base, String extension) {

    /** Below the 255-byte name limit of common file systems, leaving room for a {@code -NNNNN} suffix. */
    static final int MAX_BYTES = 200;

    private static final Pattern UNSAFE = Pattern.compile("[^\\p{L}\\p{M}\\p{N} ._()\\[\\]+,=@-]");
    private static final Pattern EXTENSION = Pattern.compile("[A-Za-z0-9]{1,10}");

    /** The safe form of {@code untrusted}; {@code fallback} (itself made safe) when nothing usable is left. */
    static SafeFileName of(String untrusted, String fallback) {
        SafeFileName name = sanitise(untrusted);
        if (name != null) {
            return name;
        }
        SafeFileName other = sanitise(fallback);
        return other != null ? other : new SafeFileName("file", "");
    }

    private static SafeFileName sanitise(String untrusted) {
        if (untrusted == null) {
            return null;
        }
        String s = untrusted.replace('\\', '/');
        s = s.substring(s.lastIndexOf('/') + 1);
        StringBuilder visible = new StringBuilder();
        s.codePoints().filter(SafeFileName::visible).forEach(visible::appendCodePoint);
        s = UNSAFE.matcher(visible).replaceAll("_");
        s = trim(s);
        String base = s;
        String extension = "";
        int dot = s.lastIndexOf('.');
        if (dot > 0 && EXTENSION.matcher(s.substring(dot + 1)).matches()) {
            base = trim(s.substring(0, dot));
            extension = s.substring(dot + 1);
        }
        if (base.isEmpty()) {
            return null;
        }
        int room = MAX_BYTES - (extension.isEmpty() ? 0 : extension.length() + 1);
        return new SafeFileName(truncate(base, room), extension);
    }

    /** Control characters, and formatting ones such as right-to-left overrides that disguise an extension. */
    private static boolean visible(int cp) {
        int type = Character.getType(cp);
        return !Character.isISOControl(cp)
                && type != Character.FORMAT
                && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.SURROGATE
                && type != Character.PRIVATE_USE
                && type != Character.UNASSIGNED;
    }

    /** No leading dots or spaces (hidden files, {@code ..}), no trailing ones (which some systems drop). */
    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == '.' || s.charAt(start) == ' ')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        return s.substring(start, end);
    }

    private static String truncate(String s, int maxBytes) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > maxBytes) {
                break;
            }
            out.appendCodePoint(cp);
            bytes += size;
            i += Character.charCount(cp);
        }
        return trim(out.toString());
    }

    /** {@code base.ext}. */
    String name() {
        return extension.isEmpty() ? base : base + "." + extension;
    }

    /** {@code base-n.ext}: the n-th alternative when the name is taken. */
    String numbered(int n) {
        String b = base + "-" + n;
        return extension.isEmpty() ? b : b + "." + extension;
    }

    SafeFileName withExtension(String newExtension) {
        return new SafeFileName(base, newExtension);
    }
}
