package io.plantline.bench;

import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Median and spread of a benchmark's rounds. */
final class Stats {

    private Stats() {
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    static double min(List<Double> values) {
        return Collections.min(values);
    }

    static double max(List<Double> values) {
        return Collections.max(values);
    }

    /** A blank line and the head of a Markdown table of {@link #printRow} rows. */
    static void printHeader() {
        System.out.println();
        System.out.println("| measure | median | spread (min-max) |");
        System.out.println("|---|---|---|");
    }

    /** A Markdown table row: the name, the median and the spread of {@code values}, each in {@code format}. */
    static void printRow(String name, List<Double> values, String format) {
        System.out.printf(Locale.ROOT, "| %s | " + format + " | " + format + "-" + format + " |%n", name,
                median(values), min(values), max(values));
    }
}
