package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import tools.jackson.databind.node.ObjectNode;

/** Token endpoints: credentials in, a top-level {@code tenant_access_token} and {@code expire} out. */
public final class AuthRoutes implements ApiRoutes {

    private final EmulatorState state;

    public AuthRoutes(EmulatorState state) {
        this.state = state;
    }

    @Override
    public void register(ApiRouter router) {
        router.post("/open-apis/auth/v3/tenant_access_token/internal", call -> issue(call, "tenant_access_token"))
                .unauthenticated();
        router.post("/open-apis/auth/v3/app_access_token/internal", call -> issue(call, "app_access_token"))
                .unauthenticated();
    }

    private ApiResult issue(ApiCall call, String field) {
        String appId = EmuJson.text(call.requireBody(), "app_id");
        String secret = EmuJson.text(call.body(), "app_secret");
        if (appId == null || secret == null) {
            // Lark answers bad credentials with HTTP 200 and a non-zero code.
            return new ApiResult.TopLevel(failure("app_id and app_secret are required"));
        }
        return state.issueToken(appId, secret)
                .<ApiResult>map(token -> {
                    ObjectNode root = EmuJson.object();
                    root.put("code", 0);
                    root.put("msg", "ok");
                    root.put(field, token.value());
                    if (!field.equals("tenant_access_token")) {
                        root.put("tenant_access_token", token.value());
                    }
                    root.put("expire", Math.max(0, (token.expiresAtMillis() - state.now()) / 1000));
                    return new ApiResult.TopLevel(root);
                })
                .orElseGet(() -> new ApiResult.TopLevel(failure("app_id or app_secret is invalid")));
    }

    private static ObjectNode failure(String msg) {
        ObjectNode root = EmuJson.object();
        root.put("code", ApiError.INVALID_PARAM);
        root.put("msg", "invalid param: " + msg);
        return root;
    }
}
