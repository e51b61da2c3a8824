package dev.larkhandoff.bench;

import java.util.Arrays;
import java.util.Locale;

/** Collected latencies in nanoseconds, summarised as percentiles in milliseconds. */
final class Latencies {

    private final long[] values;
    private int size;

    /** Milliseconds as the results show them: two decimals. */
    static String fmt(double millis) {
        return String.format(Locale.ROOT, "%.2f", millis);
    }

    Latencies(int capacity) {
        values = new long[capacity];
    }

    synchronized void add(long nanos) {
        if (size < values.length) {
            values[size++] = nanos;
        }
    }

    /** Adds every value {@code other} holds (as far as there is room). */
    void addAll(Latencies other) {
        long[] copy;
        synchronized (other) {
            copy = Arrays.copyOf(other.values, other.size);
        }
        for (long v : copy) {
            add(v);
        }
    }

    synchronized double percentileMillis(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int index = (int) Math.min(size - 1, Math.ceil(p / 100.0 * size) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    double maxMillis() {
        return percentileMillis(100);
    }

    synchronized int count() {
        return size;
    }
}
