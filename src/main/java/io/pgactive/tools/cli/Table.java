package io.pgactive.tools.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Aligned plain-text columns that fit a terminal width: the widest text column gives way first. Numbers are right
 * aligned. Colour is applied after padding so escape codes never shift a column.
 */
final class Table {

    private final String[] headers;
    private final boolean[] numeric;
    private final boolean[] fixed;
    private final List<String[]> rows = new ArrayList<>();
    private final UnaryOperator<String>[] paint;

    @SuppressWarnings("unchecked")
    Table(String... headers) {
        this.headers = headers;
        this.numeric = new boolean[headers.length];
        this.fixed = new boolean[headers.length];
        this.paint = new UnaryOperator[headers.length];
    }

    Table numeric(int... columns) {
        for (int c : columns) {
            numeric[c] = true;
        }
        return this;
    }

    /** Columns that never give way (times: a cut one is useless). */
    Table fixed(int... columns) {
        for (int c : columns) {
            fixed[c] = true;
        }
        return this;
    }

    Table paint(int column, UnaryOperator<String> painter) {
        paint[column] = painter;
        return this;
    }

    Table row(Object... cells) {
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++) {
            Object v = i < cells.length ? cells[i] : null;
            r[i] = v == null ? "-" : v.toString().replace('\n', ' ');
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    List<String> render(int maxWidth) {
        int[] w = new int[headers.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        while (Arrays.stream(w).sum() + 2 * (w.length - 1) > maxWidth) {
            int widest = -1;
            for (int i = 0; i < w.length; i++) {
                if (!numeric[i]
                        && !fixed[i]
                        && w[i] > Math.max(6, headers[i].length())
                        && (widest < 0 || w[i] > w[widest])) {
                    widest = i;
                }
            }
            if (widest < 0) {
                break;
            }
            w[widest]--;
        }
        List<String> out = new ArrayList<>();
        out.add(line(headers, w, false));
        for (String[] r : rows) {
            out.add(line(r, w, true));
        }
        return out;
    }

    private String line(String[] cells, int[] w, boolean painted) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i].length() > w[i] ? cells[i].substring(0, w[i] - 1) + "~" : cells[i];
            String pad = " ".repeat(w[i] - c.length());
            String cell = numeric[i] ? pad + c : (i == cells.length - 1 ? c : c + pad);
            if (painted && paint[i] != null) {
                cell = numeric[i] ? pad + paint[i].apply(c) : paint[i].apply(c) + (i == cells.length - 1 ? "" : pad);
            }
            s.append(i == 0 ? "" : "  ").append(cell);
        }
        return s.toString();
    }
}
