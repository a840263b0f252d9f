package io.plantline.api;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;

/**
 * What a chart shows, as pixels of the browser's screenshot of it: a browser test asks whether a series' colour is
 * drawn at all (a lone point of a line without symbols is not), whatever the chart library's own model says.
 */
final class ChartPixels {

    /** How far apart, per channel, two colours may be and still count as one (anti-aliasing blends edges). */
    private static final int TOLERANCE = 24;

    private final BufferedImage image;
    private final int top;

    private ChartPixels(BufferedImage image, int top) {
        this.image = image;
        this.top = top;
    }

    static ChartPixels of(WebElement chart) {
        try {
            return new ChartPixels(ImageIO.read(new ByteArrayInputStream(chart.getScreenshotAs(OutputType.BYTES))), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Only the rows from {@code pixels} down: a chart's legend at the top shows every series' colour. */
    ChartPixels below(int pixels) {
        return new ChartPixels(image, pixels);
    }

    long countNear(Color colour) {
        long count = 0;
        for (int y = top; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                Color pixel = new Color(image.getRGB(x, y));
                if (Math.abs(pixel.getRed() - colour.getRed()) <= TOLERANCE
                        && Math.abs(pixel.getGreen() - colour.getGreen()) <= TOLERANCE
                        && Math.abs(pixel.getBlue() - colour.getBlue()) <= TOLERANCE) {
                    count++;
                }
            }
        }
        return count;
    }
}
