package io.imgcdn.bench.workload;

/**
 * Pixel dimensions of an image.
 *
 * @param width pixels, > 0
 * @param height pixels, > 0
 */
public record ImageDims(int width, int height) {

  public ImageDims {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("dims: " + width + "x" + height + " (expected: both > 0)");
    }
  }

  public long pixels() {
    return (long) width * height;
  }

  @Override
  public String toString() {
    return width + "x" + height;
  }
}
