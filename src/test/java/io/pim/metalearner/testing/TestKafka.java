package io.pim.metalearner.testing;

import io.pim.metalearner.kafka.TopicAdmin;
import io.pim.metalearner.tools.embedded.EmbeddedKafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A single combined KRaft node in this JVM: the demo's {@link EmbeddedKafka}, with the
 * replication-factor-1 settings a one-node cluster needs. Shared by the test classes that ask
 * {@link KafkaExtension} for it; {@link #startOwn()} is for the odd test that needs one of its own.
 */
public final class TestKafka implements AutoCloseable {
    /** How long a just-created topic may take to have a leader for every partition. */
    private static final Duration LEADERS = Duration.ofSeconds(60);

    private final EmbeddedKafka broker;

    private TestKafka(EmbeddedKafka broker) {
        this.broker = broker;
    }

    /** A node of the caller's own, closed by the caller. */
    public static TestKafka startOwn() throws Exception {
        // the demo's broker; tests also produce to topics they did not create, as Kafka's default allows
        return new TestKafka(EmbeddedKafka.start(Map.of("auto.create.topics.enable", "true")));
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** An admin client on this node; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Creates the topics and returns once every partition of each has a leader, so a producer can use them at once. */
    public void createTopics(NewTopic... topics) throws Exception {
        createTopics(List.of(topics));
    }

    public void createTopics(Collection<NewTopic> topics) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get();
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList());
        }
    }

    /**
     * Returns once every partition of each topic has a leader that serves it: a topic just created
     * (by a test or by the service) may have none yet, and a producer that sends to it then gets
     * NOT_LEADER_OR_FOLLOWER. An idempotent producer can then be stuck for good: its first batch
     * is retried while later ones are taken, and the broker refuses the retry as out of order
     * (OUT_OF_ORDER_SEQUENCE_NUMBER, seen in LearningServiceIT). The metadata naming a
     * leader is not enough (the broker publishes it a moment before its replica manager leads the
     * partition), so each partition's leader must also answer a ListOffsets request, which only a
     * leading replica does.
     */
    public void awaitLeaders(Collection<String> topics) throws Exception {
        try (Admin admin = admin()) {
            awaitLeaders(admin, topics);
        }
    }

    private static void awaitLeaders(Admin admin, Collection<String> topics) throws Exception {
        TopicAdmin.awaitLeaders(admin, topics, LEADERS); // the product's own wait, so tests and service agree
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }

    @Override
    public String toString() {
        return "TestKafka[" + bootstrapServers() + "]";
    }
}
