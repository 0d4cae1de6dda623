package io.imgcdn.bench.workload;

/** How an original's byte size maps to pixel dimensions, and what a variant of it weighs. */
final class ImageModel {

  /*
   * A JPEG's size is roughly a fixed overhead (headers, Huffman and quantisation tables: about 600 bytes
   * from ImageIO) plus a number of bytes per pixel. We take 0.2 bytes per pixel for originals (a 60 KB
   * original is then about 640 x 480), cap originals at 16 megapixels (so the largest 15 MB objects are
   * dense 16 MP images, not 75 MP ones nobody can decode in the budget), and pick one of six common
   * aspect ratios per original.
   *
   * Widths are snapped to a ladder of four steps per octave (16 * 2^(k/4)): the object generator then
   * encodes one real JPEG per distinct (width, height) and reuses it (see JpegBodies), and a thumbnailer
   * fed these objects sees realistic dimensions.
   *
   * A downscaled variant keeps more detail per pixel than its source (each output pixel averages
   * several input ones), so its bytes per pixel grow with the fourth root of the area ratio:
   *   bytes(variant) = 600 + pixels(variant) * 0.2 * (pixels(source region) / pixels(variant))^(1/4)
   * which gives a w150 thumbnail of a 640 x 480 original about 7.6 KB and a w600 one about 56 KB.
   */

  static final double BYTES_PER_PIXEL = 0.2;
  static final int JPEG_OVERHEAD = 600;
  static final long MAX_PIXELS = 16_000_000;
  static final int LADDER_BASE = 16;

  /** Width / height of the six aspect ratios an original may have. */
  private static final double[] ASPECTS = {4.0 / 3, 3.0 / 4, 3.0 / 2, 2.0 / 3, 16.0 / 9, 1.0};

  private ImageModel() {}

  static int aspectCount() {
    return ASPECTS.length;
  }

  /** Dimensions of an original of {@code sizeBytes} with aspect ratio number {@code aspect}. */
  static ImageDims originalDims(long sizeBytes, int aspect) {
    double a = ASPECTS[aspect];
    double pixels =
        Math.min(MAX_PIXELS, Math.max(64, (double) (sizeBytes - JPEG_OVERHEAD) / BYTES_PER_PIXEL));
    int width = snapToLadder(Math.sqrt(pixels * a));
    int height = (int) Math.max(1, Math.round(width / a));
    return new ImageDims(width, height);
  }

  /**
   * Bytes of {@code preset} made from an original of dimensions {@code original} and size {@code
   * originalBytes}.
   */
  static long variantBytes(ImageDims original, long originalBytes, Preset preset) {
    if (preset.isOriginal()) {
      return originalBytes;
    }
    ImageDims v = preset.dimsFor(original);
    long sourcePixels;
    if (preset.square()) {
      long side = Math.min(original.width(), original.height());
      sourcePixels = side * side;
    } else {
      sourcePixels = original.pixels();
    }
    double detail = Math.pow((double) sourcePixels / v.pixels(), 0.25);
    return JPEG_OVERHEAD + Math.round(v.pixels() * BYTES_PER_PIXEL * detail);
  }

  private static int snapToLadder(double width) {
    double k = Math.round(4 * Math.log(Math.max(width, LADDER_BASE) / LADDER_BASE) / Math.log(2));
    return (int) Math.round(LADDER_BASE * Math.pow(2, k / 4));
  }
}
