package dev.larkhandoff.lark.im;

/**
 * Changes to a chat; null fields stay as they are.
 *
 * @param avatar  an image key uploaded with {@code image_type=avatar}
 * @param ownerId the new owner's open_id (only the current owner may transfer the chat)
 */
public record ChatUpdate(String name, String description, String avatar, String ownerId) {

    /** No change yet; add some with the {@code with…} methods. */
    public static ChatUpdate none() {
        return new ChatUpdate(null, null, null, null);
    }

    public ChatUpdate withName(String value) {
        return new ChatUpdate(value, description, avatar, ownerId);
    }

    public ChatUpdate withDescription(String value) {
        return new ChatUpdate(name, value, avatar, ownerId);
    }

    public ChatUpdate withAvatar(String imageKey) {
        return new ChatUpdate(name, description, imageKey, ownerId);
    }

    public ChatUpdate withOwner(String openId) {
        return new ChatUpdate(name, description, avatar, openId);
    }

    public boolean isEmpty() {
        return name == null && description == null && avatar == null && ownerId == null;
    }
}
