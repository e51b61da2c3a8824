package dev.larkhandoff.server.handoff;

import dev.larkhandoff.store.chat.MemberRole;
import java.util.Locale;

/** What a reply's sender may ask of the agent: the operator owns the handoff, coowners share it, guests only talk. */
public enum Privilege {
    OWNER,
    COOWNER,
    GUEST;

    /** The tag as replies carry it: {@code owner}, {@code coowner}, {@code guest}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Privilege of(MemberRole role) {
        return role == MemberRole.COOWNER ? COOWNER : GUEST;
    }
}
