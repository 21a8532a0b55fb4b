package io.pim.metalearner.api;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.SettlementRule;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback bridge over Kafka: publishes a body as the broker side's two events (votes, then
 * close, both keyed by decision id) and completes the request when the stream's answer for that
 * decision shows up: its {@code weights-updated}, or a dead letter of its close. One background
 * consumer reads both topics from their end (read_committed, no group) for all requests.
 * <p>
 * If that consumer fails, the error is logged, and a new one resumes from where the failed one
 * stopped, after a backoff (doubling up to 30 s): requests meanwhile wait (up to their timeout),
 * and no answer is skipped. {@link #answering()} and {@link #restarts()} tell its health.
 */
public final class StreamFeedbackGateway implements FeedbackGateway, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamFeedbackGateway.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Topics topics;
    private final String defaultModelId;
    private final TradePublisher publisher;
    private final SettlementRule settlement;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final Duration firstBackoff;
    private final PendingAnswers pending;
    /** Where to resume reading each answer partition; the watcher thread's alone once it runs. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    /** The answer lists agent weights in roster order (a decoded Avro map has none), others after, by name. */
    private final Comparator<String> rosterOrder;
    private final AtomicLong restarts = new AtomicLong();
    private final Thread thread;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile boolean answering;
    private volatile boolean running = true;

    /** @param maxWait how long a request waits for its answer at most (the API's feedback timeout) */
    public StreamFeedbackGateway(ServiceConfig config, Topics topics, Duration maxWait) {
        this(topics, config.defaultModelId(), config.learner().roster(), maxWait,
                new KafkaClients(config).producer("metalearner-feedback", new StringSerializer(),
                        new ByteArraySerializer(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0)),
                // Kafka's default fetch wait: a fetch returns as soon as an answer is committed, and
                // an idle one asks twice a second, not 50 times as with a 20 ms wait
                () -> new KafkaClients(config).consumer("metalearner-feedback-answers", new ByteArrayDeserializer(),
                        new ByteArrayDeserializer(), Map.of()),
                Duration.ofMillis(500));
    }

    /** @param consumers makes the answer consumer, at start and after each failure */
    StreamFeedbackGateway(Topics topics, String defaultModelId, List<String> roster, Duration maxWait,
                          Producer<String, byte[]> producer, Supplier<Consumer<byte[], byte[]>> consumers,
                          Duration firstBackoff) {
        this.topics = topics;
        this.defaultModelId = defaultModelId;
        this.rosterOrder = rosterOrder(roster);
        this.pending = new PendingAnswers(maxWait);
        this.publisher = TradePublisher.requests(producer, topics);
        this.settlement = new SettlementRule(topics);
        this.consumers = consumers;
        this.firstBackoff = firstBackoff;
        try {
            // positioned at the end before any request is accepted, so no answer can be missed
            this.consumer = open();
        } catch (RuntimeException e) {
            publisher.close();
            throw e;
        }
        this.answering = true;
        this.thread = new Thread(this::watch, "feedback-answers");
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> {
            answering = false;
            log.error("feedback answers: the watcher thread died; every POST now waits out its timeout (202)", e);
        });
        thread.start();
    }

    /**
     * Publishes the feedback unless a request for the same decision is in flight here, whose answer
     * it then shares ({@link PendingAnswers}).
     */
    @Override
    public CompletableFuture<Outcome> submit(Feedback feedback) {
        FeedbackEvents.Pair pair;
        try {
            pair = FeedbackEvents.parse(feedback.body(), Instant.now());
        } catch (FeedbackEvents.Unmappable e) {
            // the learner's parser accepted it, so the contract can carry it: a bug, not bad input
            return CompletableFuture.failedFuture(new IllegalStateException("validated body not mappable: " + e.getMessage(), e));
        }
        String id = pair.decisionId();
        String modelId = LearningTopology.modelIdOf(pair.votes().getModelId(), defaultModelId);
        PendingAnswers.Wait wait = pending.await(id, modelId, System.currentTimeMillis());
        if (wait.first()) {
            try {
                publisher.publish(pair).whenComplete((written, error) -> {
                    if (error != null) wait.shared().completeExceptionally(error);
                });
            } catch (RuntimeException e) { // e.g. the registry unreachable: every request sharing the wait fails now
                wait.shared().completeExceptionally(e);
            }
        }
        return wait.answer();
    }

    /** A consumer of both answer topics, at the saved positions (at their end the first time). */
    private Consumer<byte[], byte[]> open() {
        Consumer<byte[], byte[]> c = consumers.get();
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.weightsUpdated().name(), topics.deadLetter().name())) {
                c.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            c.assign(partitions);
            for (TopicPartition p : partitions) {
                Long at = positions.get(p);
                if (at == null) c.seekToEnd(List.of(p));
                else c.seek(p, at);
                positions.put(p, c.position(p));
            }
            return c;
        } catch (RuntimeException e) {
            c.close(Duration.ZERO);
            throw e;
        }
    }

    private void watch() {
        Duration backoff = firstBackoff;
        while (running) {
            try {
                if (consumer == null) {
                    consumer = open();
                    answering = true;
                    log.info("feedback answers: reading again from {}", positions);
                }
                answer(consumer.poll(Duration.ofMillis(500)));
                backoff = firstBackoff;
            } catch (WakeupException e) {
                // close() woke the poll; the loop ends on running
            } catch (RuntimeException e) {
                // without this consumer every POST would wait out its timeout (202): log, and start anew
                answering = false;
                restarts.incrementAndGet();
                log.error("feedback answers: reading '{}' and '{}' failed; a new consumer resumes in {} ms",
                        topics.weightsUpdated().name(), topics.deadLetter().name(), backoff.toMillis(), e);
                closeQuietly(consumer);
                consumer = null;
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        answering = false;
        closeQuietly(consumer);
    }

    private void answer(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        var weights = topics.weightsUpdated().valueSerde().deserializer();
        var deadLetters = topics.deadLetter().valueSerde().deserializer();
        String weightsTopic = topics.weightsUpdated().name();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            positions.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            if (pending.isEmpty() || record.value() == null) continue;
            try {
                if (record.topic().equals(weightsTopic)) {
                    WeightsUpdated w = weights.deserialize(record.topic(), record.value());
                    pending.trained(w.getDecisionId(), w.getTimestamp().toEpochMilli(), new Trained(w.getModelId(),
                            w.getTrainingStep(), w.getPredictedReturn(), w.getActualReturn(), w.getLoss(),
                            inRosterOrder(w.getAgentWeights())));
                } else {
                    DeadLetter d = deadLetters.deserialize(record.topic(), record.value());
                    String id = settlement.decisionOf(d).orElse(null);
                    if (id == null) continue;
                    pending.refused(id, d.getTimestamp().toEpochMilli(), d.getReason().equals(Rejection.DUPLICATE.code)
                            ? new AlreadyTrained(id) : new Rejected(d.getReason(), d.getDetail()));
                }
            } catch (RuntimeException e) {
                log.warn("skipping an unreadable record at {}-{}@{}: {}", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
        }
    }

    private static Comparator<String> rosterOrder(List<String> roster) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < roster.size(); i++) index.put(roster.get(i), i);
        return Comparator.<String>comparingInt(agent -> index.getOrDefault(agent, Integer.MAX_VALUE))
                .thenComparing(Comparator.naturalOrder());
    }

    private Map<String, Double> inRosterOrder(Map<String, Double> weights) {
        Map<String, Double> ordered = new LinkedHashMap<>();
        weights.keySet().stream().sorted(rosterOrder).forEach(agent -> ordered.put(agent, weights.get(agent)));
        return ordered;
    }

    /** Sleeps, but not past close(). */
    private void pause(Duration time) {
        long until = System.nanoTime() + time.toNanos();
        while (running && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Consumer<byte[], byte[]> c) {
        if (c == null) return;
        try {
            c.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.debug("closing the failed answer consumer: {}", e.getMessage());
        }
    }

    /** Whether the answer consumer is reading; false while it is being replaced after a failure. */
    public boolean answering() {
        return answering;
    }

    /** How many times the answer consumer failed and was replaced. */
    public long restarts() {
        return restarts.get();
    }

    @Override
    public void close() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        pending.failAll(new IllegalStateException("feedback gateway closed"));
    }
}
