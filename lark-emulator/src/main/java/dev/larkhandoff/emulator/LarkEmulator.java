package dev.larkhandoff.emulator;

import dev.larkhandoff.emulator.control.ControlHttpApi;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.openapi.ApiRoutes;
import dev.larkhandoff.emulator.openapi.AuthRoutes;
import dev.larkhandoff.emulator.openapi.BotRoutes;
import dev.larkhandoff.emulator.openapi.ChatRoutes;
import dev.larkhandoff.emulator.openapi.ChatTabRoutes;
import dev.larkhandoff.emulator.openapi.ContactRoutes;
import dev.larkhandoff.emulator.openapi.MessageRoutes;
import dev.larkhandoff.emulator.openapi.OpenApiServer;
import dev.larkhandoff.emulator.openapi.PinRoutes;
import dev.larkhandoff.emulator.ws.LongConnectionGateway;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A local Lark Open Platform on one port: REST under {@code /open-apis}, endpoint discovery and the
 * long connection, and the control API under {@code /_emulator}. Start one per test, or run it standalone.
 */
public final class LarkEmulator implements AutoCloseable {

    private final EmulatorState state;
    private final OpenApiServer openApi;
    private final LongConnectionGateway gateway;
    private final EmulatorControl control;
    private final DisposableServer server;
    private final EmuApp app;

    private LarkEmulator(EmulatorOptions options, String appId, String appSecret) {
        Clock clock = Clock.systemUTC();
        this.state = new EmulatorState(clock, options.tokenTtl());
        this.app = state.registerApp(
                appId == null ? Ids.appId() : appId,
                appSecret == null ? Ids.appSecret() : appSecret,
                "lark-handoff-bot");
        this.openApi = new OpenApiServer(state, options, clock);
        this.gateway = new LongConnectionGateway(state, options);
        MessageRoutes messages = new MessageRoutes(state);
        for (ApiRoutes routes : List.<ApiRoutes>of(
                new AuthRoutes(state),
                messages,
                new ChatRoutes(state),
                new ChatTabRoutes(state),
                new PinRoutes(state),
                new BotRoutes(),
                new ContactRoutes(state))) {
            routes.register(openApi.router());
        }
        gateway.registerRoutes(openApi.router());
        this.control = new EmulatorControl(state, gateway, openApi, messages, app);
        ControlHttpApi controlHttp = new ControlHttpApi(control);
        this.server = HttpServer.create()
                .host(options.host())
                .port(options.port())
                .handle((req, res) -> {
                    String path = req.fullPath();
                    if (path.equals(LongConnectionGateway.WS_PATH)) {
                        return gateway.upgrade(req, res);
                    }
                    if (path.startsWith(ControlHttpApi.PREFIX)) {
                        return controlHttp.handle(req, res);
                    }
                    return openApi.handle(req, res);
                })
                .bindNow(Duration.ofSeconds(10));
        gateway.boundTo(options.host(), server.port());
    }

    /** Starts on an ephemeral loopback port with a fresh app. */
    public static LarkEmulator start() {
        return start(EmulatorOptions.defaults());
    }

    public static LarkEmulator start(EmulatorOptions options) {
        return new LarkEmulator(options, null, null);
    }

    /** Starts with fixed app credentials (the app id must look like {@code cli_} + 16 hex). */
    public static LarkEmulator start(EmulatorOptions options, String appId, String appSecret) {
        return new LarkEmulator(options, appId, appSecret);
    }

    /** {@code http://host:port}: what a client takes as its Lark domain. */
    public String baseUrl() {
        return "http://" + server.host() + ":" + server.port();
    }

    public int port() {
        return server.port();
    }

    /** The app the emulator was started with; its bot is in every group the control API creates. */
    public EmuApp app() {
        return app;
    }

    public EmulatorControl control() {
        return control;
    }

    public EmulatorState state() {
        return state;
    }

    public LongConnectionGateway gateway() {
        return gateway;
    }

    @Override
    public void close() {
        gateway.close();
        server.disposeNow(Duration.ofSeconds(5));
    }
}
