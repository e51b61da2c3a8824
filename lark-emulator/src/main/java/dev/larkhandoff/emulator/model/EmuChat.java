package dev.larkhandoff.emulator.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A group or p2p chat. Mutable; only ever touched under the {@code EmulatorState} lock. */
public final class EmuChat {

    public final String chatId;
    public final String chatMode;
    public final long createTime;
    public String name;
    public String description;
    public String avatar;
    /** open_id of a user owner, or the app id when a bot owns the chat. */
    public String ownerId;

    public String ownerIdType;
    public String chatType = "private";
    public boolean external;
    public final Set<String> members = new LinkedHashSet<>();
    public final Set<String> botAppIds = new LinkedHashSet<>();
    public final List<EmuTab> tabs = new ArrayList<>();
    /** message id to pin time, in pin order. */
    public final Map<String, Long> pins = new LinkedHashMap<>();

    public EmuChat(String chatId, String chatMode, long createTime) {
        this.chatId = chatId;
        this.chatMode = chatMode;
        this.createTime = createTime;
    }
}
