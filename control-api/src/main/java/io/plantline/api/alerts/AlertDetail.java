package io.plantline.api.alerts;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;

/** An alert as its own page reads it: the row, and every comment people gave it, oldest first. */
public record AlertDetail(@JsonUnwrapped Alert alert, List<AlertComment> comments) {
}
