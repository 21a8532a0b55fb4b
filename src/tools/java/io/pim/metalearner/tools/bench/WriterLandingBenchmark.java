package io.pim.metalearner.tools.bench;

import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.testing.TradeHistory;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestPostgres;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How fast the JDBI writer lands trained trades: TRADES trades (each one training-log record,
 * nine agent-performance records and every tenth a snapshot) are produced first, then a writer
 * starts and the clock runs until it has caught up (all three tables, offsets committed).
 * Not a unit test: run it by hand (see docs/BENCHMARKS.md). Argument: number of trades (default 100000).
 */
public final class WriterLandingBenchmark {
    public static void main(String[] args) throws Exception {
        int trades = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        // a program of its own, not a JUnit test: it starts its own broker, registry and database
        try (TestKafka broker = TestKafka.startOwn();
             EmbeddedRegistry registry = EmbeddedRegistry.start();
             TestPostgres postgres = TestPostgres.startOwn()) {
            WriterConfig.Topics topics = Landing.topics("bench");
            Landing.createTopics(broker, topics);
            List<TradeHistory.Step> history = TradeHistory.generate("default", trades, 1);
            long produceStart = System.nanoTime();
            Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, history);
            double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
            long records = history.stream().mapToLong(s -> 1 + s.performance().size() + (s.snapshot() == null ? 0 : 1)).sum();
            history = null; // let the producer's copy go before the writer runs

            String jdbcUrl = postgres.createDatabase("bench").jdbcUrl();
            WriterConfig config = Landing.writerConfig(broker, registry.apiUrl(), jdbcUrl, topics, "bench");
            long start = System.nanoTime();
            Map<String, Long> rows;
            try (JdbiWriter writer = JdbiWriter.start(config)) {
                writer.awaitCaughtUp(Duration.ofMinutes(5));
                double seconds = (System.nanoTime() - start) / 1e9;
                rows = writer.rowCounts();
                System.out.printf("produced %,d records (%,d trades) in %.1f s%n", records, trades, produceSeconds);
                System.out.printf("JDBI writer landed %,d trades (%,d records) in %.2f s: %,.0f trades/s, %,.0f records/s%n",
                        trades, records, seconds, trades / seconds, records / seconds);
                System.out.println("rows: " + rows);
            }
            if (rows.get("metalearner_training_log") != trades) throw new IllegalStateException("missing rows: " + rows);
        }
    }
}
