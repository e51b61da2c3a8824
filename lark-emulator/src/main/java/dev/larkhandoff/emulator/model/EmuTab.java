package dev.larkhandoff.emulator.model;

/** A chat tab: the built-in {@code message} tab or a {@code url} tab. */
public record EmuTab(String tabId, String tabName, String tabType, String url) {}
