package dev.larkhandoff.store;

import dev.larkhandoff.store.schema.SchemaMigrator;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.SelectForUpdateStep;

/**
 * The locks a write transaction takes before it reads what it is about to change, so that it is correct with
 * other writers in other processes (PostgreSQL, READ COMMITTED). On SQLite they are no-ops: its writer is alone,
 * and {@code BEGIN IMMEDIATE} already holds the whole file. A write that is one statement whose condition sits in
 * its {@code WHERE} (mark delivered if still pending, decide if still pending, move a mark forward) needs none:
 * PostgreSQL re-checks that condition on the row's newest version. See docs/team-mode.md.
 */
public final class Locks {

    private Locks() {}

    /**
     * Takes the named lock until the transaction ends (a PostgreSQL transaction-level advisory lock): writes that
     * take the same name run one after the other, and each sees every write committed before it. Names are
     * compared by their {@link String#hashCode} (fixed by the language, so the same in every JVM): two names with
     * one hash merely wait for each other.
     */
    public static void exclusive(DSLContext ctx, String name) {
        if (ctx.dialect().family() == SQLDialect.POSTGRES) {
            // Selected from a subquery: the function returns void, which the driver cannot read as a column.
            ctx.fetch(
                    "SELECT 1 FROM (SELECT pg_advisory_xact_lock(?, ?)) AS taken",
                    SchemaMigrator.ADVISORY_LOCK_CLASS,
                    name.hashCode() == 0 ? 1 : name.hashCode());
        }
    }

    /** The query with {@code FOR UPDATE} on PostgreSQL (its rows stay locked until the transaction ends). */
    public static <R extends Record> ResultQuery<R> forUpdate(DSLContext ctx, SelectForUpdateStep<R> query) {
        return ctx.dialect().family() == SQLDialect.POSTGRES ? query.forUpdate() : query;
    }
}
