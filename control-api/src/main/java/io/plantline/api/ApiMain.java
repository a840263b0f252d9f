package io.plantline.api;

import io.plantline.config.Settings;
import java.time.Clock;

/** Runs the control API as its own process; settings in {@link ApiOptions}. Stops cleanly on SIGTERM / Ctrl-C. */
public final class ApiMain {

    private ApiMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "control-api-logback.xml");
        }
        ApiOptions options = Settings.parseOrExit("control-api", () -> ApiOptions.parse(args, System.getenv()));
        ControlApi api = ControlApi.start(options, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(api::close, "control-api-shutdown"));
        options.bootstrapAdmin().ifPresent(admin -> {
            if (api.ensureAdmin(admin)) {
                System.out.println("control-api: created organisation " + admin.orgSlug() + " with admin " + admin.email());
            }
        });
        System.out.println("control-api: listening on http://0.0.0.0:" + api.port() + "/api/v1");
        Thread.currentThread().join();
    }
}
