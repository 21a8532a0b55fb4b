package io.pim.metalearner.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.stream.CommandClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeoutException;

/**
 * The admin endpoints, POST only, each one command ({@link CommandClient}, as the CLI sends them),
 * answered with the command's result: 200 applied, 422 rejected (with the reason), 504 no answer in
 * time (the command stays queued). Behind {@code Authorization: Bearer <http.admin-token>}; with no
 * token configured they are not registered at all. Reads stay open.
 * <pre>
 * POST /api/pim/metalearner/admin/reset?model_id=M
 * POST /api/pim/metalearner/admin/rollback?model_id=M&amp;to_step=S
 * POST /api/pim/metalearner/admin/rollback?model_id=M&amp;from_database=true&amp;(to_step=S|min_accuracy=X)[&amp;include_deleted=true]
 * POST /api/pim/metalearner/admin/promote?from=C&amp;to=M
 * POST /api/pim/metalearner/admin/restore?model_id=M      body: learner state bytes (learner.state of an export)
 * </pre>
 */
public final class AdminRoutes {
    static final String PREFIX = "/api/pim/metalearner/admin/";

    /** Sends a command and waits for its result: {@link CommandClient#send} with the configured wait. */
    public interface Sender {
        CommandResult send(Command command) throws TimeoutException, InterruptedException;
    }

    /**
     * Finds the state of a checkpoint the writer landed in PostgreSQL (as {@code rollback --from-database}):
     * at or before {@code step}, or the newest whose recorded accuracy is above {@code minAccuracy}.
     */
    public interface Checkpoints {
        /**
         * @throws java.util.NoSuchElementException no such checkpoint (404, the message says what there is)
         * @throws IllegalStateException            the database cannot be reached or refused (503)
         */
        byte[] state(String modelId, Long step, Double minAccuracy, boolean includeDeleted);
    }

    private final BearerToken token;
    private final Sender sender;
    /** Null: no database configured ({@code http.rollback-database.url}), rollback from it answers 400. */
    private final Checkpoints checkpoints;

    AdminRoutes(BearerToken token, Sender sender, Checkpoints checkpoints) {
        this.token = token;
        this.sender = sender;
        this.checkpoints = checkpoints;
    }

    void register(JavalinConfig c) {
        c.routes.post(PREFIX + "reset", ctx -> handle(ctx, () -> CommandClient.reset(required(ctx, "model_id"))));
        c.routes.post(PREFIX + "rollback", ctx -> handle(ctx, () -> "true".equals(ctx.queryParam("from_database"))
                ? fromDatabase(ctx)
                : CommandClient.rollback(required(ctx, "model_id"), Long.parseLong(required(ctx, "to_step")))));
        c.routes.post(PREFIX + "promote", ctx -> handle(ctx, () -> CommandClient.promote(required(ctx, "from"), required(ctx, "to"))));
        c.routes.post(PREFIX + "restore", ctx -> handle(ctx, () -> CommandClient.restore(required(ctx, "model_id"), ctx.bodyAsBytes())));
    }

    /** A RESTORE of the landed checkpoint the request names; only bound parameters reach the database. */
    private Command fromDatabase(Context ctx) {
        String modelId = required(ctx, "model_id");
        String step = ctx.queryParam("to_step"), minAccuracy = ctx.queryParam("min_accuracy");
        if ((step == null) == (minAccuracy == null)) {
            throw new IllegalArgumentException("give one of the query parameters 'to_step' and 'min_accuracy'");
        }
        if (checkpoints == null) {
            throw new IllegalArgumentException("no checkpoint database is configured (http.rollback-database.url)");
        }
        byte[] state = checkpoints.state(modelId, step == null ? null : Long.parseLong(step),
                minAccuracy == null ? null : Double.parseDouble(minAccuracy), "true".equals(ctx.queryParam("include_deleted")));
        return CommandClient.restore(modelId, state);
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
        } catch (NoSuchElementException e) { // no landed checkpoint matches
            ctx.status(HttpStatus.NOT_FOUND).json(Map.of("success", false, "error", "no-checkpoint", "detail", e.getMessage()));
            return;
        } catch (IllegalStateException e) { // the checkpoint database is away
            ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(Map.of("success", false, "error", "database-unavailable",
                    "detail", e.getMessage()));
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
