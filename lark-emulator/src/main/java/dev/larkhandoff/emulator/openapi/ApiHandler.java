package dev.larkhandoff.emulator.openapi;

/** A route's logic: in-memory and quick, so it runs on the event loop. */
@FunctionalInterface
public interface ApiHandler {
    ApiResult handle(ApiCall call);
}
