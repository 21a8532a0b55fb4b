package io.pim.metalearner.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.pim.metalearner.api.FeedbackGateway.AlreadyTrained;
import io.pim.metalearner.api.FeedbackGateway.Feedback;
import io.pim.metalearner.api.FeedbackGateway.Outcome;
import io.pim.metalearner.metrics.PrometheusMetrics;
import io.pim.metalearner.api.FeedbackGateway.Rejected;
import io.pim.metalearner.api.FeedbackGateway.Trained;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the service: status, weights and feedback under the seed's paths, predict
 * ({@link PredictRoute}), Prometheus
 * metrics, and the dashboard's static files at {@code /}. It only talks to {@link LearnerView}
 * and {@link FeedbackGateway}, so it runs the same over the stream or over a test double.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /**
     * Where another instance fetches the stored state of a model this instance holds (interactive
     * queries). It serves the whole learner, so with {@code http.admin-token} set it wants that token
     * as the admin endpoints do; the instances of a group share their config, token included.
     */
    public static final String STATE_PATH = "/internal/model-state";
    /** Where another instance lists the models this one trains (for {@code GET /api/pim/metalearner/models}); guarded like {@link #STATE_PATH}. */
    public static final String MODELS_PATH = "/internal/models";
    /**
     * Seconds a client should wait after a 503: a task being assigned or restoring a few hundred
     * compacted changelog records is back within seconds.
     */
    static final String RETRY_AFTER_SECONDS = "2";
    /**
     * Bodies above this get 413 before they are read. The largest legitimate one is a restore's
     * learner state (about 47 KB for 9 agents; the checkpoints topic caps a state at
     * {@code checkpoint.max-bytes}, 2 MB by default); a feedback body is well under 1 KB.
     */
    static final long MAX_BODY_BYTES = 4L * 1024 * 1024;
    /** An oversized body is read and dropped up to this much before its 413; beyond, the connection is cut. */
    private static final long MAX_DRAINED_BYTES = 64L * 1024 * 1024;
    /** Completes a feedback wait that ran out; never a real outcome. */
    private static final Outcome TIMED_OUT = new Rejected("timed-out", "");

    private final ApiConfig config;
    private final LearnerView learner;
    private final FeedbackGateway feedback;
    private final Supplier<String> metrics;
    private final FeedbackParser parser;
    /** Guards the admin endpoints and the state path; null: admin endpoints off, state path open. */
    private final BearerToken token;
    /** Guards POST /api/pim/feedback, which creates training data; null: open (the embedded demo). */
    private final BearerToken feedbackToken;
    private final Javalin app;

    /** @param metrics the Prometheus text exposition, produced per scrape */
    public ApiServer(ApiConfig config, LearnerView learner, FeedbackGateway feedback, Supplier<String> metrics) {
        this(config, learner, feedback, metrics, null);
    }

    /** @param admin sends the admin endpoints' commands; they exist only with {@link ApiConfig#adminToken()} set */
    public ApiServer(ApiConfig config, LearnerView learner, FeedbackGateway feedback, Supplier<String> metrics,
                     AdminRoutes.Sender admin) {
        this(config, learner, feedback, metrics, admin, null);
    }

    /** @param health answers {@link Health#LIVE_PATH} and {@link Health#READY_PATH}; null: those paths are not served */
    public ApiServer(ApiConfig config, LearnerView learner, FeedbackGateway feedback, Supplier<String> metrics,
                     AdminRoutes.Sender admin, Health health) {
        this(config, learner, feedback, metrics, admin, health, null);
    }

    /** @param checkpoints finds landed checkpoints for the admin rollback from PostgreSQL; null: not configured */
    public ApiServer(ApiConfig config, LearnerView learner, FeedbackGateway feedback, Supplier<String> metrics,
                     AdminRoutes.Sender admin, Health health, AdminRoutes.Checkpoints checkpoints) {
        this.config = config;
        this.learner = learner;
        this.feedback = feedback;
        this.metrics = metrics;
        ObjectMapper json = JsonMapper.builder().build();
        this.parser = new FeedbackParser();
        this.token = config.adminToken() == null ? null : new BearerToken(config.adminToken());
        this.feedbackToken = config.feedbackToken() == null ? null : new BearerToken(config.feedbackToken());
        this.app = Javalin.create(c -> {
            c.jsonMapper(new JavalinJackson(json, false));
            c.jetty.port = config.port();
            // the feedback wait is bounded by our own timeout; Jetty's must not cut it first
            c.http.asyncTimeout = config.feedbackTimeout().toMillis() + 5_000;
            c.http.maxRequestSize = MAX_BODY_BYTES;
            // A body over the limit gets 413 unread; Jetty then closes the connection on the unread
            // bytes, the kernel resets it, and a client still sending can lose the 413 (the fuzzer's
            // 5 MB bodies: 4 of 65 with no answer). Reading them first lets every client see it.
            c.routes.before(ctx -> {
                if (ctx.req().getContentLengthLong() <= MAX_BODY_BYTES) return;
                drain(ctx, MAX_DRAINED_BYTES);
                ctx.status(HttpStatus.CONTENT_TOO_LARGE).json(failure("too-large",
                        "the body is over " + MAX_BODY_BYTES + " bytes"));
                ctx.skipRemainingHandlers();
            });
            c.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = Location.CLASSPATH;
            });
            c.staticFiles.enableWebjars();
            c.routes.get("/api/pim/metalearner/status", this::status);
            c.routes.get("/api/pim/metalearner/weights", this::weights);
            c.routes.post("/api/pim/feedback", this::feedback);
            new PredictRoute(learner, config.defaultModelId()).register(c);
            c.routes.get("/metrics", this::metrics);
            c.routes.get("/api/pim/metalearner/models", this::models);
            c.routes.get(STATE_PATH, this::localState);
            c.routes.get(MODELS_PATH, this::localModels);
            if (health != null) {
                c.routes.get(Health.LIVE_PATH, ctx -> answer(ctx, health.live()));
                c.routes.get(Health.READY_PATH, ctx -> answer(ctx, health.ready()));
            }
            if (token != null && admin != null) new AdminRoutes(token, admin, checkpoints).register(c);
            c.routes.exception(LearnerView.Unavailable.class, (e, ctx) -> {
                log.warn("state not available: {}", e.getMessage());
                ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(failure("unavailable", e.getMessage()));
            });
        });
    }

    private static void drain(Context ctx, long limit) throws java.io.IOException {
        var in = ctx.req().getInputStream();
        byte[] sink = new byte[64 * 1024];
        long read = 0;
        for (int n; read < limit && (n = in.read(sink)) > 0; ) read += n;
    }

    public ApiServer start() {
        app.start();
        log.info("HTTP API and dashboard on http://localhost:{}/", app.port());
        return this;
    }

    /** The running Javalin, for the test that holds docs/openapi.yaml to the routes it registered. */
    Javalin javalin() {
        return app;
    }

    /** The bound port (the configured one, or the free one picked for port 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private String modelId(Context ctx) {
        String requested = ctx.queryParam("model_id");
        return requested == null || requested.isBlank() ? config.defaultModelId() : requested;
    }

    /**
     * Answers 404 for a model other than the default that has no state on any instance. The default
     * model before its first trade is not unknown: it answers with step 0, so a fresh service shows something.
     */
    private boolean unknownModel(Context ctx, String modelId, Optional<LearnerView.Status> state) {
        if (state.isPresent() || modelId.equals(config.defaultModelId())) return false;
        Map<String, Object> body = failure("unknown-model", "model '" + modelId + "' has no state on any instance");
        body.put("model_id", modelId);
        ctx.status(HttpStatus.NOT_FOUND).json(body);
        return true;
    }

    private void status(Context ctx) {
        String modelId = modelId(ctx);
        Optional<LearnerView.Status> state = learner.status(modelId);
        if (unknownModel(ctx, modelId, state)) return;
        Map<String, Object> body = ApiJson.status(modelId, state, config.curvePoints());
        body.put("dead_letters", learner.deadLetterCounts());
        ctx.json(body);
    }

    private void weights(Context ctx) {
        String modelId = modelId(ctx);
        Optional<LearnerView.Status> state = learner.status(modelId);
        if (unknownModel(ctx, modelId, state)) return;
        ctx.json(ApiJson.weights(modelId, state));
    }

    private void feedback(Context ctx) {
        if (feedbackToken != null && !feedbackToken.accepts(ctx)) {
            ctx.header("WWW-Authenticate", "Bearer").status(HttpStatus.UNAUTHORIZED)
                    .json(failure("unauthorized", "feedback needs the configured http.feedback-token as a bearer token"));
            return;
        }
        Feedback parsed;
        try {
            parsed = parser.parse(ctx.body());
        } catch (InvalidTradeException e) {
            ctx.status(HttpStatus.BAD_REQUEST).json(failure(e.reason().code, e.getMessage()));
            return;
        }
        ctx.future(() -> submit(parsed)
                .completeOnTimeout(TIMED_OUT, config.feedbackTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((outcome, error) -> {
                    respond(ctx, parsed, outcome, error);
                    return null;
                }));
    }

    private void respond(Context ctx, Feedback parsed, Outcome outcome, Throwable error) {
        String decisionId = parsed.trade().decisionId();
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (outcome == TIMED_OUT || cause instanceof TimeoutException) { // our wait, or the gateway's own bound
            ctx.status(HttpStatus.ACCEPTED).json(Map.of("success", true, "decision_id", decisionId,
                    "message", "published; the weight update did not arrive within " + config.feedbackTimeout().toMillis() + " ms"));
        } else if (cause != null) {
            log.warn("feedback {} could not be published", decisionId, cause);
            ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(failure("unavailable", "could not publish: " + cause.getMessage()));
        } else if (outcome instanceof Trained t) {
            ctx.json(ApiJson.trained(parsed, t));
        } else if (outcome instanceof AlreadyTrained) {
            ctx.status(HttpStatus.CONFLICT).json(failure("duplicate", "decision " + decisionId + " was already trained"));
        } else if (outcome instanceof Rejected r) {
            ctx.status(HttpStatus.BAD_REQUEST).json(failure(r.reason(), r.detail()));
        }
    }

    private CompletableFuture<Outcome> submit(Feedback parsed) {
        try {
            return feedback.submit(parsed);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** 200 or 503 with the check as JSON; never cached, a probe must see the state of now. */
    private static void answer(Context ctx, Health.Check check) {
        ctx.header("Cache-Control", "no-store").status(check.ok() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .json(ApiJson.ordered("status", check.ok() ? "UP" : "DOWN", "state", check.state(), "detail", check.detail()));
    }

    private void metrics(Context ctx) {
        ctx.contentType(PrometheusMetrics.CONTENT_TYPE).result(metrics.get());
    }

    /** Every model any instance trains, with its owner and step, sorted by model id. */
    private void models(Context ctx) {
        ctx.json(Map.of("models", ApiJson.models(learner.models())));
    }

    /** The models this instance trains, for another instance; guarded like {@link #localState}. */
    private void localModels(Context ctx) {
        if (refusedInternal(ctx)) return;
        ctx.json(Map.of("models", ApiJson.models(learner.localModels())));
    }

    /** With an admin token configured (shared by the instances), an internal path wants it. */
    private boolean refusedInternal(Context ctx) {
        if (token != null && !token.accepts(ctx)) {
            ctx.status(HttpStatus.UNAUTHORIZED).json(failure("unauthorized", "this path needs the instances' http.admin-token"));
            return true;
        }
        return false;
    }

    /** Learner state for another instance; with an admin token configured (shared by the instances), only with it. */
    private void localState(Context ctx) {
        if (refusedInternal(ctx)) return;
        learner.localState(modelId(ctx)).ifPresentOrElse(
                bytes -> ctx.contentType("application/octet-stream").result(bytes),
                () -> ctx.status(HttpStatus.NOT_FOUND));
    }

    static Map<String, Object> failure(String reason, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", reason);
        body.put("detail", detail);
        return body;
    }

    /** JSON has no NaN or infinity: an undefined figure is null. */
    static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
