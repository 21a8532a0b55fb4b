package io.pim.metalearner.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * A single combined KRaft node in this JVM (Kafka's {@link KafkaClusterTestKit}), with the
 * replication-factor-1 settings a one-node cluster needs. Shared by the test classes that ask
 * {@link KafkaExtension} for it; {@link #startOwn()} is for the odd test that needs one of its own.
 */
public final class TestKafka implements AutoCloseable {
    /** How long a just-created topic may take to have a leader for every partition. */
    private static final Duration LEADERS = Duration.ofSeconds(60);

    private final KafkaClusterTestKit cluster;

    private TestKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** A node of the caller's own, closed by the caller. */
    public static TestKafka startOwn() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new TestKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
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
     * Returns once every partition of each topic has a leader in the cluster's metadata: a topic
     * just created (by a test or by the service) may not have one yet, and a producer that sends
     * to it then gets NOT_LEADER_OR_FOLLOWER.
     */
    public void awaitLeaders(Collection<String> topics) throws Exception {
        try (Admin admin = admin()) {
            awaitLeaders(admin, topics);
        }
    }

    private static void awaitLeaders(Admin admin, Collection<String> topics) throws Exception {
        List<String> leaderless = new ArrayList<>(topics);
        Await.until(() -> "a leader for every partition of " + leaderless, LEADERS, () -> {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get();
                leaderless.clear();
                described.forEach((name, description) -> {
                    for (TopicPartitionInfo partition : description.partitions()) {
                        Node leader = partition.leader();
                        if (leader == null || leader.isEmpty() || leader.id() < 0) leaderless.add(name + "-" + partition.partition());
                    }
                });
                return leaderless.isEmpty();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) return false; // not in the metadata yet
                throw e;
            }
        });
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }

    @Override
    public String toString() {
        return "TestKafka[" + bootstrapServers() + "]";
    }
}
