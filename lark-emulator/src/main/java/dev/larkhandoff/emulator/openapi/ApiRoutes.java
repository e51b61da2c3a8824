package dev.larkhandoff.emulator.openapi;

/** A feature's group of Open Platform endpoints (messages, chats, pins …). */
public interface ApiRoutes {
    void register(ApiRouter router);
}
