package dev.larkhandoff.server.tool;

/**
 * What a tool answers: text for the agent, whether it is an error (MCP's {@code isError}), and the receipt of
 * what the text hands over. A result that hands over messages (a pull wait) is only a promise until the front
 * that carries it knows it was written to the agent; the front then calls {@link Receipt#written()}, or
 * {@link Receipt#dropped()} when the call was cancelled, its client went away or the write failed, so that what
 * the result held is handed out again instead of being lost.
 */
public record ToolResult(String text, boolean isError, Receipt receipt) {

    /** Settles what a result handed over; each front calls exactly one of the two, once. */
    public interface Receipt {
        Receipt NONE = new Receipt() {
            @Override
            public void written() {}

            @Override
            public void dropped() {}
        };

        /** The result reached the agent's transport: what it held counts as delivered. */
        void written();

        /** The result never reached the agent: what it held goes back to waiting. */
        void dropped();
    }

    public ToolResult {
        receipt = receipt == null ? Receipt.NONE : receipt;
    }

    public ToolResult(String text, boolean isError) {
        this(text, isError, Receipt.NONE);
    }

    public static ToolResult ok(String text) {
        return new ToolResult(text, false);
    }

    public static ToolResult error(String text) {
        return new ToolResult(text, true);
    }

    /** The same result, settled through {@code r}. */
    public ToolResult withReceipt(Receipt r) {
        return new ToolResult(text, isError, r);
    }

    /** Whether a front must settle this result (call {@code written} or {@code dropped}). */
    public boolean needsReceipt() {
        return receipt != Receipt.NONE;
    }
}
