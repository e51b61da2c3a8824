package dev.larkhandoff.server.tool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One way to declare a tool: arguments read by name, and every failure answered in one place. */
class ToolCatalogTest {

    private static final ToolSpec ECHO = new ToolSpec(
            "echo",
            "Echoes.",
            ToolSchema.object()
                    .required("text", ToolSchema.string("What to echo."))
                    .optional("times", ToolSchema.integer(1, 3, "How often."))
                    .build());

    private static final class Refused extends RuntimeException implements ToolFailure {
        private final Reads reads;

        Refused(Reads reads, String message) {
            super(message);
            this.reads = reads;
        }

        @Override
        public Reads reads() {
            return reads;
        }
    }

    private static ToolResult call(ToolCatalog catalog, Map<String, Object> args) {
        return catalog.call("echo", ToolCall.of("s1", args));
    }

    private static ToolCatalog throwing(Exception e) {
        return ToolCatalog.builder()
                .add(ECHO, call -> {
                    if (e instanceof InterruptedException ie) {
                        throw ie;
                    }
                    throw (RuntimeException) e;
                })
                .build();
    }

    @Test
    void given_bad_arguments_then_one_shape_names_the_argument() {
        ToolCatalog echo = ToolCatalog.builder()
                .add(ECHO, call -> {
                    ToolArgs in = call.args();
                    String text = in.string("text");
                    int times = in.integer("times", 1, 1, 3);
                    List<ToolArgs> parts = in.objectList("parts");
                    parts.forEach(p -> p.string("name"));
                    return ToolResult.ok(text.repeat(times));
                })
                .build();

        assertThat(call(echo, Map.of("text", "ab", "times", 2))).isEqualTo(ToolResult.ok("abab"));
        assertThat(call(echo, Map.of())).isEqualTo(ToolResult.error("missing or empty required argument: text"));
        assertThat(call(echo, Map.of("text", " ")))
                .isEqualTo(ToolResult.error("missing or empty required argument: text"));
        assertThat(call(echo, Map.of("text", 42))).isEqualTo(ToolResult.error("argument text must be a string"));
        assertThat(call(echo, Map.of("text", "a", "times", 1.5)))
                .isEqualTo(ToolResult.error("argument times must be a whole number from 1 to 3, got 1.5"));
        assertThat(call(echo, Map.of("text", "a", "parts", List.of(Map.of("name", "x"), Map.of()))))
                .isEqualTo(ToolResult.error("missing or empty required argument: parts[1].name"));
    }

    @Test
    void given_a_domain_failure_then_it_reads_as_it_says() {
        assertThat(call(throwing(new Refused(ToolFailure.Reads.MESSAGE, "no")), Map.of()))
                .isEqualTo(ToolResult.error("no"));
        assertThat(call(throwing(new Refused(ToolFailure.Reads.AFTER_TOOL_NAME, "no")), Map.of()))
                .isEqualTo(ToolResult.error("echo: no"));
        assertThat(call(throwing(new Refused(ToolFailure.Reads.AS_FAILURE, "no")), Map.of()))
                .isEqualTo(ToolResult.error("echo failed: no"));
        assertThat(call(throwing(new Refused(ToolFailure.Reads.AS_ANSWER, "{}")), Map.of()))
                .isEqualTo(ToolResult.ok("{}"));
    }

    @Test
    void given_anything_else_then_a_bad_argument_reads_alone_and_the_rest_as_the_tools_failure() {
        assertThat(call(throwing(new IllegalArgumentException("bad")), Map.of()))
                .isEqualTo(ToolResult.error("bad"));
        assertThat(call(throwing(new IllegalStateException("bug")), Map.of()))
                .isEqualTo(ToolResult.error("echo failed: bug"));
        assertThat(call(throwing(new InterruptedException()), Map.of()))
                .isEqualTo(ToolResult.error("echo was interrupted (the daemon is shutting down); call it again"));
        assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
        assertThat(ToolCatalog.builder().build().call("nope", ToolCall.of("s1", Map.of())))
                .isEqualTo(ToolResult.error("Unknown tool: nope"));
    }

    @Test
    void given_a_schema_then_properties_keep_their_order_and_required_lists_the_required() {
        Map<String, Object> schema = ToolSchema.object()
                .optional("b", ToolSchema.bool("B."))
                .required("a", ToolSchema.oneOf("A.", "x", "y"))
                .build();
        assertThat(List.copyOf(((Map<?, ?>) schema.get("properties")).keySet())).isEqualTo(List.of("b", "a"));
        assertThat(schema).containsEntry("type", "object").containsEntry("required", List.of("a"));
        assertThat(ToolSchema.none())
                .isEqualTo(Map.of("type", "object", "properties", Map.of(), "required", List.of()));
    }
}
