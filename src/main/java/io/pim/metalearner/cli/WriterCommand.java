package io.pim.metalearner.cli;

import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.sink.WriterHealth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code metalearner writer --config FILE}: the JDBI writer as a process of its own, until stopped. */
@Command(name = "writer", mixinStandardHelpOptions = true,
        description = "Land the training-log, agent-performance and weight-snapshot topics in PostgreSQL; with "
                + "health.port set, answer GET /health/live, /health/ready and /metrics there.")
public final class WriterCommand implements Callable<Integer> {

    @Mixin
    SharedOptions.ConfigFileOption config;

    @Mixin
    Logging.FormatOption logFormat;

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        WriterConfig writerConfig = WriterConfig.load(config.file);
        CountDownLatch stop = new CountDownLatch(1);
        try (JdbiWriter writer = JdbiWriter.start(writerConfig);
             WriterHealth health = writerConfig.healthPort() == 0 ? null
                     : WriterHealth.start(writer, writerConfig.healthPort(), writerConfig.maxPollInterval())) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    writer.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "writer-shutdown"));
            // returns when the writer dies of an error, or when the process is asked to stop
            while (writer.isRunning() && stop.getCount() > 0) writer.awaitStopped(java.time.Duration.ofSeconds(1));
            if (writer.failure() != null) {
                System.err.println("writer stopped: " + writer.failure());
                return 1;
            }
        }
        return 0;
    }
}
