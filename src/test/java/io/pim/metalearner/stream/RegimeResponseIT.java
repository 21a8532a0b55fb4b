package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.regime.RegimeResponse;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service with a regime response, on a real broker and registry: the response fires live, its
 * state travels in the changelogged learner (a replacement machine with an empty disk continues
 * it), and a replay of the training topic reproduces the live model byte for byte.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class RegimeResponseIT {
    private static final Duration OUTPUT = Duration.ofSeconds(180);

    private static TestKafka kafka;
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedStack(TestKafka sharedKafka, EmbeddedRegistry sharedRegistry) {
        kafka = sharedKafka;
        registry = sharedRegistry;
    }

    /** Feedback bodies of a market that turns violent after 300 trades (±0.5 % moves, then ±15 %). */
    private static List<String> calmThenViolent(int n) {
        Rng rng = new Rng(11);
        List<String> lines = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            double move = (i <= 300 ? 0.005 : 0.15) * (2 * rng.nextDouble() - 1);
            lines.add(String.format(Locale.ROOT, "{\"decision_id\":\"r-%d\",\"workflow_id\":\"wf\",\"symbol\":\"AAPL\","
                    + "\"action\":\"BUY\",\"entry_price\":100.0,\"exit_price\":%.6f,\"actual_profit\":0,\"hold_duration\":1,"
                    + "\"agent_votes\":{\"TradingAgent\":{\"direction\":\"%s\",\"confidence\":%.2f,\"position_size\":1.0}}}",
                    i, 100 * (1 + move), rng.nextDouble() < 0.5 ? "LONG" : "SHORT", 0.5 + 0.4 * rng.nextDouble()));
        }
        return lines;
    }

    @Test
    void theResponseFiresLiveSurvivesAMoveToAnEmptyDiskAndTheReplayIsTheLiveModel() throws Exception {
        // given a service whose models respond to drift
        Properties p = ServiceProperties.isolated("regime", kafka, registry.apiUrl(), stateDir);
        p.setProperty("regime.response", "reset-moments,boost");
        p.setProperty("regime.boost-steps", "20");
        ServiceConfig config = ServiceProperties.config(p);
        assertThat(config.learner().response().resetMoments()).isTrue();
        assertThat(config.learner().response().boostSteps()).isEqualTo(20);
        List<String> lines = calmThenViolent(600);
        List<WeightsUpdated> steps = new ArrayList<>();
        Topics topics = Topics.of(config);
        try (KafkaConsumer<String, WeightsUpdated> weights = new KafkaClients(config).consumer("regime-test",
                topics.weightsUpdated().keySerde().deserializer(), topics.weightsUpdated().valueSerde().deserializer(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            // when the first 400 trades (the market turns at 300) are trained
            try (LearningService first = new LearningService(config)) {
                first.createTopics();
                kafka.awaitLeaders(ServiceProperties.topicNames(config));
                TestConsumers.fromStart(weights, topics.weightsUpdated().name());
                first.start();
                publish(config, first.topics(), lines.subList(0, 400));
                awaitSteps(weights, steps, 400);
            }
            // and a replacement machine with an empty disk restores the learner from its changelog and trains the rest
            try (LearningService replacement = new LearningService(config.withStateDir(stateDir.resolve("replacement")))) {
                replacement.start();
                publish(config, replacement.topics(), lines.subList(400, 600));
                awaitSteps(weights, steps, 600);
            }
        }

        // then every step once, the response fired, and the replay of the training topic is the live model
        assertThat(steps.stream().map(WeightsUpdated::getTrainingStep).toList())
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 600).boxed().toList());
        TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), config.defaultModelId());
        Learner replayed = replay.learner();
        assertThat(replay.records()).isEqualTo(600);
        assertThat(replayed.config().response()).isEqualTo(config.learner().response());
        assertThat(replayed.regimeResponses()).isPositive();
        assertThat(replayed.fingerprint()).isEqualTo(steps.get(599).getFingerprint());
        // and the response is part of that model: without it the same trades give another one
        TrainingReplay.Result plain = TrainingReplay.fromTopic(config, config.learner().withResponse(RegimeResponse.NONE),
                config.defaultModelId());
        assertThat(plain.learner().fingerprint()).isNotEqualTo(steps.get(599).getFingerprint());
    }

    private static void publish(ServiceConfig config, Topics topics, List<String> lines) throws Exception {
        try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), topics, 5)) {
            for (String line : lines) assertThat(publisher.publish(line)).isEqualTo(TradePublisher.Outcome.PUBLISHED);
            publisher.flush();
        }
    }

    private static void awaitSteps(KafkaConsumer<String, WeightsUpdated> weights, List<WeightsUpdated> steps, int n) throws Exception {
        Await.until(() -> n + " steps; so far " + steps.size(), OUTPUT, () -> {
            weights.poll(Duration.ofMillis(200)).forEach(r -> steps.add(r.value()));
            return steps.size() >= n;
        });
    }
}
