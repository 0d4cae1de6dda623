package io.imgcdn.origin.processing;

import io.imgcdn.origin.options.Fit;
import io.imgcdn.origin.options.Gravity;
import io.imgcdn.origin.options.VariantSpec;

/**
 * The sizes a thumbnail job works with: the source scaled to {@code scaledWidth x scaledHeight},
 * then (for {@link Fit#COVER}) a crop to {@code width x height} placed by the spec's {@link
 * Gravity} (centred for content-aware gravities, which only libvips computes).
 */
record Geometry(int scaledWidth, int scaledHeight, int width, int height, int cropX, int cropY) {

  /*
   * The scale is capped at 1 (never upscale), so a box larger than the source yields the source
   * size (cover: the source cropped to the box where the box is smaller on one axis). Sizes are
   * rounded half up and at least 1 pixel, as libvips's thumbnail does, so both engines agree to
   * the pixel on the constrained axis.
   */

  /** The geometry of {@code spec} applied to a {@code sourceWidth x sourceHeight} image. */
  static Geometry of(int sourceWidth, int sourceHeight, VariantSpec spec) {
    if (sourceWidth <= 0 || sourceHeight <= 0) {
      throw new IllegalArgumentException(
          "source: " + sourceWidth + "x" + sourceHeight + " (expected: both > 0)");
    }
    double sx = spec.width() > 0 ? spec.width() / (double) sourceWidth : Double.POSITIVE_INFINITY;
    double sy =
        spec.height() > 0 ? spec.height() / (double) sourceHeight : Double.POSITIVE_INFINITY;
    double scale = spec.fit() == Fit.COVER ? Math.max(sx, sy) : Math.min(sx, sy);
    scale = Math.min(scale, 1.0);
    int sw = scaled(sourceWidth, scale, spec.width(), spec.fit() == Fit.INSIDE);
    int sh = scaled(sourceHeight, scale, spec.height(), spec.fit() == Fit.INSIDE);
    if (spec.fit() == Fit.INSIDE) {
      return new Geometry(sw, sh, sw, sh, 0, 0);
    }
    int w = Math.min(spec.width(), sw);
    int h = Math.min(spec.height(), sh);
    Gravity gravity = spec.gravity();
    return new Geometry(
        sw, sh, w, h, Gravity.offset(sw, w, gravity.x()), Gravity.offset(sh, h, gravity.y()));
  }

  /** Whether the source needs no resize and no crop. */
  boolean identity(int sourceWidth, int sourceHeight) {
    return scaledWidth == sourceWidth
        && scaledHeight == sourceHeight
        && width == scaledWidth
        && height == scaledHeight;
  }

  private static int scaled(int source, double scale, int box, boolean clampToBox) {
    int n = (int) Math.max(1, Math.round(source * scale));
    // Floating error must never push a constrained side past its box.
    return clampToBox && box > 0 ? Math.min(n, box) : n;
  }
}
