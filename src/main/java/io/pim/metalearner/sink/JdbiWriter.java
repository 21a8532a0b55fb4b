package io.pim.metalearner.sink;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

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
 * This class is the task: its thread, the migration, the poll loop and the waits. A poll is
 * decoded by {@link BatchDecoder}, landed by {@link BatchLander}, its dead letters sent by
 * {@link DeadLetterSender}, its offsets committed by {@link GroupOffsets}; {@link CatchUpCheck}
 * tells when all is in; {@link WriterClients} builds the Kafka clients. Top to bottom: start;
 * run and migrate; write a poll and wait out what is away; read back.
 */
public final class JdbiWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JdbiWriter.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** Called between the database commit and the offset commit; tests use it to crash the writer there. */
    @FunctionalInterface
    public interface CommitHook {
        CommitHook NONE = batchSize -> { };

        void afterDatabaseCommit(int batchSize);
    }

    private final WriterConfig config;
    private final CommitHook commitHook;
    private final Jdbi jdbi;
    private final BatchDecoder decoder;
    private final BatchLander lander;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final GroupOffsets offsets;
    private final DeadLetterSender deadLetters;
    private final CatchUpCheck catchUp;
    private final WriterMetrics metrics = new WriterMetrics();
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile boolean migrated;
    /** When the loop last polled (System.nanoTime), for the liveness check; every wait polls too. */
    private volatile long lastPoll = System.nanoTime();
    /** What the writer is waiting out now (the database, the registry), or null. */
    private volatile String waitingFor;

    private final AtomicLong landed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    private JdbiWriter(WriterConfig config, CommitHook commitHook) {
        this.config = config;
        this.commitHook = commitHook;
        this.jdbi = jdbi(config);
        this.decoder = new BatchDecoder(config.topics(), new AvroRecordReader(config.registryClient()));
        this.lander = new BatchLander(jdbi);
        this.consumer = WriterClients.consumer(config);
        this.offsets = new GroupOffsets(consumer);
        this.deadLetters = new DeadLetterSender(WriterClients.deadLetterProducer(config), config.topics().deadLetter(),
                metrics::deadLettered);
        metrics.bind(consumer);
        this.catchUp = new CatchUpCheck(config, () -> WriterClients.admin(config));
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
        writer.consumer.subscribe(config.topics().landed(), writer.offsets);
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

    private void run() {
        try {
            migrate();
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                lastPoll = System.nanoTime();
                if (records.isEmpty()) {
                    offsets.commitPositionsPastMarkers();
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
            // the registry stays: /metrics answers until the process ends, the consumer's meters gone with it
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
                    waitingFor = null;
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
        offsets.watchForRebalance();
        Batch batch = null;
        Backoff backoff = new Backoff();
        try {
            while (running) {
                try {
                    if (batch == null) batch = decoder.decode(records); // fetching a writer schema needs the registry
                    if (!batch.landed) {
                        lander.land(batch);
                        batch.landed = true;
                        metrics.landed(batch);
                    }
                    deadLetters.sendAll(batch.deadLetters);
                    commitHook.afterDatabaseCommit(records.count());
                    offsets.commitLanded(records);
                    landed.addAndGet(batch.records);
                    waitingFor = null;
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

    /**
     * Waits out one failure of something the writer needs, polling meanwhile so that the group
     * keeps this member. All its partitions stay paused: a rebalance hands partitions over
     * unpaused, so the pause is renewed after every poll, and whatever a poll returns all the
     * same is not dropped but sought back to. Returns false when the assignment changed during
     * the wait: the records in hand are dropped and every partition goes back to its committed
     * offset ({@link GroupOffsets#rewoundAfterRebalance}).
     */
    private boolean waitOut(Unavailable e, Backoff backoff, ConsumerRecords<byte[], byte[]> inHand) {
        retries.incrementAndGet();
        metrics.waited();
        waitingFor = e.what;
        Duration pause = backoff.next();
        log.warn("Waiting for {}: {}; trying again in {} ms{}", e.what, Unavailable.rootMessage(e), pause.toMillis(),
                inHand == null ? "" : " with the same batch of " + inHand.count() + " record(s)");
        consumer.pause(consumer.assignment());
        long until = System.nanoTime() + pause.toNanos();
        while (running && System.nanoTime() < until) {
            offsets.seekBack(consumer.poll(Duration.ofMillis(Math.min(100, pause.toMillis()))));
            lastPoll = System.nanoTime();
            if (offsets.rewoundAfterRebalance(inHand)) return false;
            consumer.pause(consumer.assignment());
        }
        return true;
    }

    /**
     * Waits until the database is migrated and the group's committed offsets reach the end (last
     * committed transaction) of every partition of the three topics, i.e. everything produced so
     * far is in the database.
     */
    public void awaitCaughtUp(Duration timeout) throws InterruptedException, TimeoutException {
        catchUp.await(timeout, () -> migrated, failure::get);
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
    public <R> R query(Function<HistoryQueries, R> question) {
        return jdbi.withExtension(HistoryQueries.class, question::apply);
    }

    /** Records landed (a record superseded within its poll by a newer one for the same row counts too). */
    public long landedRecords() {
        return landed.get();
    }

    public long deadLettered() {
        return deadLetters.sent();
    }

    /** Its Prometheus metrics, served on the health port's {@code /metrics}. */
    public WriterMetrics metrics() {
        return metrics;
    }

    /** How many times the writer waited for the database or the schema registry to come back. */
    public long retries() {
        return retries.get();
    }

    /** The error that stopped the writer, if one did. */
    public Throwable failure() {
        return failure.get();
    }

    /** Whether the database has this code's schema (the writer migrated it) and writing has begun. */
    public boolean isMigrated() {
        return migrated;
    }

    /** What the writer is waiting for now (e.g. "the database at ..."), or null when it is not waiting. */
    public String waitingFor() {
        return waitingFor;
    }

    /** How long ago the poll loop last polled; it polls while waiting too, so only a stuck thread lets this grow. */
    public Duration sinceLastPoll() {
        return Duration.ofNanos(System.nanoTime() - lastPoll);
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
        metrics.close();
    }
}
