package io.pim.metalearner.api;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.StepListener;
import io.pim.metalearner.stream.CountSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's Prometheus metrics: Kafka Streams' own (Micrometer's binder) and, under
 * {@code metalearner_}, the learner's latest figures per model, step time and end-to-end latency
 * (fed by the training step on this instance), and the stream's counters (records in, trained,
 * expired, dead letters by reason) read from its count stores at each scrape.
 */
public final class ServiceMetrics implements StepListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceMetrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer stepTime = Timer.builder("metalearner.step.time")
            .description("time of one learner step (forward, backward, Adam, weight rule)")
            .publishPercentiles(0.5, 0.99).register(registry);
    private final Timer latency = Timer.builder("metalearner.end.to.end.latency")
            .description("from a trade's close (closed_at) to the end of its training step")
            .publishPercentiles(0.5, 0.99).register(registry);
    private final Map<String, Model> models = new ConcurrentHashMap<>();
    private final Map<String, Race> races = new ConcurrentHashMap<>();
    private final Set<String> countersRegistered = ConcurrentHashMap.newKeySet();
    private volatile CountSnapshot counts = new CountSnapshot(Map.of());
    private LearningService service;
    private KafkaStreamsMetrics streamsMetrics;

    /** The latest figures of one model trained here; gauges read them. */
    private static final class Model {
        volatile StepResult last;
        volatile Set<AlertType> active = Set.of();
        final Set<String> agents = ConcurrentHashMap.newKeySet();
    }

    /** The latest standing of one candidate in its model's race. */
    private static final class Race {
        volatile ShadowRace.Standing last;
    }

    /** Binds Kafka Streams' metrics and the stream's counters; call once the service exists. */
    public void bind(LearningService service) {
        this.service = service;
        this.streamsMetrics = new KafkaStreamsMetrics(service.streams());
        streamsMetrics.bindTo(registry);
        FunctionCounter.builder("metalearner.stream.thread.failures", service.threadFailures(), f -> f.total())
                .description("stream threads that failed and were replaced (their tasks retry from the last commit)")
                .register(registry);
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

    /** The Prometheus text exposition, with the stream's counters read now. */
    public String scrape() {
        refreshCounts();
        return registry.scrape();
    }

    private void refreshCounts() {
        if (service == null) return;
        try {
            counts = service.counts();
        } catch (RuntimeException e) {
            // during a rebalance the count stores are not queryable: keep the last values
            log.debug("stream counts not available for this scrape: {}", e.getMessage());
        }
        counter("metalearner.votes.in", Tags.empty(), c -> c.votesIn());
        counter("metalearner.trades.in", Tags.empty(), c -> c.tradesIn());
        counter("metalearner.trained", Tags.empty(), c -> c.trained());
        counter("metalearner.votes.expired", Tags.empty(), c -> c.votesExpired());
        counter("metalearner.unknown.agent.votes", Tags.empty(), c -> c.unknownAgentVotes());
        for (String reason : counts.deadLettered().keySet()) {
            counter("metalearner.dead.letters", Tags.of("reason", reason), c -> c.deadLettered().getOrDefault(reason, 0L));
        }
    }

    private void counter(String name, Tags tags, ToDoubleFunction<CountSnapshot> value) {
        if (countersRegistered.add(name + tags)) {
            FunctionCounter.builder(name, this, m -> value.applyAsDouble(m.counts)).tags(tags).register(registry);
        }
    }

    @Override
    public void close() {
        if (streamsMetrics != null) streamsMetrics.close();
        registry.close();
    }
}
