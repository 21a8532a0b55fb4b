package io.pim.metalearner.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.stream.AvroSerdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The project's own PostgreSQL writer: a read_committed consumer of the training-log,
 * agent-performance and weight-snapshot topics. Each poll becomes one database transaction of
 * upserts, and only after it commits are the offsets committed, so a crash in between repeats
 * a batch (harmless: every write is an idempotent upsert) and never loses one. A record it
 * cannot write goes to the dead-letter topic with the reason. A database or schema registry it
 * cannot reach makes it wait and retry the same batch with backoff, polling paused so that it
 * keeps its place in the group (a rebalance meanwhile drops the batch, to be read again).
 * Anything that waiting cannot cure (a missing table or privilege, a wrong registry URL) stops
 * it, with the batch in hand uncommitted.
 * <p>
 * Top to bottom: start and migrate; write a poll (and wait out what is away); commit offsets;
 * decode a poll into a batch of rows and dead letters; land the batch; read back.
 */
public final class JdbiWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JdbiWriter.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** Called between the database commit and the offset commit; tests use it to crash the writer there. */
    @FunctionalInterface
    public interface CommitHook {
        CommitHook NONE = batchSize -> { };

        void afterDatabaseCommit(int batchSize);
    }

    private final WriterConfig config;
    private final CommitHook commitHook;
    private final Jdbi jdbi;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetterSender deadLetters;
    private final BatchDecoder decoder;
    private final BatchLander lander;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile boolean migrated;

    private final AtomicLong landed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    private JdbiWriter(WriterConfig config, CommitHook commitHook) {
        this.config = config;
        this.commitHook = commitHook;
        this.jdbi = jdbi(config);
        Map<String, Object> serde = AvroSerdes.config(config.registryUrl());
        this.decoder = new BatchDecoder(config.topics(), new AvroRecordReader(config.registryUrl()));
        this.lander = new BatchLander(jdbi);
        this.consumer = new KafkaConsumer<>(consumerConfig(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        AvroKafkaSerializer<DeadLetter> deadLetterSerializer = new AvroKafkaSerializer<>();
        deadLetterSerializer.configure(serde, false);
        this.deadLetters = new DeadLetterSender(new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(), deadLetterSerializer),
                config.topics().deadLetter());
        this.thread = new Thread(this::run, "jdbi-writer");
    }

    /**
     * Starts the writer on a thread of its own: it migrates the database (waiting for it, if it
     * is not there yet), then consumes. Returns at once; {@link #awaitCaughtUp} waits for both.
     */
    public static JdbiWriter start(WriterConfig config) {
        return start(config, CommitHook.NONE);
    }

    public static JdbiWriter start(WriterConfig config, CommitHook commitHook) {
        JdbiWriter writer = new JdbiWriter(config, commitHook);
        writer.consumer.subscribe(List.of(config.topics().trainingLog(), config.topics().agentPerformance(),
                config.topics().weightSnapshots()), writer.new Rebalance());
        writer.thread.start();
        log.info("JDBI writer started: {}", config);
        return writer;
    }

    /** A Jdbi on the writer's database, for reading what it wrote (row counts, the seed's queries). */
    public static Jdbi jdbi(WriterConfig config) {
        PGSimpleDataSource dataSource = config.database().dataSource();
        // a server that stops answering must not hold land() (and the consumer's poll loop) forever: after this
        // the statement fails with an I/O error (SQLState 08006) and the batch is tried again; a landing
        // transaction takes well under a second. ?socketTimeout=N in jdbc.url overrides it.
        if (dataSource.getSocketTimeout() == 0) dataSource.setSocketTimeout(60);
        return Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
    }

    private static Map<String, Object> consumerConfig(WriterConfig config) {
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId());
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // big polls: each poll is one transaction, and agent-performance dedupes within it
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
        consumer.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        consumer.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 * 1024 * 1024);
        consumer.putAll(config.consumerOverrides());
        return consumer;
    }

    private static Map<String, Object> producerConfig(WriterConfig config) {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, config.groupId() + "-dead-letters");
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return producer;
    }

    // what this writer last committed per partition (writer thread only)
    private final Map<TopicPartition, Long> committedPositions = new HashMap<>();

    private void run() {
        try {
            migrate();
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    commitPositionsPastMarkers();
                    continue;
                }
                write(records);
            }
        } catch (WakeupException stopping) {
            // close() woke the consumer up
        } catch (Throwable t) {
            failure.set(t);
            log.error("JDBI writer stopped by an error; offsets of the unfinished batch are not committed", t);
        } finally {
            lander.close();
            consumer.close(Duration.ofSeconds(5));
            deadLetters.close();
            stopped.countDown();
        }
    }

    /**
     * Brings the database to this code's schema, waiting for it (with backoff, each attempt
     * logged) while it cannot be reached. The consumer polls meanwhile, all paused, so a writer
     * started during an outage holds its place in the group like one that was running.
     */
    private void migrate() throws InterruptedException {
        Backoff backoff = new Backoff();
        try {
            while (running) {
                try {
                    // without the landing socket timeout: a migration may build an index for longer than a minute
                    Migrations.migrate(config.database().dataSource());
                    migrated = true;
                    if (backoff.waited()) log.info("Database at {} reached and migrated; writing", config.jdbcUrl());
                    return;
                } catch (RuntimeException e) {
                    if (SqlFailure.of(e) != SqlFailure.TRANSIENT) throw e;
                    waitOut(new Unavailable("the database at " + config.jdbcUrl() + " (to migrate it with Flyway before writing)", e),
                            backoff, null);
                }
            }
        } finally {
            consumer.resume(consumer.paused());
        }
    }

    /**
     * Lands one poll in one transaction, sends its dead letters, then commits its offsets. While
     * something it needs is away (the database, the schema registry) the same records are tried
     * again with growing pauses; nothing is skipped and no offset moves. If the group's
     * assignment changes meanwhile, the records are dropped and read again (see {@link #waitOut}).
     * An error that waiting does not cure is thrown and stops the writer, this poll uncommitted.
     */
    private void write(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        assignmentChanged = false;
        Batch batch = null;
        Backoff backoff = new Backoff();
        try {
            while (running) {
                try {
                    if (batch == null) batch = decoder.decode(records); // fetching a writer schema needs the registry
                    if (!batch.landed) {
                        lander.land(batch);
                        batch.landed = true;
                    }
                    deadLetters.sendAll(batch.deadLetters);
                    commitHook.afterDatabaseCommit(records.count());
                    commitOffsets(records);
                    landed.addAndGet(batch.records);
                    if (backoff.waited()) log.info("Writing again: the batch of {} records is landed", records.count());
                    return;
                } catch (Unavailable e) {
                    if (!waitOut(e, backoff, records)) return;
                }
            }
        } finally {
            consumer.resume(consumer.paused());
        }
    }

    /** Pauses between tries: 100 ms, doubling up to 5 s. */
    private static final class Backoff {
        private Duration next = FIRST_BACKOFF;
        private boolean waited;

        Duration next() {
            Duration pause = next;
            next = next.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next.multipliedBy(2);
            waited = true;
            return pause;
        }

        boolean waited() {
            return waited;
        }
    }

    // set by the rebalance listener (it runs inside poll, on the writer thread)
    private boolean assignmentChanged;

    /**
     * Notes that the assignment changed, for {@link #waitOut}; a revoked partition's last
     * committed position is forgotten (its next owner commits its own).
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            assignmentChanged = true;
            partitions.forEach(committedPositions::remove);
            log.info("Partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            assignmentChanged = true;
            log.info("Partitions assigned: {}", partitions);
        }
    }

    /**
     * Waits out one failure of something the writer needs, polling meanwhile so that the group
     * keeps this member. All its partitions stay paused: a rebalance hands partitions over
     * unpaused, so the pause is renewed after every poll, and whatever a poll returns all the
     * same is not dropped but sought back to. Returns false when the assignment changed during
     * the wait: the records in hand may now be another writer's, and a partition kept may have
     * been reset, so they are dropped and every partition is sought back to its committed offset
     * (the rows are upserts: reading them again is harmless, skipping them is not).
     */
    private boolean waitOut(Unavailable e, Backoff backoff, ConsumerRecords<byte[], byte[]> inHand) {
        retries.incrementAndGet();
        Duration pause = backoff.next();
        log.warn("Waiting for {}: {}; trying again in {} ms{}", e.what, Unavailable.rootMessage(e), pause.toMillis(),
                inHand == null ? "" : " with the same batch of " + inHand.count() + " record(s)");
        consumer.pause(consumer.assignment());
        long until = System.nanoTime() + pause.toNanos();
        while (running && System.nanoTime() < until) {
            seekBack(consumer.poll(Duration.ofMillis(Math.min(100, pause.toMillis()))));
            if (assignmentChanged) {
                assignmentChanged = false;
                rewindToCommitted(inHand);
                return false;
            }
            consumer.pause(consumer.assignment());
        }
        return true;
    }

    /** Records polled while waiting are read again later: each partition goes back to its first one. */
    private void seekBack(ConsumerRecords<byte[], byte[]> polled) {
        for (TopicPartition partition : polled.partitions()) consumer.seek(partition, polled.records(partition).get(0).offset());
    }

    private void rewindToCommitted(ConsumerRecords<byte[], byte[]> dropped) {
        Set<TopicPartition> assigned = consumer.assignment();
        if (!assigned.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata at = committed.get(partition);
                if (at != null) {
                    consumer.seek(partition, at.offset());
                } else if (dropped != null && !dropped.records(partition).isEmpty()) {
                    consumer.seek(partition, dropped.records(partition).get(0).offset());
                }
            }
        }
        log.info("The group's assignment changed while waiting: {}now reading {} from their committed offsets",
                dropped == null ? "" : "the " + dropped.count() + " records in hand are dropped, ", assigned);
    }

    /**
     * A topic written in transactions ends with a commit marker, which a poll steps over without
     * returning a record. Committing only "last record + 1" would leave the group one offset
     * behind the end forever, and {@link #awaitCaughtUp} would never see lag 0; so on an empty
     * poll the position, moved only past markers (or aborted records), is committed too.
     */
    private void commitPositionsPastMarkers() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            long position = consumer.position(partition);
            Long committed = committedPositions.get(partition);
            if (committed == null || position > committed) offsets.put(partition, new OffsetAndMetadata(position));
        }
        if (offsets.isEmpty()) return;
        try {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> committedPositions.put(partition, offset.offset()));
        } catch (RebalanceInProgressException | CommitFailedException rebalancing) {
            log.debug("Position commit refused during a rebalance; tried again on the next empty poll", rebalancing);
        }
    }

    private void commitOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> inPartition = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(inPartition.get(inPartition.size() - 1).offset() + 1));
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> committedPositions.put(partition, offset.offset()));
        } catch (RebalanceInProgressException | CommitFailedException rebalancing) {
            // the rows are in the database, the offsets did not move: the batch is read again (by this writer
            // or the partition's next owner) and upserted again, which changes nothing
            log.warn("Offset commit refused during a rebalance ({}); the batch of {} records will be read again",
                    rebalancing.getMessage(), records.count());
            Set<TopicPartition> assigned = consumer.assignment();
            for (TopicPartition partition : records.partitions()) {
                if (assigned.contains(partition)) consumer.seek(partition, records.records(partition).get(0).offset());
            }
        }
    }

    /**
     * Waits until the database is migrated and the group's committed offsets reach the end (last
     * committed transaction) of every partition of the three topics, i.e. everything produced so
     * far is in the database.
     */
    public void awaitCaughtUp(Duration timeout) throws InterruptedException, TimeoutException {
        new CatchUpCheck(config, this::newAdmin).await(timeout, () -> migrated, failure::get);
    }

    private Admin newAdmin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()));
    }

    /** Rows per table, counted with SQL. */
    public Map<String, Long> rowCounts() {
        return rowCounts(jdbi);
    }

    public static Map<String, Long> rowCounts(Jdbi jdbi) {
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbi.useHandle(h -> {
            for (String table : List.of("metalearner_training_log", "agent_performance", "metalearner_weights")) {
                counts.put(table, h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
            }
        });
        return counts;
    }

    /** The seed's three queries, on the writer's database. */
    public <R> R query(java.util.function.Function<HistoryQueries, R> question) {
        return jdbi.withExtension(HistoryQueries.class, question::apply);
    }

    /** Records landed (a record superseded within its poll by a newer one for the same row counts too). */
    public long landedRecords() {
        return landed.get();
    }

    public long deadLettered() {
        return deadLetters.sent();
    }

    /** How many times the writer waited for the database or the schema registry to come back. */
    public long retries() {
        return retries.get();
    }

    /** The error that stopped the writer, if one did. */
    public Throwable failure() {
        return failure.get();
    }

    public boolean isRunning() {
        return stopped.getCount() > 0;
    }

    /** Blocks until the writer's thread has ended (stopped, or died of an error). */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops after the batch in hand; an uncommitted batch is read again by the next writer. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        stopped.await(30, TimeUnit.SECONDS);
    }
}
