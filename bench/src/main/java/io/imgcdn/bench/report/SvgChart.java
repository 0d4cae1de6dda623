package io.imgcdn.bench.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/** Hand-written SVG charts: lines with markers over linear or log axes, and vertical bars. */
public final class SvgChart {

  /*
   * No plotting library: an SVG of lines, circles, rects and text is a few hundred bytes of markup per
   * series, renders in any browser and in GitHub's Markdown preview, and diffs as text. Coordinates
   * are rounded to 0.1 px; numbers are formatted with Locale.ROOT so a report does not depend on the
   * machine's locale.
   */

  /** How values map to positions along an axis. */
  public enum Scale {
    LINEAR,
    LOG
  }

  /**
   * An axis tick.
   *
   * @param value where it sits (in data units)
   * @param label what it says
   */
  public record Tick(double value, String label) {}

  /**
   * One line of a chart.
   *
   * @param name legend text
   * @param x x values
   * @param y y values, as many as x
   * @param dashed whether the line is dashed (e.g. byte hit ratio next to object hit ratio)
   */
  public record Series(String name, double[] x, double[] y, boolean dashed) {
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException(
            "series "
                + name
                + ": "
                + x.length
                + " x and "
                + y.length
                + " y values (expected: as many)");
      }
    }
  }

  static final String[] COLORS = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"
  };

  private static final int WIDTH = 760;
  private static final int HEIGHT = 440;
  private static final int LEFT = 80;
  private static final int RIGHT = 190;
  private static final int TOP = 44;
  private static final int BOTTOM = 56;

  private SvgChart() {}

  /** A line chart; the axes span the first to the last tick (ticks must be in increasing order). */
  public static String lines(
      String title,
      String xLabel,
      Scale xScale,
      List<Tick> xTicks,
      String yLabel,
      Scale yScale,
      List<Tick> yTicks,
      List<Series> series) {
    Axis x =
        new Axis(xScale, xTicks.getFirst().value(), xTicks.getLast().value(), LEFT, WIDTH - RIGHT);
    Axis y =
        new Axis(yScale, yTicks.getFirst().value(), yTicks.getLast().value(), HEIGHT - BOTTOM, TOP);
    StringBuilder sb = open(title);
    frame(sb, x, xTicks, xLabel, y, yTicks, yLabel);
    for (int s = 0; s < series.size(); s++) {
      Series line = series.get(s);
      String color = COLORS[s % COLORS.length];
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < line.x().length; i++) {
        points
            .append(i == 0 ? "" : " ")
            .append(num(x.at(line.x()[i])))
            .append(',')
            .append(num(y.at(line.y()[i])));
      }
      sb.append("<polyline fill=\"none\" stroke=\"")
          .append(color)
          .append("\" stroke-width=\"2\"")
          .append(line.dashed() ? " stroke-dasharray=\"6,4\"" : "")
          .append(" points=\"")
          .append(points)
          .append("\"/>\n");
      if (line.x().length <= 40) {
        for (int i = 0; i < line.x().length; i++) {
          sb.append("<circle cx=\"")
              .append(num(x.at(line.x()[i])))
              .append("\" cy=\"")
              .append(num(y.at(line.y()[i])))
              .append("\" r=\"3\" fill=\"")
              .append(color)
              .append("\"/>\n");
        }
      }
      legend(sb, s, line.name(), color, line.dashed());
    }
    return sb.append("</svg>\n").toString();
  }

  /**
   * A bar chart, one bar per label, y from 0; each bar carries its value formatted by {@code
   * format}.
   */
  public static String bars(
      String title,
      String yLabel,
      List<String> labels,
      double[] values,
      DoubleFunction<String> format) {
    if (labels.size() != values.length) {
      throw new IllegalArgumentException(
          "bars: "
              + labels.size()
              + " labels and "
              + values.length
              + " values (expected: as many)");
    }
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    List<Tick> yTicks = linearTicks(0, max > 0 ? max : 1, format);
    Axis y = new Axis(Scale.LINEAR, 0, yTicks.getLast().value(), HEIGHT - BOTTOM, TOP);
    Axis x = new Axis(Scale.LINEAR, 0, labels.size(), LEFT, WIDTH - RIGHT);
    StringBuilder sb = open(title);
    frame(sb, x, List.of(), "", y, yTicks, yLabel);
    double slot = (WIDTH - RIGHT - LEFT) / (double) labels.size();
    double barWidth = Math.min(80, slot * 0.6);
    for (int i = 0; i < values.length; i++) {
      double cx = LEFT + slot * (i + 0.5);
      double top = y.at(values[i]);
      sb.append("<rect x=\"")
          .append(num(cx - barWidth / 2))
          .append("\" y=\"")
          .append(num(top))
          .append("\" width=\"")
          .append(num(barWidth))
          .append("\" height=\"")
          .append(num(HEIGHT - BOTTOM - top))
          .append("\" fill=\"")
          .append(COLORS[i % COLORS.length])
          .append("\"/>\n");
      text(sb, cx, top - 6, "middle", 12, format.apply(values[i]));
      text(sb, cx, HEIGHT - BOTTOM + 18, "middle", 12, labels.get(i));
    }
    return sb.append("</svg>\n").toString();
  }

  /** About six ticks from {@code min} to at least {@code max}, on a 1-2-5 step. */
  public static List<Tick> linearTicks(double min, double max, DoubleFunction<String> label) {
    double span = max > min ? max - min : 1;
    double raw = span / 6;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double step =
        magnitude
            * (raw / magnitude <= 1 ? 1 : raw / magnitude <= 2 ? 2 : raw / magnitude <= 5 ? 5 : 10);
    List<Tick> ticks = new ArrayList<>();
    // Decimal arithmetic so 3 * 0.2 is 0.6, not 0.6000000000000001.
    BigDecimal decimalStep = BigDecimal.valueOf(step);
    long first = (long) Math.floor(min / step);
    for (long k = first; k == first || (k - 1) * step < max - step * 1e-9; k++) {
      double v = BigDecimal.valueOf(k).multiply(decimalStep).doubleValue();
      ticks.add(new Tick(v, label.apply(v)));
    }
    return ticks;
  }

  private record Axis(Scale scale, double min, double max, double from, double to) {
    double at(double v) {
      double f;
      if (scale == Scale.LOG) {
        double lo = Math.log10(min);
        double hi = Math.log10(max);
        f = (Math.log10(Math.max(v, min)) - lo) / (hi - lo);
      } else {
        f = (v - min) / (max - min);
      }
      return from + Math.clamp(f, -0.02, 1.02) * (to - from);
    }
  }

  private static StringBuilder open(String title) {
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" font-family=\"sans-serif\">\n");
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    text(sb, WIDTH / 2.0, 24, "middle", 15, title);
    return sb;
  }

  private static void frame(
      StringBuilder sb,
      Axis x,
      List<Tick> xTicks,
      String xLabel,
      Axis y,
      List<Tick> yTicks,
      String yLabel) {
    for (Tick t : yTicks) {
      double py = y.at(t.value());
      sb.append("<line x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(WIDTH - RIGHT)
          .append("\" y1=\"")
          .append(num(py))
          .append("\" y2=\"")
          .append(num(py))
          .append("\" stroke=\"#e0e0e0\"/>\n");
      text(sb, LEFT - 8, py + 4, "end", 12, t.label());
    }
    for (Tick t : xTicks) {
      double px = x.at(t.value());
      sb.append("<line x1=\"")
          .append(num(px))
          .append("\" x2=\"")
          .append(num(px))
          .append("\" y1=\"")
          .append(TOP)
          .append("\" y2=\"")
          .append(HEIGHT - BOTTOM)
          .append("\" stroke=\"#e0e0e0\"/>\n");
      text(sb, px, HEIGHT - BOTTOM + 18, "middle", 12, t.label());
    }
    sb.append("<line x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(WIDTH - RIGHT)
        .append("\" y1=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" y2=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" stroke=\"black\"/>\n");
    sb.append("<line x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(TOP)
        .append("\" y2=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" stroke=\"black\"/>\n");
    text(sb, (LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 14, "middle", 13, xLabel);
    sb.append("<text transform=\"translate(18,")
        .append(num((TOP + HEIGHT - BOTTOM) / 2.0))
        .append(") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">")
        .append(escape(yLabel))
        .append("</text>\n");
  }

  private static void legend(
      StringBuilder sb, int index, String name, String color, boolean dashed) {
    double ly = TOP + 10 + index * 20;
    double lx = WIDTH - RIGHT + 14;
    sb.append("<line x1=\"")
        .append(num(lx))
        .append("\" x2=\"")
        .append(num(lx + 24))
        .append("\" y1=\"")
        .append(num(ly))
        .append("\" y2=\"")
        .append(num(ly))
        .append("\" stroke=\"")
        .append(color)
        .append("\" stroke-width=\"2\"")
        .append(dashed ? " stroke-dasharray=\"6,4\"" : "")
        .append("/>\n");
    text(sb, lx + 30, ly + 4, "start", 12, name);
  }

  private static void text(
      StringBuilder sb, double x, double y, String anchor, int size, String s) {
    sb.append("<text x=\"")
        .append(num(x))
        .append("\" y=\"")
        .append(num(y))
        .append("\" text-anchor=\"")
        .append(anchor)
        .append("\" font-size=\"")
        .append(size)
        .append("\">")
        .append(escape(s))
        .append("</text>\n");
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
