package dev.larkhandoff.store.inbox;

import static dev.larkhandoff.store.jooq.Tables.INBOX;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.OpenStoreTest;
import dev.larkhandoff.store.StoreBackends;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;

/**
 * Every stored event reads the pending rows again, so that read must find them through the partial index
 * {@code inbox_pending_in_order} and not by scanning an inbox that keeps every event ever received. The plan checked
 * is the one a prepared statement reuses whatever values are bound to it (PostgreSQL's generic plan, which it
 * settles on after a few runs): with the state bound as a parameter, that plan scans the whole table.
 */
@StoreBackends
class PendingIndexTest extends OpenStoreTest {

    @Test
    void given_a_large_delivered_history_when_the_pending_rows_are_read_then_the_partial_index_finds_them() {
        InboxRepository inbox = store.inbox();
        List<InboxEvent> history = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            history.add(InboxEvent.of("e" + i, "im.message.receive_v1", "{\"n\":" + i + "}"));
        }
        inbox.insertAllIfAbsent(history);
        store.database()
                .write(ctx -> ctx.update(INBOX)
                        .set(INBOX.DELIVERY_STATE, DeliveryState.DELIVERED.column())
                        .execute());
        inbox.insertAllIfAbsent(List.of(
                InboxEvent.of("new-1", "im.message.receive_v1", "{}"),
                InboxEvent.of("new-2", "im.message.receive_v1", "{}")));
        if (store.database().dialect() == SQLDialect.POSTGRES) {
            store.database().write(ctx -> ctx.execute("ANALYZE inbox"));
        }

        String plan = store.database().read(ctx -> ctx.connectionResult(c -> reusablePlan(ctx, c)));

        assertThat(plan).as("the plan of the pending rows' read").contains("inbox_pending_in_order");
        assertThat(inbox.pending())
                .extracting(r -> r.event().dedupeKey())
                .containsExactly("event:new-1", "event:new-2");
    }

    /** The plan a prepared statement of the pending read uses whatever values are bound to it. */
    private static String reusablePlan(DSLContext ctx, Connection c) throws SQLException {
        ResultQuery<?> query = InboxRepository.pendingQuery(ctx);
        String sql = ctx.render(query);
        List<Object> binds = query.getBindValues();
        StringBuilder plan = new StringBuilder();
        if (ctx.dialect() == SQLDialect.SQLITE) {
            try (PreparedStatement s = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
                for (int i = 0; i < binds.size(); i++) {
                    s.setObject(i + 1, binds.get(i));
                }
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        plan.append(r.getString("detail")).append('\n');
                    }
                }
            }
            return plan.toString();
        }
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            numbered.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        StringBuilder args = new StringBuilder();
        for (Object b : binds) {
            args.append(args.length() == 0 ? "(" : ", ").append('\'').append(b).append('\'');
        }
        if (args.length() > 0) {
            args.append(')');
        }
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL plan_cache_mode = force_generic_plan");
            s.execute("PREPARE pending_read AS " + numbered);
            try (ResultSet r = s.executeQuery("EXPLAIN EXECUTE pending_read" + args)) {
                while (r.next()) {
                    plan.append(r.getString(1)).append('\n');
                }
            }
            s.execute("DEALLOCATE pending_read");
        }
        return plan.toString();
    }
}
