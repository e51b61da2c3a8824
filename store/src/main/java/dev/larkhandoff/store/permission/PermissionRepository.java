package dev.larkhandoff.store.permission;

import static dev.larkhandoff.store.jooq.Tables.PERMISSION_REQUESTS;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.jooq.tables.records.PermissionRequestsRecord;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jooq.impl.DSL;

/** Permission questions and answers. An answer is accepted once: the first decision wins, later clicks change nothing. */
public final class PermissionRepository {

    private final Database db;
    private final Clock clock;

    public PermissionRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public PermissionRequest create(
            String requestId, String sessionId, String chatId, String toolName, String description) {
        long now = clock.millis();
        return db.write(ctx -> {
            ctx.insertInto(PERMISSION_REQUESTS)
                    .set(PERMISSION_REQUESTS.REQUEST_ID, requestId)
                    .set(PERMISSION_REQUESTS.SESSION_ID, sessionId)
                    .set(PERMISSION_REQUESTS.CHAT_ID, chatId)
                    .set(PERMISSION_REQUESTS.TOOL_NAME, toolName)
                    .set(PERMISSION_REQUESTS.DESCRIPTION, description)
                    .set(PERMISSION_REQUESTS.STATE, RequestState.PENDING.column())
                    .set(PERMISSION_REQUESTS.CREATED_AT, now)
                    .execute();
            return ctx.selectFrom(PERMISSION_REQUESTS)
                    .where(PERMISSION_REQUESTS.REQUEST_ID.eq(requestId))
                    .fetchSingle(PermissionRepository::row);
        });
    }

    /** Records the card that asks the question. */
    public boolean attachCard(String requestId, String cardMessageId) {
        return db.write(ctx -> ctx.update(PERMISSION_REQUESTS)
                        .set(PERMISSION_REQUESTS.CARD_MESSAGE_ID, cardMessageId)
                        .where(PERMISSION_REQUESTS.REQUEST_ID.eq(requestId))
                        .execute()
                == 1);
    }

    /** Answers a pending question; false when it was answered, expired or withdrawn already. */
    public boolean decide(String requestId, Decision decision, String decidedByOpenId) {
        long now = clock.millis();
        return db.write(ctx -> ctx.update(PERMISSION_REQUESTS)
                        .set(PERMISSION_REQUESTS.STATE, RequestState.DECIDED.column())
                        .set(PERMISSION_REQUESTS.DECISION, decision.column())
                        .set(PERMISSION_REQUESTS.DECIDED_BY_OPEN_ID, decidedByOpenId)
                        .set(PERMISSION_REQUESTS.DECIDED_AT, now)
                        .where(PERMISSION_REQUESTS.REQUEST_ID.eq(requestId))
                        .and(PERMISSION_REQUESTS.STATE.eq(DSL.inline(RequestState.PENDING.column())))
                        .execute()
                == 1);
    }

    /** Ends a pending question without an answer (timed out, or withdrawn); false when it was not pending. */
    public boolean close(String requestId, RequestState endState) {
        if (endState != RequestState.EXPIRED && endState != RequestState.CANCELLED) {
            throw new IllegalArgumentException(
                    "a question ends EXPIRED or CANCELLED without an answer, not " + endState);
        }
        long now = clock.millis();
        return db.write(ctx -> ctx.update(PERMISSION_REQUESTS)
                        .set(PERMISSION_REQUESTS.STATE, endState.column())
                        .set(PERMISSION_REQUESTS.DECIDED_AT, now)
                        .where(PERMISSION_REQUESTS.REQUEST_ID.eq(requestId))
                        .and(PERMISSION_REQUESTS.STATE.eq(DSL.inline(RequestState.PENDING.column())))
                        .execute()
                == 1);
    }

    public Optional<PermissionRequest> find(String requestId) {
        return db.read(ctx -> ctx.selectFrom(PERMISSION_REQUESTS)
                .where(PERMISSION_REQUESTS.REQUEST_ID.eq(requestId))
                .fetchOptional(PermissionRepository::row));
    }

    public List<PermissionRequest> pendingIn(String chatId) {
        return db.read(ctx -> ctx.selectFrom(PERMISSION_REQUESTS)
                .where(PERMISSION_REQUESTS.CHAT_ID.eq(chatId))
                .and(PERMISSION_REQUESTS.STATE.eq(DSL.inline(RequestState.PENDING.column())))
                .orderBy(PERMISSION_REQUESTS.CREATED_AT)
                .fetch(PermissionRepository::row));
    }

    private static PermissionRequest row(PermissionRequestsRecord r) {
        return new PermissionRequest(
                r.getRequestId(),
                r.getSessionId(),
                r.getChatId(),
                r.getToolName(),
                r.getDescription(),
                r.getCardMessageId(),
                RequestState.of(r.getState()),
                r.getDecision() == null ? null : Decision.of(r.getDecision()),
                r.getDecidedByOpenId(),
                r.getCreatedAt(),
                r.getDecidedAt());
    }
}
