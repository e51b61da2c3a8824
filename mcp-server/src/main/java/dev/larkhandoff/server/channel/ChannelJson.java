package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.ServerJson;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON as the agent reads it in ownership tool results: compact in error texts, and pretty with two-space
 * indents and {@code "key": value} (no space before the colon) in status, as JavaScript's JSON.stringify does.
 */
final class ChannelJson {

    private static final JsonMapper MAPPER = ServerJson.mapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private ChannelJson() {}

    static String compact(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    static String pretty(Object value) {
        return MAPPER.writer().with(PRETTY).writeValueAsString(value);
    }
}
