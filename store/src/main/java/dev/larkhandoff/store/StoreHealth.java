package dev.larkhandoff.store;

import java.time.Instant;

/**
 * Whether the store's disk takes writes: {@code unwritableSince} is when a write was first refused and
 * {@code problem} says why, both null while writes succeed.
 */
public record StoreHealth(Instant unwritableSince, String problem) {

    public static final StoreHealth WRITABLE = new StoreHealth(null, null);

    public boolean writable() {
        return unwritableSince == null;
    }
}
