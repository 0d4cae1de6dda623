package io.imgcdn.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A GitHub-flavoured Markdown table built row by row; text columns left-aligned, others
 * right-aligned.
 */
public final class MarkdownTable {

  private final List<String> header;
  private final boolean[] numeric;
  private final List<List<String>> rows = new ArrayList<>();

  /**
   * Columns whose name starts with {@code <} are left-aligned text, the rest right-aligned numbers.
   */
  public MarkdownTable(String... columns) {
    this.header = new ArrayList<>();
    this.numeric = new boolean[columns.length];
    for (int i = 0; i < columns.length; i++) {
      boolean text = columns[i].startsWith("<");
      header.add(text ? columns[i].substring(1) : columns[i]);
      numeric[i] = !text;
    }
  }

  public MarkdownTable row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "cells: "
              + cells.length
              + " "
              + Arrays.toString(cells)
              + " (expected: "
              + header.size()
              + ")");
    }
    List<String> row = new ArrayList<>();
    for (Object c : cells) {
      row.add(String.valueOf(c).replace("|", "\\|").replace('\n', ' '));
    }
    rows.add(row);
    return this;
  }

  /** The table, columns padded so the source reads as a table too. */
  public String render() {
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = Math.max(3, header.get(i).length());
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, header, width);
    sb.append('|');
    for (int i = 0; i < width.length; i++) {
      sb.append(
          numeric[i]
              ? " " + "-".repeat(width[i] - 1) + ": |"
              : " :" + "-".repeat(width[i] - 1) + " |");
    }
    sb.append('\n');
    for (List<String> r : rows) {
      line(sb, r, width);
    }
    return sb.toString();
  }

  private void line(StringBuilder sb, List<String> cells, int[] width) {
    sb.append('|');
    for (int i = 0; i < width.length; i++) {
      String c = cells.get(i);
      String pad = " ".repeat(width[i] - c.length());
      sb.append(' ').append(numeric[i] ? pad + c : c + pad).append(" |");
    }
    sb.append('\n');
  }

  /** {@code 0.1234} as {@code 12.3%}. */
  public static String percent(double ratio) {
    return String.format(java.util.Locale.ROOT, "%.1f%%", 100 * ratio);
  }

  /** Bytes in binary units: {@code 27.4 MiB}. */
  public static String bytes(double b) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < units.length - 1) {
      b /= 1024;
      u++;
    }
    return u == 0
        ? String.format(java.util.Locale.ROOT, "%.0f B", b)
        : String.format(java.util.Locale.ROOT, "%.1f %s", b, units[u]);
  }
}
