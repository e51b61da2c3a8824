package dev.larkhandoff.store;

import static dev.larkhandoff.store.jooq.Tables.SETTINGS;

import java.time.Clock;
import java.util.Optional;

/** Small key/value settings (the daemon's generation, the last schema check …). */
public final class SettingsRepository {

    private final Database db;
    private final Clock clock;

    public SettingsRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Optional<String> get(String key) {
        return db.read(ctx -> ctx.select(SETTINGS.VALUE)
                .from(SETTINGS)
                .where(SETTINGS.KEY.eq(key))
                .fetchOptional(SETTINGS.VALUE));
    }

    public void put(String key, String value) {
        long now = clock.millis();
        db.write(ctx -> ctx.insertInto(SETTINGS)
                .set(SETTINGS.KEY, key)
                .set(SETTINGS.VALUE, value)
                .set(SETTINGS.UPDATED_AT, now)
                .onConflict(SETTINGS.KEY)
                .doUpdate()
                .set(SETTINGS.VALUE, value)
                .set(SETTINGS.UPDATED_AT, now)
                .execute());
    }

    public boolean remove(String key) {
        return db.write(
                ctx -> ctx.deleteFrom(SETTINGS).where(SETTINGS.KEY.eq(key)).execute() == 1);
    }
}
