package io.pim.metalearner.kafka;

import io.pim.metalearner.config.InputKeying;
import io.pim.metalearner.config.ServiceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Creates the registry's topics, checks the shape the topology relies on, and returns only once
 * every partition has a leader that serves it. Without that last wait, a producer that starts
 * right after creation can meet {@code NOT_LEADER_OR_FOLLOWER} on a new partition, and an
 * idempotent one may then be stuck: its first batch is retried while later ones are taken, and the
 * broker refuses the retry as out of order ({@code OUT_OF_ORDER_SEQUENCE_NUMBER}) until the
 * delivery timeout. The metadata naming a leader is not enough (the broker publishes it a moment
 * before its replica manager leads the partition), so each partition must also answer a
 * ListOffsets request, which only a leading replica does.
 */
public final class TopicAdmin {
    private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);
    /** New partitions on a busy broker can take a while to elect; a real failure still surfaces. */
    public static final Duration LEADER_WAIT = Duration.ofSeconds(60);

    private TopicAdmin() {
    }

    /** Creates the missing ones of {@code wanted} and waits for their leaders; existing topics are left as they are. */
    public static void createAndAwait(Admin admin, Collection<Topic<?, ?>> wanted, short replicationFactor)
            throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (Topic<?, ?> t : wanted) if (!existing.contains(t.name())) missing.add(t.newTopic(replicationFactor));
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                    log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
                } catch (ExecutionException e) {
                    // another instance created them first: fine, they are checked below
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics: " + e.getCause().getMessage(), e.getCause());
        }
        awaitLeaders(admin, wanted.stream().map(Topic::name).toList(), LEADER_WAIT);
    }

    /** Creates the service's topics if missing, waits for their leaders, and checks their shape ({@link #checkShape}). */
    public static void createAll(Admin admin, ServiceConfig config) throws InterruptedException {
        Topics topics = Topics.of(config);
        createAndAwait(admin, topics.all(), config.replicationFactor());
        checkShape(describe(admin, List.of(topics.decisionVotes().name(), topics.tradeClosed().name(),
                topics.training().name())), topics, config.inputKeying());
    }

    /**
     * The training topic must have {@code training.partitions} partitions, the two inputs the same
     * number (keyed by model id, the training topic's). A training topic of another count is refused, never re-keyed: its records place each
     * model by the old count, so the learners (and their changelogs) would no longer meet their
     * history, and adding partitions would silently move models mid-history.
     */
    static void checkShape(Map<String, TopicDescription> d, Topics topics, InputKeying keying) {
        String trainingName = topics.training().name();
        int training = d.get(trainingName).partitions().size();
        int configured = topics.training().spec().partitions();
        if (training != configured) {
            throw new IllegalStateException("topic '" + trainingName + "' has " + training + " partitions but "
                    + "training.partitions is " + configured + ": a model's whole history must stay in the partition "
                    + "its id hashes to, so the service does not re-key it. Either set training.partitions="
                    + training + " (keep the layout), or migrate: stop the service, export each model "
                    + "(bin/metalearner export), start with a new application.id and new topic names at "
                    + configured + " partitions, and import each model there (bin/metalearner import; docs/OPERATIONS.md, \"Partitions, "
                    + "instances and standbys\")");
        }
        String votesName = topics.decisionVotes().name();
        String tradesName = topics.tradeClosed().name();
        int votes = d.get(votesName).partitions().size();
        int trades = d.get(tradesName).partitions().size();
        if (votes != trades) {
            throw new IllegalStateException("topics '" + votesName + "' (" + votes + " partitions) and '"
                    + tradesName + "' (" + trades + ") must have the same partition count: "
                    + "the join needs both records of a decision on the same partition number");
        }
        if (keying == InputKeying.MODEL_ID && votes != configured) {
            throw new IllegalStateException("input.keying=model-id needs '" + votesName + "' and '" + tradesName
                    + "' with training.partitions = " + configured + " partitions, like the training topic, but they have "
                    + votes + ": a model's inputs, commands and training records must share one task. Create them "
                    + "with " + configured + " partitions (new topic names, topic.decision-votes / topic.trade-closed), or "
                    + "keep input.keying=decision-id (docs/OPERATIONS.md, \"Input keying\")");
        }
    }

    /**
     * Waits until every partition of {@code names} has a leader in the cluster's metadata that
     * answers a ListOffsets request for it.
     *
     * @throws IllegalStateException naming what is still missing at the deadline
     */
    public static void awaitLeaders(Admin admin, Collection<String> names, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String waitingFor;
        while (true) {
            try {
                List<String> leaderless = new ArrayList<>();
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                admin.describeTopics(names).allTopicNames().get().forEach((name, description) -> {
                    for (TopicPartitionInfo p : description.partitions()) {
                        if (p.leader() == null || p.leader().isEmpty()) leaderless.add(name + "-" + p.partition());
                        partitions.put(new TopicPartition(name, p.partition()), OffsetSpec.latest());
                    }
                });
                if (leaderless.isEmpty()) {
                    admin.listOffsets(partitions).all().get(); // answered only by a replica that leads
                    return;
                }
                waitingFor = "partitions without a leader: " + leaderless;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new IllegalStateException("cannot describe topics " + names + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
                // not in the metadata yet, or not led yet
                waitingFor = "topics not yet served: " + e.getCause().getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " not ready after " + timeout.toSeconds() + " s; "
                        + waitingFor);
            }
            Thread.sleep(50);
        }
    }

    private static Map<String, TopicDescription> describe(Admin admin, List<String> names) throws InterruptedException {
        try {
            return admin.describeTopics(names).allTopicNames().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe topics " + names + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
