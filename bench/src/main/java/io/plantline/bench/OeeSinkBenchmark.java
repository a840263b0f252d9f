package io.plantline.bench;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.oee.MinuteTimes;
import io.plantline.pipeline.oee.OeeComponents;
import io.plantline.pipeline.oee.OeeMinute;
import io.plantline.pipeline.oee.OeeMinutesTable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Minute rows per second into PostgreSQL through the OEE job's writer ({@link OeeMinutesTable}, parallelism 2,
 * keyed by machine as in the job). Each round writes two minutes of every machine and then rewrites the first minute
 * of every tenth one (a correction that lowers its hour and day), and checks that the hour roll-ups are the sums of
 * the minutes. It uses nothing but the writer's public entry point, so the same file measures an earlier commit.
 *
 * <pre>java ... OeeSinkBenchmark [rounds=5] [machines=100000]</pre>
 */
public final class OeeSinkBenchmark {

    private static final String MISMATCHED_HOURS = """
            SELECT count(*) FROM oee_1h h FULL JOIN (
                SELECT org_slug, device_id, date_trunc('hour', bucket_start, 'UTC') AS bucket_start,
                       sum(run_ms) AS run_ms, sum(good_count) AS good_count
                FROM oee_1m GROUP BY 1, 2, 3) m USING (org_slug, device_id, bucket_start)
            WHERE h.run_ms IS DISTINCT FROM m.run_ms OR h.good_count IS DISTINCT FROM m.good_count""";

    private final BenchStack stack;
    private final int machines;
    private final long hour = Instant.now().minus(Duration.ofDays(1)).toEpochMilli() / 3_600_000 * 3_600_000;

    private OeeSinkBenchmark(BenchStack stack, int machines) {
        this.stack = stack;
        this.machines = machines;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int machines = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        try (BenchStack stack = BenchStack.start("oee-sink")) {
            OeeSinkBenchmark benchmark = new OeeSinkBenchmark(stack, machines);
            System.out.printf("""

                    `bench/oee-sink.sh %d %d`, run %s: %,d minute rows a round (two minutes of %,d machines, then
                    the first minute of every tenth rewritten) through the OEE job's writer at parallelism %d into
                    embedded PostgreSQL 17, the same JVM and 2 cores.

                    | round | minute rows/s, job start to last commit | roll-ups exact |
                    |---|---|---|
                    """, rounds, machines, Instant.now().toString().substring(0, 10), benchmark.rows(), machines,
                    BenchStack.PARALLELISM);
            List<Double> rates = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                double rate = benchmark.round();
                rates.add(rate);
                System.out.printf("| %d | %,.0f | %s |%n", round, rate,
                        stack.queryLong(MISMATCHED_HOURS) == 0 ? "yes" : "NO");
            }
            System.out.printf("%nMedian %,.0f minute rows/s (%,.0f-%,.0f).%n", Stats.median(rates), Stats.min(rates),
                    Stats.max(rates));
        }
        System.exit(0);
    }

    private long rows() {
        return 2L * machines + machines / 10;
    }

    /** Rows per second from the job's start until its last row is committed. */
    private double round() throws Exception {
        stack.execute("TRUNCATE oee_1m, oee_1h, oee_1d");
        int count = machines;
        long first = hour;
        long start = System.nanoTime();
        stack.flink.executeJobBlocking(BenchStack.graph("oee-sink-bench", stack.options(), env -> {
            var minutes = env.fromSequence(0, rows() - 1)
                    .map(i -> minute(i, count, first), TypeInformation.of(OeeMinute.class))
                    .keyBy(OeeMinute::deviceId);
            OeeMinutesTable.table(JdbcAddress.of(stack.jdbcUrl)).writer(minutes, "oee-sink-bench", "writer")
                    .sinkTo(new DiscardingSink<>());
        }).getJobGraph());
        return rows() / BenchStack.seconds(start);
    }

    /** Row i: minute 0 of every machine, then minute 1, then minute 0 again for every tenth machine, run time lower. */
    private static OeeMinute minute(long i, int machines, long hour) {
        long phase = i / machines;
        int machine = phase < 2 ? (int) (i % machines) : (int) (i % machines) * 10 % machines;
        long run = phase < 2 ? 54_000 : 40_000;
        OeeComponents components = new OeeComponents(60_000, run, 30, 29 - machine % 3, 30 * 1_500.0,
                (29 - machine % 3) * 1_500.0, true);
        return new OeeMinute("bench", "m-" + machine, hour + Math.min(phase, 1) * 60_000,
                new MinuteTimes(60_000, run, 60_000 - run, 0, 0, true), components, 1_500.0, List.of());
    }
}
