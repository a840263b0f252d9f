package io.plantline.api.db;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A WHERE clause built from fixed SQL fragments joined by AND, with the values they bind in order: filters vary the
 * text only by which fragments they include, never by splicing a value into SQL.
 */
public final class Conditions {

    private final StringBuilder sql = new StringBuilder();
    private final List<Object> values = new ArrayList<>();

    public Conditions and(String fragment, Object... fragmentValues) {
        if (sql.length() > 0) {
            sql.append(" AND ");
        }
        sql.append(fragment);
        values.addAll(List.of(fragmentValues));
        return this;
    }

    /** The fragment, bound to the value, when the filter is given. */
    public Conditions andIf(Optional<?> value, String fragment) {
        value.ifPresent(present -> and(fragment, present));
        return this;
    }

    public String sql() {
        return sql.toString();
    }

    /** The bound values, then {@code trailing} ones (OFFSET, LIMIT) for the placeholders after the clause. */
    public Object[] values(Object... trailing) {
        List<Object> all = new ArrayList<>(values);
        all.addAll(List.of(trailing));
        return all.toArray();
    }
}
