package io.pim.metalearner.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pim.metalearner.kafka.CountStore;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.metrics.PrometheusMetrics;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.StepListener;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The service's Prometheus metrics: the JVM's and the process's, Kafka Streams' own (Micrometer's
 * binder: its consumers' {@code records-lag} among them) and, under {@code metalearner_}:
 * <ul>
 * <li>counters of what this process did (records in, joined, trained, scored, commands applied,
 *     votes expired, unknown agents, dead letters by reason), incremented as the processors count,
 *     so they only grow however the partitions move (Prometheus sums them over instances);</li>
 * <li>histograms (Prometheus buckets, which aggregate over instances) of the step time and the
 *     end-to-end latency;</li>
 * <li>the latest figures of each model (and race) this instance holds, dropped when the model's
 *     task leaves the instance.</li>
 * </ul>
 */
public final class ServiceMetrics implements StepListener, AutoCloseable {

    /** CountStore name → counter name; the other counts (pending, records on the training topic) are not counters of work. */
    private static final Map<String, String> COUNTERS = Map.of(
            CountStore.VOTES_IN, "metalearner.votes.in",
            CountStore.TRADES_IN, "metalearner.trades.in",
            CountStore.JOINED, "metalearner.joined",
            CountStore.TRAINED, "metalearner.trained",
            CountStore.SCORED, "metalearner.scored",
            CountStore.COMMANDS_APPLIED, "metalearner.commands.applied",
            CountStore.EXPIRED, "metalearner.votes.expired",
            CountStore.UNKNOWN_AGENTS, "metalearner.unknown.agent.votes",
            CountStore.UNSCORED, "metalearner.trained.unscored",
            CountStore.SCORES_EXPIRED, "metalearner.scores.expired");
    private static final String DEAD_LETTERS = "metalearner.dead.letters";

    private final PrometheusMetrics prometheus = new PrometheusMetrics();
    private final PrometheusMeterRegistry registry = prometheus.registry();
    private final Timer stepTime = Timer.builder("metalearner.step.time")
            .description("time of one learner step (forward, backward, Adam, weight rule)")
            .serviceLevelObjectives(durations(0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                    0.01, 0.025, 0.05, 0.1, 0.25, 1))
            .register(registry);
    private final Timer latency = Timer.builder("metalearner.end.to.end.latency")
            .description("from a trade's close (closed_at) to the end of its training step")
            .serviceLevelObjectives(durations(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
            .register(registry);
    /** Counter per CountStore name (dead letters: per {@code dead-letter:<reason>}). */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Model> models = new ConcurrentHashMap<>();
    private final Map<String, Race> races = new ConcurrentHashMap<>();

    public ServiceMetrics() {
        // every counter from zero, so rate() sees the first increment and dashboards the series
        COUNTERS.keySet().forEach(this::counter);
        for (Rejection r : Rejection.values()) counter(CountStore.DEAD_LETTER_PREFIX + r.code);
        counter(CountStore.DEAD_LETTER_PREFIX + DeadLetters.KEY_MISMATCH);
    }

    private static Duration[] durations(double... seconds) {
        Duration[] out = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) out[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
        return out;
    }

    /** The latest figures of one model trained here; gauges read them. */
    private static final class Model {
        volatile StepResult last;
        volatile Set<AlertType> active = Set.of();
        volatile Metrics figures;
        volatile Metrics atDecision;
        final Set<String> agents = ConcurrentHashMap.newKeySet();
    }

    /** The latest standing of one candidate in its model's race. */
    private static final class Race {
        volatile ShadowRace.Standing last;
    }

    /** Binds Kafka Streams' metrics; call once the service exists. */
    public void bind(LearningService service) {
        prometheus.bindKafka((scheduler, every) -> new KafkaStreamsMetrics(service.streams(), Tags.empty(), scheduler, every));
        FunctionCounter.builder("metalearner.stream.thread.failures", service.threadFailures(), f -> f.total())
                .description("stream threads that failed and were replaced (their tasks retry from the last commit)")
                .register(registry);
    }

    /** What the readiness probe answers, as a gauge: 1 ready, 0 not. */
    public void bindHealth(Health health) {
        Gauge.builder("metalearner.ready", health, h -> h.ready().ok() ? 1 : 0)
                .description("1 while the instance is ready (GET /health/ready answers 200), 0 otherwise").register(registry);
    }

    /** The feedback answer consumer's health: whether it reads, and how often it was replaced after a failure. */
    public void bindFeedbackAnswers(StreamFeedbackGateway gateway) {
        Gauge.builder("metalearner.feedback.answers.up", gateway, g -> g.answering() ? 1 : 0)
                .description("1 while POST /api/pim/feedback can see the stream's answers, 0 while their consumer restarts")
                .register(registry);
        FunctionCounter.builder("metalearner.feedback.answers.restarts", gateway, StreamFeedbackGateway::restarts)
                .description("failures of the feedback answer consumer, each followed by a new one").register(registry);
    }

    @Override
    public void onStep(String modelId, StepResult step, long stepNanos, long latencyMs, List<AlertEvent> activeAlerts) {
        stepTime.record(stepNanos, TimeUnit.NANOSECONDS);
        if (latencyMs >= 0) latency.record(Duration.ofMillis(latencyMs));
        Model model = models.computeIfAbsent(modelId, this::register);
        model.last = step;
        model.active = activeAlerts.stream().map(AlertEvent::type).collect(java.util.stream.Collectors.toUnmodifiableSet());
        for (String agent : step.agentWeights().keySet()) {
            if (model.agents.add(agent)) {
                Gauge.builder("metalearner.agent.weight", model, m -> m.last.agentWeights().getOrDefault(agent, Double.NaN))
                        .tags("model_id", modelId, "agent", agent).register(registry);
            }
        }
    }

    @Override
    public void onCount(String name, long delta) {
        if (delta <= 0) return; // only the pending counts go down, and they are not counters
        Counter counter = counter(name);
        if (counter != null) counter.increment(delta);
    }

    /** The counter of a CountStore name, registered on first use; null for a count that is not one. */
    private Counter counter(String name) {
        return counters.computeIfAbsent(name, n -> {
            if (n.startsWith(CountStore.DEAD_LETTER_PREFIX)) {
                return Counter.builder(DEAD_LETTERS).tag("reason", n.substring(CountStore.DEAD_LETTER_PREFIX.length()))
                        .description("records this process dead-lettered, by reason").register(registry);
            }
            String metric = COUNTERS.get(n);
            return metric == null ? null : Counter.builder(metric).description("counted by this process: " + n).register(registry);
        });
    }

    /** Drops every series of these models (and their races): another instance reports them now. */
    @Override
    public void onModelsClosed(Collection<String> modelIds) {
        for (String modelId : modelIds) {
            models.remove(modelId);
            races.keySet().removeIf(key -> key.startsWith(modelId + "\u0000"));
        }
        for (Meter meter : registry.getMeters()) {
            String modelId = meter.getId().getTag("model_id");
            if (modelId != null && modelIds.contains(modelId)) registry.remove(meter);
        }
    }

    @Override
    public void onFigures(String modelId, Metrics training, Metrics atDecision) {
        Model model = models.get(modelId);
        if (model == null) return;
        boolean first = model.figures == null;
        model.figures = training;
        if (first) {
            for (String weights : List.of("learned", "uniform")) {
                Gauge.builder("metalearner.committee.pnl", model, m -> weights.equals("learned")
                                ? m.figures.committeePnlLearned() : m.figures.committeePnlUniform())
                        .description("training figure: the committee's P&L per unit position over every trade the model "
                                + "learned from, with its weights before each step or with every weight 1")
                        .tags("model_id", modelId, "weights", weights).register(registry);
            }
        }
        if (atDecision == null) return;
        boolean firstAtDecision = model.atDecision == null;
        model.atDecision = atDecision;
        if (firstAtDecision) registerDecisionTime(modelId, model);
    }

    /** The figures a desk lives: each trade judged by what the model said, and the weights it had, at the vote. */
    private void registerDecisionTime(String modelId, Model model) {
        Tags tags = Tags.of("model_id", modelId);
        decisionGauge("metalearner.decision.loss", tags, model, Metrics::rollingLoss);
        decisionGauge("metalearner.decision.r2", tags, model, f -> f.rollingR2() == null ? Double.NaN : f.rollingR2());
        decisionGauge("metalearner.decision.direction.accuracy", tags, model, Metrics::rollingDirectionAccuracy);
        decisionGauge("metalearner.decision.committee.pnl", tags.and("weights", "learned"), model,
                Metrics::committeePnlLearned);
        decisionGauge("metalearner.decision.committee.pnl", tags.and("weights", "uniform"), model,
                Metrics::committeePnlUniform);
    }

    private void decisionGauge(String name, Tags tags, Model model, ToDoubleFunction<Metrics> value) {
        Gauge.builder(name, model, m -> value.applyAsDouble(m.atDecision)).tags(tags)
                .description("decision-time figure over the model's window (committee P&L: over every judged trade)")
                .register(registry);
    }

    /** Per model and candidate: the race's figures over its window ({@code metalearner_race_*}). */
    @Override
    public void onRace(String modelId, List<ShadowRace.Standing> standings) {
        for (ShadowRace.Standing s : standings) {
            String key = modelId + "\u0000" + s.candidate();
            Race race = races.computeIfAbsent(key, k -> registerRace(modelId, s.candidate()));
            race.last = s;
        }
    }

    private Race registerRace(String modelId, String candidate) {
        Race race = new Race();
        Tags tags = Tags.of("model_id", modelId, "candidate", candidate);
        raceGauge("metalearner.race.trades", tags, race, s -> s.trades());
        raceGauge("metalearner.race.loss", tags.and("learner", "candidate"), race, s -> s.candidateLoss());
        raceGauge("metalearner.race.loss", tags.and("learner", "live"), race, s -> s.liveLoss());
        raceGauge("metalearner.race.r2", tags.and("learner", "candidate"), race, s -> orNaN(s.candidateR2()));
        raceGauge("metalearner.race.r2", tags.and("learner", "live"), race, s -> orNaN(s.liveR2()));
        raceGauge("metalearner.race.committee.pnl", tags.and("learner", "candidate"), race, s -> s.candidatePnl());
        raceGauge("metalearner.race.committee.pnl", tags.and("learner", "live"), race, s -> s.livePnl());
        raceGauge("metalearner.race.committee.pnl", tags.and("learner", "uniform"), race, s -> s.uniformPnl());
        raceGauge("metalearner.race.dm.statistic", tags, race, s -> s.test().statistic());
        raceGauge("metalearner.race.dm.p.value", tags, race, s -> s.test().pValue());
        return race;
    }

    private void raceGauge(String name, Tags tags, Race race, ToDoubleFunction<ShadowRace.Standing> value) {
        Gauge.builder(name, race, r -> r.last == null ? Double.NaN : value.applyAsDouble(r.last)).tags(tags).register(registry);
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }

    private Model register(String modelId) {
        Model model = new Model();
        Tags tags = Tags.of("model_id", modelId);
        gauge("metalearner.training.step", tags, model, m -> m.last.step());
        gauge("metalearner.rolling.loss", tags, model, m -> m.last.rollingLoss());
        gauge("metalearner.rolling.r2", tags, model, m -> m.last.rollingR2() == null ? Double.NaN : m.last.rollingR2());
        gauge("metalearner.direction.accuracy", tags, model, m -> m.last.rollingDirectionAccuracy());
        for (AlertType type : AlertType.values()) {
            gauge("metalearner.alert.active", tags.and("type", type.id()), model, m -> m.active.contains(type) ? 1 : 0);
        }
        return model;
    }

    private void gauge(String name, Tags tags, Model model, ToDoubleFunction<Model> value) {
        Gauge.builder(name, model, m -> m.last == null ? Double.NaN : value.applyAsDouble(m)).tags(tags).register(registry);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        prometheus.close();
    }
}
