package dev.larkhandoff.lark.event;

import tools.jackson.databind.JsonNode;

/** {@code im.chat.member.bot.added_v1} or {@code …deleted_v1}: the bot joined or left a chat. */
public record BotMembershipChanged(
        EventHeader header,
        boolean added,
        String chatId,
        UserId operatorId,
        boolean external,
        String name,
        JsonNode raw)
        implements LarkEvent {}
