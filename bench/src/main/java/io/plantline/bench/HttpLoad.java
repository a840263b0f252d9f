package io.plantline.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The load generator of {@link ApiBenchmark}, run as its own process so it does not share the server's JVM.
 * {@code closed}: {@code n} clients send back to back for the duration (throughput). {@code open}: requests start on a
 * fixed schedule of {@code n} per second, and latency counts from the scheduled start, so a stalled server is charged
 * for the requests that waited behind it (no coordinated omission). Prints one line:
 * {@code requests=.. errors=.. seconds=.. rps=.. p50ms=.. p99ms=..}. The same load runs for {@code WARMUP} seconds
 * first, unmeasured, so this JVM's own JIT compilation is not charged to the server.
 *
 *   HttpLoad URL TOKEN closed|open N SECONDS WARMUP
 */
public final class HttpLoad {

    private static final int OPEN_LOOP_WORKERS = 64;

    private HttpLoad() {
    }

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        String token = args[1];
        boolean open = args[2].equals("open");
        int n = Integer.parseInt(args[3]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).GET().build();
        run(client, request, open, n, Duration.ofSeconds(Long.parseLong(args[5])));
        System.out.println(run(client, request, open, n, Duration.ofSeconds(Long.parseLong(args[4]))));
        System.exit(0);
    }

    private static String run(HttpClient client, HttpRequest request, boolean open, int n, Duration duration)
            throws InterruptedException {
        int capacity = (int) Math.min(50_000_000L, (open ? n : 20_000L) * duration.toSeconds() * 2 + 1000);
        AtomicLongArray latencies = new AtomicLongArray(capacity);
        AtomicLong count = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        ExecutorService workers = Executors.newFixedThreadPool(open ? OPEN_LOOP_WORKERS : n);
        if (open) {
            long interval = 1_000_000_000L / n;
            AtomicLong next = new AtomicLong();
            for (int w = 0; w < OPEN_LOOP_WORKERS; w++) {
                workers.submit(() -> {
                    for (long i = next.getAndIncrement(); start + i * interval < end; i = next.getAndIncrement()) {
                        long scheduled = start + i * interval;
                        long wait = scheduled - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        send(client, request, scheduled, latencies, count, errors);
                    }
                    return null;
                });
            }
        } else {
            for (int w = 0; w < n; w++) {
                workers.submit(() -> {
                    while (System.nanoTime() < end) {
                        send(client, request, System.nanoTime(), latencies, count, errors);
                    }
                    return null;
                });
            }
        }
        workers.shutdown();
        workers.awaitTermination(duration.toSeconds() + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        int recorded = (int) Math.min(count.get(), capacity);
        long[] sorted = new long[recorded];
        for (int i = 0; i < recorded; i++) {
            sorted[i] = latencies.get(i);
        }
        Arrays.sort(sorted);
        return String.format("requests=%d errors=%d seconds=%.2f rps=%.0f p50ms=%.2f p99ms=%.2f", count.get(), errors.get(),
                seconds, count.get() / seconds, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    private static void send(HttpClient client, HttpRequest request, long startedNanos, AtomicLongArray latencies,
                             AtomicLong count, AtomicLong errors) {
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                errors.incrementAndGet();
            }
        } catch (Exception e) {
            errors.incrementAndGet();
        }
        long index = count.getAndIncrement();
        if (index < latencies.length()) {
            latencies.set((int) index, System.nanoTime() - startedNanos);
        }
    }

    private static double percentile(long[] sorted, double quantile) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * quantile))] / 1e6;
    }
}
