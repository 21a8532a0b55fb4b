package io.pim.metalearner.tools.bench;

import io.pim.metalearner.api.ApiConfig;
import io.pim.metalearner.api.HttpService;
import io.pim.metalearner.api.ServiceMetrics;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedStack;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The feedback round trip as the broker side sees it (not a unit test): the embedded stack
 * (in-JVM KRaft broker, Apicurio, the learning service under exactly_once_v2) with the HTTP API,
 * and seed-shaped bodies POSTed at a paced rate, each timed from sending the request to reading
 * the seed-shaped answer (which is sent once that decision's weights-updated is out).
 * Run (see docs/BENCHMARKS.md): {@code java ... io.pim.metalearner.tools.bench.FeedbackRoundTripBenchmark
 * [rate/s, default 50] [seconds, default 30] [commit interval, default the service's]}, with
 * {@code -Dbench.warmup=N} paced warm-up requests (default 1000) and {@code -Dbench.settings=k=v,k=v}
 * extra service settings.
 */
public final class FeedbackRoundTripBenchmark {

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String commitInterval = args.length > 2 ? args[2] : null; // null: the service default
        // optional: more warm-up requests, and extra service settings as key=value,key=value
        int warmup = Integer.getInteger("bench.warmup", 1000);
        int total = rate * seconds;
        TradeSimulator trades = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 7, TradeSimulator.Scenario.SKILLS, 100 + warmup + total);

        try (EmbeddedStack stack = new EmbeddedStack().closeOnExit()) {
            ServiceMetrics metrics = new ServiceMetrics();
            Properties settings = new Properties();
            if (commitInterval != null) settings.setProperty("commit.interval", commitInterval);
            BenchSettings.addTo(settings);
            stack.start(settings, false, metrics);
            stack.own(metrics);
            HttpService http = stack.own(HttpService.start(stack.service(), metrics, ApiConfig.from(stack.config()).withPort(0)));
            URI feedback = URI.create("http://localhost:" + http.port() + "/api/pim/feedback");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            // warm-up: one at a time first (schema registration, transactions), then at the paced
            // rate, untimed, until the JIT has compiled the path (the broker's included)
            for (int i = 0; i < 100; i++) client.send(post(feedback, trades.next()), HttpResponse.BodyHandlers.ofString());
            paced(client, feedback, trades, rate, warmup, new ConcurrentLinkedQueue<>(), new ConcurrentHashMap<>());

            ConcurrentLinkedQueue<Long> micros = new ConcurrentLinkedQueue<>();
            Map<Integer, Integer> codes = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            paced(client, feedback, trades, rate, total, micros, codes);
            double achieved = total / ((System.nanoTime() - start) / 1e9);

            long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "feedback round trip: %d requests paced at %d/s (achieved %.1f/s), commit.interval %s %s%n",
                    total, rate, achieved, stack.config().commitInterval().toMillis() + "ms", "(after " + warmup + " paced warm-up requests" + (System.getProperty("bench.settings", "").isEmpty() ? "" : "; " + System.getProperty("bench.settings")) + ")");
            System.out.printf(Locale.ROOT, "  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms%n",
                    pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99), sorted[sorted.length - 1] / 1e3);
            System.out.println("  status codes: " + new TreeMap<>(codes));
        }
    }

    /** POSTs {@code n} trades at {@code rate} per second and waits for every answer: round trips in µs, status codes. */
    private static void paced(HttpClient client, URI feedback, TradeSimulator trades, int rate, int n,
                              Queue<Long> micros, Map<Integer, Integer> codes) throws InterruptedException {
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            long sent = System.nanoTime();
            inFlight.add(client.sendAsync(post(feedback, trades.next()), HttpResponse.BodyHandlers.ofString())
                    .thenAccept(r -> {
                        micros.add((System.nanoTime() - sent) / 1_000);
                        codes.merge(r.statusCode(), 1, Integer::sum);
                    }));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
    }

    private static HttpRequest post(URI uri, String body) {
        return HttpRequest.newBuilder(uri).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static double pct(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e3;
    }
}
