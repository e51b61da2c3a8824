package dev.larkhandoff.lark.im;

/** A reaction as add / delete / list return it; removing one needs its {@code reactionId}. */
public record Reaction(String reactionId, Operator operator, long actionTime, ReactionType reactionType) {

    /** Who reacted: {@code operatorType} is {@code app} or {@code user}. */
    public record Operator(String operatorId, String operatorType) {}

    /** The emoji, e.g. {@code THUMBSUP}, {@code THINKING}, {@code DONE}. */
    public record ReactionType(String emojiType) {}

    public String emojiType() {
        return reactionType == null ? null : reactionType.emojiType();
    }
}
