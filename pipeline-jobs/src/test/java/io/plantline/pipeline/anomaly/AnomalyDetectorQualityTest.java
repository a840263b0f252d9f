package io.plantline.pipeline.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Precision and recall of the detector with its default settings on the labelled data set. A spike counts as
 * found when the detector flags that very reading; a level shift when it flags a reading within
 * {@link #SHIFT_TOLERANCE} readings after the step. Any other flag is a false alarm.
 */
class AnomalyDetectorQualityTest {

    static final int SHIFT_TOLERANCE = 20;

    @Test
    void theDataSetInTheRepoIsTheOneTheGeneratorMakes() throws IOException {
        assertThat(resource()).isEqualTo(LabelledSeries.csv(LabelledSeries.generate(2026)));
    }

    @Test
    void precisionAndRecallAreBothAtLeastNinetyPercent() throws IOException {
        Score score = score(LabelledSeries.parse(resource()), AnomalySettings.DEFAULTS);
        System.out.printf("anomaly detector on %d readings, %d anomalies: precision %.3f, recall %.3f "
                        + "(%d flags, %d false alarms, %d missed)%n",
                score.readings, score.anomalies, score.precision(), score.recall(), score.flags, score.falseAlarms,
                score.missed());

        assertThat(score.precision()).isGreaterThanOrEqualTo(0.9);
        assertThat(score.recall()).isGreaterThanOrEqualTo(0.9);
    }

    static Score score(List<LabelledSeries.Reading> readings, AnomalySettings settings) {
        AnomalyDetector detector = new AnomalyDetector(settings);
        Score score = new Score();
        for (int series = 0; series < LabelledSeries.SERIES; series++) {
            int id = series;
            List<LabelledSeries.Reading> ofSeries = readings.stream().filter(r -> r.series() == id).toList();
            List<Integer> flagged = new ArrayList<>();
            Baseline baseline = null;
            for (LabelledSeries.Reading reading : ofSeries) {
                AnomalyDetector.Outcome outcome = detector.observe(baseline, reading.value());
                baseline = outcome.baseline();
                if (outcome.anomalous()) {
                    flagged.add(reading.index());
                }
            }
            List<Integer> explained = new ArrayList<>();
            for (LabelledSeries.Reading reading : ofSeries) {
                if (reading.label().equals(LabelledSeries.NORMAL)) {
                    continue;
                }
                score.anomalies++;
                int from = reading.index();
                int to = reading.label().equals(AnomalyDetector.SPIKE) ? from : from + SHIFT_TOLERANCE;
                List<Integer> hits = flagged.stream().filter(index -> index >= from && index <= to).toList();
                if (!hits.isEmpty()) {
                    score.found++;
                    explained.addAll(hits);
                }
            }
            score.readings += ofSeries.size();
            score.flags += flagged.size();
            score.falseAlarms += (int) flagged.stream().filter(index -> !explained.contains(index)).count();
        }
        return score;
    }

    static final class Score {
        int readings;
        int anomalies;
        int found;
        int flags;
        int falseAlarms;

        double precision() {
            return flags == 0 ? 1 : (flags - falseAlarms) / (double) flags;
        }

        double recall() {
            return anomalies == 0 ? 1 : found / (double) anomalies;
        }

        int missed() {
            return anomalies - found;
        }
    }

    private static String resource() throws IOException {
        try (InputStream in = AnomalyDetectorQualityTest.class.getResourceAsStream(LabelledSeries.RESOURCE)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
