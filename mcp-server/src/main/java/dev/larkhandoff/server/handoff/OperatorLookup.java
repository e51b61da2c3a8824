package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkClient;
import java.time.Duration;
import java.util.Optional;

/**
 * Finds the operator (the Lark user handoffs belong to) by the login email the configuration names. Looked up
 * when a handoff first needs it, so a daemon starts without reaching Lark; each failure says what to fix.
 */
public final class OperatorLookup {

    private final LarkClient lark;
    private final String email;
    private final String whereToSetIt;

    /** @param whereToSetIt how to configure the email, for the error when none is (file and variable) */
    public OperatorLookup(LarkClient lark, String email, String whereToSetIt) {
        this.lark = lark;
        this.email = email;
        this.whereToSetIt = whereToSetIt;
    }

    /** The operator's open_id. */
    public String openId() {
        if (email == null || email.isBlank()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "no operator is configured: set " + whereToSetIt
                            + " to your Lark login email and restart the daemon");
        }
        Optional<String> id;
        try {
            id = lark.contacts().openIdByEmail(email).block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            throw new HandoffException(
                    HandoffException.Problem.LARK_ERROR,
                    "could not look up the operator " + email + " in Lark: " + e.getMessage(),
                    e);
        }
        return id.orElseThrow(() -> new HandoffException(
                HandoffException.Problem.NOT_FOUND,
                "Lark has no user "
                        + "with the email " + email + " that this app can see (check the email, and that the app is "
                        + "available to that user with the contact scope)"));
    }
}
