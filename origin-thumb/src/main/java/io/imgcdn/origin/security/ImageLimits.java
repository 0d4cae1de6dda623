package io.imgcdn.origin.security;

/**
 * Bounds on the work one thumbnail job may cause, checked from the image header BEFORE any pixel is
 * decoded.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>why</th></tr>
 *   <tr><td>maxSourceBytes</td><td>{@value #DEFAULT_MAX_SOURCE_BYTES} (32 MiB)</td>
 *       <td>twice pixiv's largest original (15 MB)</td></tr>
 *   <tr><td>maxSourcePixels</td><td>{@value #DEFAULT_MAX_SOURCE_PIXELS} (50 MP)</td>
 *       <td>every phone and most DSLR photos; imgproxy's default is 16.8 MP, Cloudflare's 100 MP</td></tr>
 *   <tr><td>maxOutputDimension</td><td>{@value #DEFAULT_MAX_OUTPUT_DIMENSION}</td>
 *       <td>no thumbnail side above this</td></tr>
 *   <tr><td>maxFrames</td><td>{@value #DEFAULT_MAX_FRAMES}</td><td>animation frames in a source</td></tr>
 * </table>
 */
public record ImageLimits(
    long maxSourceBytes, long maxSourcePixels, int maxOutputDimension, int maxFrames) {

  /*
   * Why 50 MP: the pure Java engine decodes at full size, 3 bytes a pixel plus a resized copy, so
   * 50 MP costs about 150-250 MB of heap per job; with a CPU pool the size of the core count that
   * stays within a 1 GB heap on 2 cores. libvips decodes with shrink-on-load and needs far less,
   * but one limit for both engines keeps the answer independent of the engine. A decompression
   * bomb (a small file declaring e.g. 30000 x 30000 = 900 MP) is refused by this check in
   * microseconds, from the header alone.
   */

  public static final long DEFAULT_MAX_SOURCE_BYTES = 32L * 1024 * 1024;
  public static final long DEFAULT_MAX_SOURCE_PIXELS = 50_000_000L;
  public static final int DEFAULT_MAX_OUTPUT_DIMENSION = 8192;
  public static final int DEFAULT_MAX_FRAMES = 256;

  public ImageLimits {
    if (maxSourceBytes <= 0) {
      throw new IllegalArgumentException("maxSourceBytes: " + maxSourceBytes + " (expected: > 0)");
    }
    if (maxSourcePixels <= 0) {
      throw new IllegalArgumentException(
          "maxSourcePixels: " + maxSourcePixels + " (expected: > 0)");
    }
    if (maxOutputDimension <= 0) {
      throw new IllegalArgumentException(
          "maxOutputDimension: " + maxOutputDimension + " (expected: > 0)");
    }
    if (maxFrames <= 0) {
      throw new IllegalArgumentException("maxFrames: " + maxFrames + " (expected: > 0)");
    }
  }

  /** 32 MiB, 50 MP, 8192 px, 256 frames (see the table above). */
  public static ImageLimits defaults() {
    return new ImageLimits(
        DEFAULT_MAX_SOURCE_BYTES,
        DEFAULT_MAX_SOURCE_PIXELS,
        DEFAULT_MAX_OUTPUT_DIMENSION,
        DEFAULT_MAX_FRAMES);
  }

  /** Refuses a source larger than {@link #maxSourceBytes()}. */
  public void checkSourceBytes(long bytes) throws LimitExceededException {
    if (bytes > maxSourceBytes) {
      throw new LimitExceededException(
          "Source is " + bytes + " bytes (limit: " + maxSourceBytes + ")");
    }
  }

  /**
   * Refuses a source whose header declares more than {@link #maxSourcePixels()} pixels per frame or
   * more than {@link #maxFrames()} frames. Call it before decoding anything.
   */
  public void checkSourceHeader(int width, int height, int frames) throws LimitExceededException {
    long pixels = (long) width * height;
    if (pixels > maxSourcePixels) {
      throw new LimitExceededException(
          "Source is "
              + width
              + "x"
              + height
              + " = "
              + pixels
              + " pixels (limit: "
              + maxSourcePixels
              + ")");
    }
    if (frames > maxFrames) {
      throw new LimitExceededException(
          "Source has " + frames + " frames (limit: " + maxFrames + ")");
    }
  }

  /** Refuses an output box side above {@link #maxOutputDimension()}. */
  public void checkOutput(int width, int height) throws LimitExceededException {
    if (width > maxOutputDimension || height > maxOutputDimension) {
      throw new LimitExceededException(
          "Requested size "
              + width
              + "x"
              + height
              + " exceeds "
              + maxOutputDimension
              + " pixels per side");
    }
  }
}
