package dev.larkhandoff.emulator;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the emulator as a standalone server: {@code java -jar lark-emulator.jar [--port N] [--host H]
 * [--app-id cli_… --app-secret …]}. Prints where it listens and the app's credentials, then serves until killed.
 */
public final class EmulatorMain {

    private EmulatorMain() {}

    public static void main(String[] args) throws InterruptedException {
        // Named so it cannot clash with the logback.xml of a program that embeds the emulator.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "lark-emulator-logback.xml");
        }
        EmulatorOptions options = EmulatorOptions.defaults().withPort(9595);
        String appId = null;
        String appSecret = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> options = options.withPort(Integer.parseInt(require(args[i], value)));
                case "--host" -> options = options.withHost(require(args[i], value));
                case "--app-id" -> appId = require(args[i], value);
                case "--app-secret" -> appSecret = require(args[i], value);
                case "-h", "--help" -> {
                    usage(System.out);
                    return;
                }
                default -> {
                    System.err.println("unknown option " + args[i]);
                    usage(System.err);
                    System.exit(2);
                }
            }
            i++;
        }
        LarkEmulator emulator = LarkEmulator.start(options, appId, appSecret);
        EmuUser alice = emulator.control().addUser("Alice", "alice@example.com");
        EmuChat group = emulator.control().createGroup("demo@emulator", alice);
        PrintStream out = System.out;
        out.println("lark-emulator listening on " + emulator.baseUrl());
        out.println("  LARK_DOMAIN=" + emulator.baseUrl());
        out.println("  LARK_APP_ID=" + emulator.app().appId());
        out.println("  LARK_APP_SECRET=" + emulator.app().appSecret());
        out.println("  demo user Alice " + alice.openId() + ", demo group " + group.chatId);
        out.println("  control API: " + emulator.baseUrl() + "/_emulator/ (POST messages, cards/click, faults/…)");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            emulator.close();
                            stop.countDown();
                        },
                        "lark-emulator-shutdown"));
        stop.await();
    }

    private static String require(String option, String value) {
        if (value == null) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return value;
    }

    private static void usage(PrintStream out) {
        out.println(
                "usage: java -jar lark-emulator.jar [--port 9595] [--host 127.0.0.1] [--app-id cli_… --app-secret …]");
    }
}
