package io.pim.metalearner.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.stream.OpsCommands;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The admin endpoints, POST only, each one command ({@link OpsCommands}, as the CLI sends them),
 * answered with the command's result: 200 applied, 422 rejected (with the reason), 504 no answer in
 * time (the command stays queued). Behind {@code Authorization: Bearer <http.admin-token>}; with no
 * token configured they are not registered at all. Reads stay open.
 * <pre>
 * POST /api/pim/metalearner/admin/reset?model_id=M
 * POST /api/pim/metalearner/admin/rollback?model_id=M&amp;to_step=S
 * POST /api/pim/metalearner/admin/promote?from=C&amp;to=M
 * POST /api/pim/metalearner/admin/restore?model_id=M      body: learner state bytes (learner.state of an export)
 * </pre>
 */
public final class AdminRoutes {
    static final String PREFIX = "/api/pim/metalearner/admin/";

    /** Sends a command and waits for its result: {@link OpsCommands#send} with the configured wait. */
    public interface Sender {
        CommandResult send(Command command) throws TimeoutException, InterruptedException;
    }

    private final BearerToken token;
    private final Sender sender;

    AdminRoutes(BearerToken token, Sender sender) {
        this.token = token;
        this.sender = sender;
    }

    void register(JavalinConfig c) {
        c.routes.post(PREFIX + "reset", ctx -> handle(ctx, () -> OpsCommands.reset(required(ctx, "model_id"))));
        c.routes.post(PREFIX + "rollback", ctx -> handle(ctx, () -> OpsCommands.rollback(required(ctx, "model_id"),
                Long.parseLong(required(ctx, "to_step")))));
        c.routes.post(PREFIX + "promote", ctx -> handle(ctx, () -> OpsCommands.promote(required(ctx, "from"), required(ctx, "to"))));
        c.routes.post(PREFIX + "restore", ctx -> handle(ctx, () -> OpsCommands.restore(required(ctx, "model_id"), ctx.bodyAsBytes())));
    }

    private interface CommandFromRequest {
        Command build();
    }

    private void handle(Context ctx, CommandFromRequest request) throws InterruptedException {
        if (!token.accepts(ctx)) {
            ctx.status(HttpStatus.UNAUTHORIZED).json(Map.of("success", false, "error", "unauthorized"));
            return;
        }
        Command command;
        try {
            command = request.build();
        } catch (IllegalArgumentException e) { // a missing or non-numeric parameter
            ctx.status(HttpStatus.BAD_REQUEST).json(Map.of("success", false, "error", "bad-request", "detail", e.getMessage()));
            return;
        }
        try {
            CommandResult r = sender.send(command);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("success", r.getApplied());
            body.put("command_id", r.getCommandId());
            body.put("model_id", r.getModelId());
            body.put("type", r.getType());
            if (r.getApplied()) {
                body.put("training_step", r.getTrainingStep());
                body.put("fingerprint", r.getFingerprint());
            } else {
                body.put("error", r.getReason());
                body.put("detail", r.getDetail());
            }
            ctx.status(r.getApplied() ? HttpStatus.OK : HttpStatus.UNPROCESSABLE_CONTENT).json(body);
        } catch (TimeoutException e) {
            ctx.status(HttpStatus.GATEWAY_TIMEOUT).json(Map.of("success", false, "error", "timed-out",
                    "command_id", command.getCommandId(), "detail", e.getMessage()));
        }
    }

    private static String required(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) throw new IllegalArgumentException("query parameter '" + name + "' is required");
        return value;
    }
}
