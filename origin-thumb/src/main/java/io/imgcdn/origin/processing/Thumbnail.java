package io.imgcdn.origin.processing;

import io.imgcdn.origin.options.OutputFormat;
import java.util.Objects;

/**
 * An encoded thumbnail: its bytes, format and pixel size. The array is owned by the receiver; the
 * record compares it by reference (records do), so compare {@code bytes()} with {@code
 * Arrays.equals} when the content matters.
 */
public record Thumbnail(byte[] bytes, OutputFormat format, int width, int height) {

  public Thumbnail {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(format, "format");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("size: " + width + "x" + height + " (expected: both > 0)");
    }
  }

  @Override
  public String toString() {
    return "Thumbnail[" + format + " " + width + "x" + height + ", " + bytes.length + " bytes]";
  }
}
