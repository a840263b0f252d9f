package io.plantline.pipeline.anomaly;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The labelled synthetic data set for the anomaly detector, generated from a fixed seed and kept in the repo as
 * {@code src/test/resources/anomaly/labelled-series.csv} (regenerate with {@code main}). Each series is a sensor:
 * a level, Gaussian noise, a slow linear drift of up to 4 standard deviations over the series and a slow cycle of
 * 2 standard deviations; into it are injected spikes (one reading 7 to 15 standard deviations off) and level
 * shifts (a lasting step of 3 to 8 standard deviations). Every reading carries its label.
 */
public final class LabelledSeries {

    public static final String RESOURCE = "/anomaly/labelled-series.csv";
    static final int SERIES = 20;
    static final int READINGS = 3_000;
    static final String NORMAL = "normal";

    public record Reading(int series, int index, double value, String label) {
    }

    private LabelledSeries() {
    }

    public static List<Reading> generate(long seed) {
        Random random = new Random(seed);
        List<Reading> readings = new ArrayList<>();
        for (int series = 0; series < SERIES; series++) {
            double level = 10 + random.nextDouble() * 990;
            double sigma = level * (0.002 + random.nextDouble() * 0.02);
            double drift = (random.nextDouble() * 8 - 4) * sigma / READINGS;
            double cyclePeriod = 1_500 + random.nextInt(1_500);
            String[] labels = new String[READINGS];
            java.util.Arrays.fill(labels, NORMAL);
            double[] offsets = new double[READINGS];
            for (int shift = 0; shift < 2; shift++) {
                int at = 300 + shift * 1_300 + random.nextInt(1_000);
                double step = (3 + random.nextDouble() * 5) * sigma * (random.nextBoolean() ? 1 : -1);
                labels[at] = AnomalyDetector.LEVEL_SHIFT;
                for (int i = at; i < READINGS; i++) {
                    offsets[i] += step;
                }
            }
            for (int spike = 0; spike < 6; spike++) {
                int at = 100 + random.nextInt(READINGS - 100);
                if (labels[at].equals(NORMAL) && !nearShift(labels, at)) {
                    labels[at] = AnomalyDetector.SPIKE;
                    offsets[at] += (7 + random.nextDouble() * 8) * sigma * (random.nextBoolean() ? 1 : -1);
                }
            }
            for (int i = 0; i < READINGS; i++) {
                double value = level + drift * i + 2 * sigma * Math.sin(2 * Math.PI * i / cyclePeriod)
                        + sigma * random.nextGaussian() + offsets[i];
                readings.add(new Reading(series, i, value, labels[i]));
            }
        }
        return readings;
    }

    /** Spikes are kept apart from shifts, so each injected anomaly has one unambiguous label. */
    private static boolean nearShift(String[] labels, int at) {
        for (int i = Math.max(0, at - 40); i < Math.min(labels.length, at + 40); i++) {
            if (labels[i].equals(AnomalyDetector.LEVEL_SHIFT)) {
                return true;
            }
        }
        return false;
    }

    public static String csv(List<Reading> readings) {
        StringBuilder csv = new StringBuilder("series,index,value,label\n");
        for (Reading reading : readings) {
            csv.append(String.format(Locale.ROOT, "%d,%d,%.6f,%s%n", reading.series(), reading.index(), reading.value(),
                    reading.label()));
        }
        return csv.toString();
    }

    public static List<Reading> parse(String csv) {
        List<Reading> readings = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] fields = line.split(",");
            if (fields.length == 4 && !fields[0].equals("series")) {
                readings.add(new Reading(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]),
                        Double.parseDouble(fields[2]), fields[3].trim()));
            }
        }
        return readings;
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of("pipeline-jobs/src/test/resources" + RESOURCE);
        Files.writeString(target, csv(generate(2026)), StandardCharsets.UTF_8);
        System.out.println("wrote " + target);
    }
}
